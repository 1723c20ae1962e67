/** `gantry deploy | rollback | cancel | deployments | deployment show | logs`. */
import type { ApiClient, DeploymentDto, MeasurementDto, QueuedDeploymentDto } from '../../client/api-client.js';
import type { ControlRequest } from '../../core/deployment/control.js';
import { formatDuration } from '../../core/duration.js';
import type { DeploymentTimeDto } from '../../protocol/deployment-time-api.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatAge, formatFinal, formatLogLine, NONE, ProgressFormatter } from '../format.js';

export interface WaitOptions {
  readonly wait?: boolean;
  readonly json?: boolean;
}

export async function deploy(
  ctx: CommandContext,
  app: string,
  version: string,
  options: WaitOptions & { to: string; force?: boolean; change?: string | undefined },
): Promise<number> {
  const client = connect(ctx);
  const queued = await client.deploy({ app, version, environment: options.to, force: options.force ?? false, ...(options.change === undefined ? {} : { change: options.change }) });
  return reportQueued(ctx, client, queued, options);
}

export async function rollback(ctx: CommandContext, app: string, options: WaitOptions & { env: string }): Promise<number> {
  const client = connect(ctx);
  const queued = await client.rollback(app, options.env);
  return reportQueued(ctx, client, queued, options);
}

async function reportQueued(ctx: CommandContext, client: ApiClient, queued: QueuedDeploymentDto, options: WaitOptions): Promise<number> {
  const { deployment, waitingFor } = queued;
  if (options.json) {
    if (!options.wait) {
      ctx.output.json(queued);
      return EXIT_CODES.ok;
    }
    ctx.output.jsonLine({ type: 'queued', ...queued });
  } else {
    const what = deployment.kind === 'rollback' ? `rollback of ${deployment.app} in ${deployment.environment} to ${deployment.version}` : `${deployment.app} ${deployment.version} to ${deployment.environment}`;
    ctx.output.line(`deployment ${deployment.id} (${what}${deployment.forced ? ', forced' : ''})`);
    if (waitingFor.length > 0) ctx.output.line(`queued behind ${waitingFor.join(', ')}`);
  }
  return options.wait ? watch(ctx, client, deployment.id, options) : EXIT_CODES.ok;
}

/** Exit 0 only for a deployment that succeeded. */
export function exitCodeOfFinalState(deployment: DeploymentDto): number {
  return deployment.state === 'succeeded' ? EXIT_CODES.ok : EXIT_CODES.failed;
}

/** Shows a deployment's progress live until it ends; the exit code says whether it succeeded. */
export async function watch(ctx: CommandContext, client: ApiClient, id: string, options: { json?: boolean }): Promise<number> {
  const formatter = new ProgressFormatter();
  const stream = client.streamDeployment(id, {
    onReconnect: (attempt, reason) => ctx.output.notice(`(progress stream interrupted: ${reason}; reconnecting${attempt > 1 ? `, attempt ${attempt}` : ''}…)`),
  });
  for await (const item of stream) {
    if (item.type === 'log') continue;
    if (item.type === 'progress') {
      if (options.json) {
        ctx.output.jsonLine({ type: 'progress', event: item.event });
        continue;
      }
      const line = formatter.format(item.event);
      if (line !== undefined) ctx.output.line(line);
      continue;
    }
    if (options.json) ctx.output.jsonLine({ type: 'end', deployment: item.deployment });
    else ctx.output.line(formatFinal(item.deployment));
    return exitCodeOfFinalState(item.deployment);
  }
  // The stream only ends with `end`; an iterator that stops without it is a bug worth noticing.
  throw new Error(`the progress stream of deployment ${id} ended without a final state`);
}

export async function cancel(ctx: CommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const deployment = await connect(ctx).cancelDeployment(id);
  if (options.json) ctx.output.json(deployment);
  else ctx.output.line(`cancel requested for deployment ${deployment.id} (now ${deployment.state}); running steps finish first, switched targets stay switched`);
  return EXIT_CODES.ok;
}

const REQUESTED: Record<ControlRequest, string> = {
  promote: 'promote requested: the deployment goes past the gate it waits at',
  pause: 'pause requested: the deployment pauses before its next batch',
  resume: 'resume requested: the deployment goes on (an inconclusive analysis runs again)',
  abort: 'abort requested: steps under way stop and switched targets are rolled back',
};

/** `gantry promote | pause | resume | abort ID`. */
export async function control(ctx: CommandContext, request: ControlRequest, id: string, options: { json?: boolean }): Promise<number> {
  const deployment = await connect(ctx).controlDeployment(id, request);
  if (options.json) ctx.output.json(deployment);
  else ctx.output.line(`${REQUESTED[request]} (deployment ${deployment.id} is ${deployment.state})`);
  return EXIT_CODES.ok;
}

export async function listDeployments(ctx: CommandContext, app: string | undefined, options: { json?: boolean; limit?: number }): Promise<number> {
  const deployments = await connect(ctx).listDeployments({ app, limit: options.limit });
  if (options.json) {
    ctx.output.json({ deployments });
    return EXIT_CODES.ok;
  }
  const now = ctx.now();
  ctx.output.table(
    ['ID', 'APP', 'ENVIRONMENT', 'VERSION', 'KIND', 'STATE', 'AGE'],
    deployments.map((deployment) => [deployment.id, deployment.app, deployment.environment, deployment.version, deployment.kind, deployment.state, formatAge(deployment.createdAt, now)]),
  );
  return EXIT_CODES.ok;
}

