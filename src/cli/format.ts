/**
 * Turns API answers into the text the CLI shows: ages, sizes, log lines and one line per
 * meaningful progress event. Pure: output.ts does the writing.
 */
import type { DeploymentDto, EventDto, FactChangeDto, Facts, LogLineDto, TargetDto } from '../client/api-client.js';

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

/** An uptime in its two largest units: 45s, 12m, 5h 3m, 3d 4h. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
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
      case 'deployment:paused':
        return text(data.reason) ?? 'paused';
      case 'deployment:held':
        return 'held on request: waiting for gantry promote (or resume)';
      case 'deployment:unpaused':
        return `${text(data.request) ? `${text(data.request)}d on request` : 'pause ended'}${typeof data.gatePassed === 'number' ? `: gate ${data.gatePassed + 1} passed` : ''}`;
      case 'gate:passed':
        return typeof data.gate === 'number' ? `gate ${data.gate + 1} passed (${text(data.kind) ?? 'gate'})` : undefined;
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

/** An agent target's state: `online`, `offline` or `revoked`; `-` for local and SSH targets. */
export function formatTargetStatus(target: TargetDto): string {
  if (target.transport !== 'agent') return NONE;
  if (target.revoked) return 'revoked';
  return target.online ? 'online' : 'offline';
}

/** `online (last seen 5s ago)`, `offline (never connected)`, … for `target show`. */
export function formatTargetPresence(target: TargetDto, now: Date): string {
  const status = formatTargetStatus(target);
  const seen = target.lastSeenAt ? `last seen ${formatAge(target.lastSeenAt, now)} ago, ${target.lastSeenAt}` : 'never connected';
  return `${status} (${seen})`;
}

/** The facts as `target show` lists them, one `label: value` pair each. */
export function factFields(facts: Facts, reportedAt: string | null, now: Date): [string, string][] {
  const disks = facts.disks.map((disk) => `${disk.mount} ${formatBytes(disk.freeBytes)} free of ${formatBytes(disk.sizeBytes)}`);
  return [
    ['facts reported', reportedAt ? `${reportedAt} (${formatAge(reportedAt, now)} ago)` : NONE],
    ['hostname', facts.hostname],
    ['os', `${facts.os.name} ${facts.os.version}`.trim() || NONE],
    ['kernel', facts.kernel || NONE],
    ['architecture', facts.architecture || NONE],
    ['cpus', String(facts.cpus)],
    ['memory', formatBytes(facts.memoryBytes)],
    ['disks', disks.join(', ') || NONE],
    ['addresses', facts.addresses.join(', ') || NONE],
    ['packages', `${facts.packages.length} installed${facts.packageFormat ? ` (${facts.packageFormat})` : ''}`],
    ...(facts.rebootRequired ? [['reboot', 'needed to finish an upgrade'] as [string, string]] : []),
    ['agent version', facts.agentVersion],
    ['uptime', formatUptime(facts.uptimeSeconds)],
  ];
}

const MAX_VALUE_LENGTH = 80;
const MAX_CHANGES_SHOWN = 10;

function formatFactValue(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const line = text.replace(/[\r\n\t]+/g, ' ');
  return line.length > MAX_VALUE_LENGTH ? `${line.slice(0, MAX_VALUE_LENGTH)}…` : line;
}

/** One fact change as lines: its time, then `path: from → to` for each changed fact (at most 10). */
export function formatFactChange(change: FactChangeDto, now: Date): string[] {
  const lines = [`${change.at} (${formatAge(change.at, now)} ago)`];
  for (const item of change.changes.slice(0, MAX_CHANGES_SHOWN)) lines.push(`  ${item.path}: ${formatFactValue(item.from)} → ${formatFactValue(item.to)}`);
  if (change.changes.length > MAX_CHANGES_SHOWN) lines.push(`  … and ${change.changes.length - MAX_CHANGES_SHOWN} more`);
  return lines;
}
