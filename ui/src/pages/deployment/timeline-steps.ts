/**
 * The rollout as a sequence of batches and canary gates, each placed relative to where the
 * deployment stands: the engine's `currentBatch` (the batch under way, or the next one once a
 * batch finished) and `nextGate` (the first gate not passed yet).
 */
import type { DeploymentDto } from '../../../../src/client/api-client.js';
import { isFinished, wentWrong, type TaskDto } from './deployment-state.js';

/** `stopped`: where a cancelled deployment stopped. */
export type StepStatus = 'done' | 'current' | 'pending' | 'failed' | 'stopped';

export interface TimelineStep {
  readonly key: string;
  readonly kind: 'batch' | 'gate';
  readonly title: string;
  readonly detail: string;
  readonly status: StepStatus;
  /** The status in words, for everyone (colour is only a second cue). */
  readonly words: string;
}

type Gate = NonNullable<DeploymentDto['gates']>[number];
type Position = { readonly kind: 'batch' | 'gate'; readonly index: number } | null;

/** Where the deployment stands: the gate it waits at after the last finished batch, else the batch under way. */
function position(deployment: DeploymentDto, batchCount: number): Position {
  if (deployment.state === 'queued' || deployment.state === 'succeeded') return null;
  const gate = deployment.gates?.[deployment.nextGate];
  if (gate && gate.afterBatch === deployment.currentBatch - 1) return { kind: 'gate', index: deployment.nextGate };
  if (deployment.currentBatch < batchCount) return { kind: 'batch', index: deployment.currentBatch };
  return null;
}

export function timelineSteps(deployment: DeploymentDto, tasks: readonly TaskDto[]): TimelineStep[] {
  const batches = deployment.batches ?? [];
  const gates = deployment.gates ?? [];
  const order: { kind: 'batch' | 'gate'; index: number }[] = [];
  batches.forEach((_, batch) => {
    order.push({ kind: 'batch', index: batch });
    gates.forEach((gate, index) => {
      if (gate.afterBatch === batch) order.push({ kind: 'gate', index });
    });
  });

  const at = position(deployment, batches.length);
  let atIndex = at === null ? -1 : order.findIndex((item) => item.kind === at.kind && item.index === at.index);
  const pastLastBatch = batches.length > 0 && deployment.currentBatch >= batches.length;
  // Gone wrong after the last batch (a blue-green switch, a background analysis): the last step is where.
  if (atIndex === -1 && pastLastBatch && (wentWrong(deployment.state) || deployment.state === 'rolling_back')) atIndex = order.length - 1;
  const everythingDone = deployment.state === 'succeeded' || (atIndex === -1 && pastLastBatch);

  return order.map((item, place) => {
    let status: StepStatus;
    if (everythingDone || (atIndex !== -1 && place < atIndex)) status = 'done';
    else if (place === atIndex) status = statusAt(deployment.state);
    else status = 'pending';
    const base = item.kind === 'batch' ? batchStep(item.index, batches[item.index] ?? [], tasks) : gateStep(item.index, gates[item.index]!);
    const notStarted = item.kind === 'batch' && tasks.filter((task) => task.batch === item.index).every((task) => task.state === 'pending');
    return { ...base, status, words: wordsFor(status, deployment, item.kind, notStarted) };
  });
}

function statusAt(state: DeploymentDto['state']): StepStatus {
  if (state === 'cancelled') return 'stopped';
  if (wentWrong(state) || state === 'rolling_back') return 'failed';
  return 'current';
}

/** `notStarted`: a batch none of whose targets has begun. */
function wordsFor(status: StepStatus, deployment: DeploymentDto, kind: 'batch' | 'gate', notStarted: boolean): string {
  switch (status) {
    case 'done':
      return kind === 'gate' ? 'passed' : 'done';
    case 'failed':
      return 'failed here';
    case 'stopped':
      return 'cancelled here';
    case 'current':
      if (deployment.state === 'paused') return kind === 'gate' ? 'paused here' : 'paused before this batch';
      return notStarted ? 'up next' : 'in progress';
    case 'pending':
      return isFinished(deployment.state) ? 'not reached' : 'pending';
  }
}

function batchStep(batch: number, targets: readonly string[], tasks: readonly TaskDto[]): Omit<TimelineStep, 'status' | 'words'> {
  const counts = new Map<string, number>();
  for (const task of tasks) {
    if (task.batch === batch) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
  }
  const tally = [...counts].filter(([state]) => state !== 'pending').map(([state, count]) => `${count} ${state.replace('_', ' ')}`);
  const names = targets.length <= 4 ? targets.join(', ') : `${targets.slice(0, 4).join(', ')} and ${targets.length - 4} more`;
  return {
    key: `batch-${batch}`,
    kind: 'batch',
    title: `Batch ${batch + 1} (${targets.length} target${targets.length === 1 ? '' : 's'})`,
    detail: tally.length > 0 ? `${names} · ${tally.join(', ')}` : names,
  };
}

function gateStep(index: number, gate: Gate): Omit<TimelineStep, 'status' | 'words'> {
  const base = { key: `gate-${index}`, kind: 'gate' as const };
  if (gate.kind === 'pause') {
    return { ...base, title: gate.durationMs === null ? 'Pause until promoted' : `Pause for ${describeDuration(gate.durationMs)}`, detail: `after batch ${gate.afterBatch + 1}` };
  }
  const args = Object.entries(gate.args ?? {}).map(([name, value]) => `${name}=${value}`);
  return { ...base, title: `Analysis ${gate.template ?? ''}`.trim(), detail: [`after batch ${gate.afterBatch + 1}`, ...args].join(' · ') };
}

/** `250 ms`, `90 s`, `5 min`, `1.5 h`. */
export function describeDuration(ms: number): string {
  if (ms > 0 && ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round((ms / 3_600_000) * 10) / 10} h`;
}