/** How many of the latest analysis measurements `deployment show` prints. */
const SHOWN_MEASUREMENTS = 20;

/** Duration, time per batch and time out of rotation, as `gantry deployment show` prints them. */
function timeFields(time: DeploymentTimeDto): (readonly [string, string])[] {
  const rotation = time.outOfRotation;
  const stillOut = rotation.targets.filter((target) => target.gaps.some((gap) => gap.open)).map((target) => target.target);
  return [
    ['duration', time.durationMs === null ? NONE : formatDuration(time.durationMs)],
    ...(time.batches.length > 0
      ? [['batch times', time.batches.map((batch) => `${batch.batch + 1}: ${formatDuration(batch.durationMs)}${batch.finished ? '' : batch.endedAt ? ' (stopped)' : ' (running)'}`).join(', ')] as const]
      : []),
    ...(time.rollbackMs !== null ? [['rollback', formatDuration(time.rollbackMs)] as const] : []),
    [
      'out of rotation',
      rotation.targets.length === 0
        ? NONE
        : `${formatDuration(rotation.targetMs)} target-time over ${rotation.targets.length} target${rotation.targets.length === 1 ? '' : 's'}, longest ${formatDuration(rotation.longestMs)}${stillOut.length > 0 ? ` (still out: ${stillOut.join(', ')})` : ''}`,
    ],
  ];
}

export async function showDeployment(ctx: CommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const detail = await client.getDeployment(id);
  const measurements = await allMeasurements(client, id);
  if (options.json) {
    ctx.output.json({ ...detail, measurements });
    return EXIT_CODES.ok;
  }
  const { deployment, tasks, waitingFor } = detail;
  const batchCount = deployment.batches?.length;
  ctx.output.fields([
    ['deployment', deployment.id],
    ['app', deployment.app],
    ['environment', deployment.environment],
    ['version', deployment.version],
    ['kind', `${deployment.kind}${deployment.forced ? ' (forced)' : ''}`],
    ['state', deployment.state],
    ['reason', deployment.reason ?? NONE],
    ['batch', batchCount ? `${Math.min(deployment.currentBatch + 1, batchCount)}/${batchCount}` : NONE],
    ...(deployment.gates && deployment.gates.length > 0 ? [['gates', `${Math.min(deployment.nextGate, deployment.gates.length)}/${deployment.gates.length} passed`] as const] : []),
    ...(deployment.resumeAt ? [['resumes at', deployment.resumeAt] as const] : []),
    ...(deployment.controlRequest ? [['requested', deployment.controlRequest] as const] : []),
    ['created', deployment.createdAt],
    ['started', deployment.startedAt ?? NONE],
    ['finished', deployment.finishedAt ?? NONE],
    ...(waitingFor.length > 0 ? [['waiting for', waitingFor.join(', ')] as const] : []),
    ...(detail.time ? timeFields(detail.time) : []),
  ]);
  if (tasks.length > 0) {
    ctx.output.line();
    ctx.output.table(
      ['TARGET', 'BATCH', 'STATE', 'STEP', 'ERROR'],
      tasks.map((task) => [
        task.target,
        String(task.batch + 1),
        task.state,
        task.step ? `${task.step}${task.attempt > 1 ? ` (attempt ${task.attempt})` : ''}` : NONE,
        task.error ? `[${task.error.code}] ${task.error.message}` : NONE,
      ]),
    );
  }
  if (measurements.length > 0) {
    const shown = measurements.slice(-SHOWN_MEASUREMENTS);
    ctx.output.line();
    if (shown.length < measurements.length) ctx.output.line(`analysis: the last ${shown.length} of ${measurements.length} measurements (--json has them all)`);
    ctx.output.table(
      ['AT', 'GATE', 'TEMPLATE', 'METRIC', 'VALUE', 'PHASE', 'MESSAGE'],
      shown.map((measurement) => [
        measurement.at,
        measurement.gate < 0 ? 'background' : String(measurement.gate + 1),
        measurement.template,
        measurement.metric,
        measurement.value === null ? NONE : JSON.stringify(measurement.value).slice(0, 40),
        measurement.phase,
        measurement.message,
      ]),
    );
  }
  return EXIT_CODES.ok;
}

/** Every page of a deployment's analysis measurements, oldest first. */
async function allMeasurements(client: ApiClient, id: string): Promise<MeasurementDto[]> {
  const all: MeasurementDto[] = [];
  for (;;) {
    const page = await client.listMeasurements(id, all.at(-1)?.seq ?? 0);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

export async function showLogs(ctx: CommandContext, id: string, options: { follow?: boolean; json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const print = options.json ? (line: Parameters<typeof formatLogLine>[0]) => ctx.output.jsonLine(line) : (line: Parameters<typeof formatLogLine>[0]) => ctx.output.line(formatLogLine(line));
  if (options.follow) {
    const stream = client.streamDeployment(id, {
      onReconnect: (attempt, reason) => ctx.output.notice(`(log stream interrupted: ${reason}; reconnecting${attempt > 1 ? `, attempt ${attempt}` : ''}…)`),
    });
    for await (const item of stream) {
      if (item.type === 'log') print(item.line);
      else if (item.type === 'end') break;
    }
    return EXIT_CODES.ok;
  }
  // The server answers in pages; ask again after the last seq until a page comes back empty.
  let after = 0;
  for (;;) {
    const lines = await client.listLogs(id, after);
    if (lines.length === 0) break;
    for (const line of lines) print(line);
    const last = lines.at(-1)!.seq;
    if (last <= after) break;
    after = last;
  }
  return EXIT_CODES.ok;
}
