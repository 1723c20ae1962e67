import { GantryError } from '../core/errors.js';
import { mayBeActivated, ROLLBACK_STEPS, transitionTask, type DeployStep, type RollbackStep } from '../core/deployment/task-machine.js';
import { hookCommandOf, hookTimeoutOf } from '../core/manifest/hooks.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { Manifest } from '../core/manifest/schema.js';
import type { Task } from '../core/model.js';
import { runHealthChecks } from './health-checks.js';
import { hookEnvironment } from './hook-environment.js';
import type { RunContext } from './run-context.js';
import { classifyStepFailure, isConnectionLost } from './step-errors.js';
import { resolveTargetWork } from './target-work.js';

/** Whether a task's target may be on the new release and so must be put back. */
export function needsRollback(task: Task): boolean {
  if (task.state === 'rolling_back') return true;
  return (task.state === 'succeeded' || task.state === 'failed') && mayBeActivated(task.step as DeployStep | null);
}

/**
 * Puts one target back on the release it ran before: switch `current` back (or remove it if
 * there was none), run the previous release's afterActivate hook, then its health checks.
 * It never retries in a loop: a failed rollback step ends the task as rollback_failed.
 */
export async function rollbackTask(ctx: RunContext, target: string): Promise<void> {
  let task = ctx.task(target);
  if (!needsRollback(task)) return;
  try {
    if (task.state !== 'rolling_back') {
      task = await ctx.recordTask(target, { state: transitionTask(task.state, 'beginRollback'), step: null, stepDone: false, attempt: 0 }, [
        { type: 'task:rollback-started', data: { to: task.previousVersion } },
      ]);
    }
    const previous = task.previousVersion;
    const steps: readonly RollbackStep[] = previous === null ? ['revert'] : ROLLBACK_STEPS;
    const resumeFrom = task.step === null ? 0 : steps.indexOf(task.step as RollbackStep) + (task.stepDone ? 1 : 0);
    const manifest = previous === null ? null : await manifestOf(ctx, previous);
    for (const step of steps.slice(Math.max(0, resumeFrom))) {
      ctx.signal.throwIfAborted();
      const attempt = task.step === step && !task.stepDone ? task.attempt + 1 : 1;
      task = await ctx.recordTask(target, { step, stepDone: false, attempt }, [{ type: 'task:rollback-step-started', data: { step, attempt } }]);
      await runRollbackStep(ctx, task, step, attempt, previous, manifest);
      task = await ctx.recordTask(target, { stepDone: true }, [{ type: 'task:rollback-step-succeeded', data: { step, attempt } }]);
    }
    await ctx.recordTask(target, { state: transitionTask('rolling_back', 'finishRollback') }, [{ type: 'task:rolled-back', data: { to: previous } }]);
  } catch (error) {
    const failure = classifyStepFailure(error, ctx.signal);
    if (failure.kind === 'stopped') return;
    if (isConnectionLost(failure)) await ctx.sessions.discard(target);
    ctx.logs.note(target, ctx.task(target).step, `rollback error[${failure.error.code}]: ${failure.error.message}`);
    if (ctx.task(target).state !== 'rolling_back') return;
    await ctx
      .recordTask(target, { state: transitionTask('rolling_back', 'failRollback'), error: failure.error }, [{ type: 'task:rollback-failed', data: { step: ctx.task(target).step, ...failure.error } }])
      .catch(() => undefined);
  }
}

/** The manifest the previous release was created with (its hooks and checks), else the current one. */
async function manifestOf(ctx: RunContext, version: string): Promise<Manifest> {
  const release = await ctx.deps.store.getRelease(ctx.deployment.app, version);
  return release ? parseManifest(release.manifestSource, `release ${ctx.deployment.app} ${version}`) : ctx.manifest;
}

async function runRollbackStep(ctx: RunContext, task: Task, step: RollbackStep, attempt: number, previous: string | null, manifest: Manifest | null): Promise<void> {
  const { deployment } = ctx;
  const session = await ctx.session(task.target);
  const timeoutMs = ctx.manifest.transferTimeout;
  const onOutput = (stream: 'stdout' | 'stderr', text: string) => ctx.logs.write(task.target, `rollback:${step}`, stream, text);
  const stepAttempt = ctx.stepAttempt(task.target, `rollback:${step}`, attempt);
  if (step === 'revert') {
    if (previous === null) {
      await session.deactivate(deployment.app, { timeoutMs, signal: ctx.signal, attempt: stepAttempt });
      ctx.logs.note(task.target, 'rollback:revert', 'the target had no earlier release; current removed');
    } else {
      await session.activate(deployment.app, previous, { timeoutMs, signal: ctx.signal, attempt: stepAttempt });
      ctx.logs.note(task.target, 'rollback:revert', `current → ${previous} (back from ${deployment.version})`);
    }
    return;
  }
  const work = ctx.work.get(task.target);
  if (!work) throw new GantryError('TARGET_NOT_FOUND', `target ${task.target} is no longer registered`);
  const slots = ctx.slots;
  if (slots && step === 'afterActivate') {
    // Blue-green: the old slot is still running; what goes is the new one.
    const hook = ctx.manifest.hooks.scaleDown;
    if (!hook) return;
    const env = hookEnvironment({ app: deployment.app, environment: deployment.environment, version: deployment.version, target: work.target, previousVersion: previous, attempt, variables: work.variables, slot: slots.next });
    await session.runHook(deployment.app, deployment.version, { command: hookCommandOf(hook), env }, { timeoutMs: hookTimeoutOf(hook, ctx.manifest), signal: ctx.signal, onOutput, attempt: stepAttempt });
    ctx.logs.note(task.target, 'rollback:afterActivate', `the ${slots.next} slot (${deployment.version}) is stopped`);
    return;
  }
  if (previous === null || manifest === null) return;
  // The previous release's own variables and checks, resolved for this target (and the slot it serves from).
  const slot = slots?.live ?? null;
  const previousWork = resolveTargetWork(manifest, deployment.environment, [work.target], new Map(), slot).get(task.target)!;
  const env = hookEnvironment({ app: deployment.app, environment: deployment.environment, version: previous, target: work.target, previousVersion: deployment.version, attempt, variables: previousWork.variables, slot });
  if (step === 'afterActivate') {
    const hook = manifest.hooks.afterActivate;
    if (!hook) return;
    await session.runHook(deployment.app, previous, { command: hookCommandOf(hook), env }, { timeoutMs: hookTimeoutOf(hook, manifest), signal: ctx.signal, onOutput, attempt: stepAttempt });
    return;
  }
  await runHealthChecks(previousWork.healthChecks, {
    session,
    app: deployment.app,
    version: previous,
    env,
    clock: ctx.deps.clock,
    signal: ctx.signal,
    attempt: stepAttempt,
    log: (text) => ctx.logs.note(task.target, 'rollback:health', text),
  });
}
