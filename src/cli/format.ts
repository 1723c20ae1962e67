/**
 * Turns API answers into the text the CLI shows: ages, sizes, log lines and one line per
 * meaningful progress event. Pure: output.ts does the writing.
 */
import type { DeploymentDto, EventDto, LogLineDto } from '../client/api-client.js';

export const NONE = '-';

/** Time since `iso` in the largest whole unit: 42s, 5m, 3h, 12d. */
export function formatAge(iso: string | null | undefined, now: Date): string {
  if (!iso) return NONE;
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return NONE;
  const seconds = Math.max(0, Math.floor((now.getTime() - then) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** `[target step stream] text`, with `-` for a line that belongs to no target or step. */
export function formatLogLine(line: LogLineDto): string {
  return `[${line.target ?? NONE} ${line.step ?? NONE} ${line.stream}] ${line.text}`;
}

export function formatFinal(deployment: DeploymentDto): string {
  return `deployment ${deployment.id} ${deployment.state}${deployment.reason ? `: ${deployment.reason}` : ''}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

function failure(data: Record<string, unknown>): string {
  const code = text(data.code);
  const message = text(data.message);
  return [code ? `[${code}]` : undefined, message].filter((part) => part !== undefined).join(' ');
}

/**
 * One line per meaningful progress event (batch started, a target's step, failures with code
 * and message, rollback); `undefined` for the rest. Remembers the plan to show "batch 2/3".
 */
export class ProgressFormatter {
  private batchCount: number | undefined;

  format(event: EventDto): string | undefined {
    const data = event.data;
    const target = event.target ?? 'deployment';
    switch (event.type) {
      case 'deployment:started':
        return 'deployment started';
      case 'deployment:resumed':
        return `deployment resumed${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
      case 'deployment:planned': {
        const batches = Array.isArray(data.batches) ? data.batches : [];
        this.batchCount = batches.length;
        const targets = batches.reduce<number>((sum, batch) => sum + (Array.isArray(batch) ? batch.length : 0), 0);
        const strategy = text(data.strategy);
        const allowed = typeof data.allowedFailures === 'number' ? `, up to ${plural(data.allowedFailures, 'failure')} tolerated` : '';
        return `planned ${plural(targets, 'target')} in ${plural(batches.length, 'batch', 'batches')}${strategy ? ` (${strategy})` : ''}${allowed}`;
      }
      case 'batch:started': {
        const batch = typeof data.batch === 'number' ? data.batch + 1 : undefined;
        const targets = Array.isArray(data.targets) ? data.targets.filter((name): name is string => typeof name === 'string') : [];
        const of = this.batchCount !== undefined ? `/${this.batchCount}` : '';
        return `batch ${batch ?? '?'}${of}: ${targets.join(', ') || 'no targets'}`;
      }
      case 'task:step-started': {
        const attempt = typeof data.attempt === 'number' && data.attempt > 1 ? ` (attempt ${data.attempt})` : '';
        return `${target}: ${text(data.step) ?? 'step'}…${attempt}`;
      }
      case 'task:succeeded':
        return `${target}: done`;
      case 'task:failed':
        return `${target}: ${text(data.step) ?? 'step'} failed ${failure(data)}`.trimEnd();
      case 'task:skipped':
        return `${target}: skipped`;
      case 'task:cancelled':
        return `${target}: cancelled${text(data.step) ? ` during ${text(data.step)}` : ''}`;
      case 'task:rollback-started':
        return `${target}: rolling back${text(data.to) ? ` to ${text(data.to)}` : ''}`;
      case 'task:rollback-step-started': {
        const attempt = typeof data.attempt === 'number' && data.attempt > 1 ? ` (attempt ${data.attempt})` : '';
        return `${target}: rollback ${text(data.step) ?? 'step'}…${attempt}`;
      }
      case 'task:rolled-back':
        return `${target}: rolled back${text(data.to) ? ` to ${text(data.to)}` : ''}`;
      case 'task:rollback-failed':
        return `${target}: rollback failed${text(data.step) ? ` at ${text(data.step)}` : ''} ${failure(data)}`.trimEnd();
      case 'deployment:rolling-back':
        return `rolling back${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
      case 'deployment:failed':
      case 'deployment:rollback-failed':
        // The final line (from `end`) carries the reason; an engine error also has a code.
        return text(data.code) ? `${event.type === 'deployment:failed' ? 'deployment failed' : 'rollback failed'} ${failure(data)}` : undefined;
      default:
        return undefined;
    }
  }
}
