import { maskError } from '../core/secrets/mask.js';
import { DEPLOY_STEPS, PATCH_STEPS, transitionTask, type DeployStep, type PatchStep } from '../core/deployment/task-machine.js';
import { hookCommandOf, hookTimeoutOf } from '../core/manifest/hooks.js';
import type { Manifest } from '../core/manifest/schema.js';
import type { Task } from '../core/model.js';
import { runHealthChecks } from './health-checks.js';
import { hookEnvironment } from './hook-environment.js';
import { runPatchStep } from './patch-steps.js';
import type { CommandOptions } from './ports.js';
import type { RunContext } from './run-context.js';
import { classifyStepFailure, isConnectionLost } from './step-errors.js';

/** The deploy steps this manifest needs: a hook step only if the hook is set, and so on. */
export function deployStepsFor(manifest: Manifest): DeployStep[] {
  return DEPLOY_STEPS.filter((step) => {
    switch (step) {
      case 'configure':
        return manifest.config.length > 0;
      case 'beforeInstall':
      case 'afterInstall':
      case 'beforeActivate':
      case 'afterActivate':
        return manifest.hooks[step] !== undefined;
      case 'health':
        return manifest.health.length > 0;
      default:
        return true;
    }
  });
}

/** A patch rollout's steps: `verify` only when the live release has health checks. */
function patchSteps(manifest: Manifest): PatchStep[] {
  return PATCH_STEPS.filter((step) => step !== 'verify' || manifest.health.length > 0);
}

/**
 * Takes one target through the deploy steps (a patch rollout's steps for a patch), from wherever it stopped. Each step is recorded as
 * started, then done; after a crash the step that was started and not done runs again with the
 * next attempt number (every step is idempotent). Returns when the task is succeeded or failed,
 * or when the run was stopped (cancel, lease lost, shutdown) — then the task is left as it is.
 */
export async function deployTask(ctx: RunContext, target: string): Promise<void> {
  const patching = ctx.deployment.kind === 'patch';
  const steps: readonly (DeployStep | PatchStep)[] = patching ? patchSteps(ctx.manifest) : deployStepsFor(ctx.manifest);
  let task = ctx.task(target);
  if (task.state !== 'pending' && task.state !== 'running') return;
  const resumeFrom = task.step === null ? 0 : steps.indexOf(task.step as DeployStep | PatchStep) + (task.stepDone ? 1 : 0);
  try {
    for (const step of steps.slice(Math.max(0, resumeFrom))) {
      ctx.signal.throwIfAborted();
      const attempt = task.step === step && !task.stepDone ? task.attempt + 1 : 1;
      const starting = task.state === 'pending';
      task = await ctx.recordTask(target, { ...(starting ? { state: transitionTask('pending', 'start') } : {}), step, stepDone: false, attempt }, [
        ...(starting ? [{ type: 'task:started' }] : []),
        { type: 'task:step-started', data: { step, attempt } },
      ]);
      if (attempt > 1) ctx.logs.note(target, step, `running ${step} again (attempt ${attempt}): the previous attempt was interrupted`);
      const previousVersion = patching ? await runPatchStep(ctx, task, step as PatchStep, attempt) : await runDeployStep(ctx, task, step as DeployStep, attempt);
      task = await ctx.recordTask(target, { stepDone: true, ...(previousVersion !== undefined ? { previousVersion } : {}) }, [
        { type: 'task:step-succeeded', data: { step, attempt } },
      ]);
    }
    await ctx.recordTask(target, { state: transitionTask('running', 'succeed') }, [{ type: 'task:succeeded' }]);
  } catch (error) {
    const failure = classifyStepFailure(error, ctx.signal);
    if (failure.kind === 'stopped') return;
    if (isConnectionLost(failure)) await ctx.sessions.discard(target);
    if (error instanceof Error && failure.error.code === 'INTERNAL') ctx.deps.log.error({ err: maskError(error, ctx.masker), deploymentId: ctx.deployment.id, target }, 'step failed unexpectedly');
    ctx.logs.note(target, ctx.task(target).step, `error[${failure.error.code}]: ${failure.error.message}`);
    const current = ctx.task(target);
    await ctx.recordTask(target, { state: transitionTask(current.state, current.state === 'pending' ? 'cancel' : 'fail'), error: failure.error }, [
      { type: 'task:failed', data: { step: current.step, ...failure.error } },
    ]).catch(() => undefined);
  }
}

/** Runs one step; `upload` returns the version the target was on before (undefined otherwise). */
async function runDeployStep(ctx: RunContext, task: Task, step: DeployStep, attempt: number): Promise<string | null | undefined> {
  const { manifest, release, deployment } = ctx;
  const work = ctx.work.get(task.target);
  if (!work) throw new Error(`no prepared work for target ${task.target}`);
  const session = await ctx.session(task.target);
  const onOutput: CommandOptions['onOutput'] = (stream, text) => ctx.logs.write(task.target, step, stream, text);
  const stepAttempt = ctx.stepAttempt(task.target, step, attempt);
  const transfer: CommandOptions = { timeoutMs: manifest.transferTimeout, signal: ctx.signal, onOutput, attempt: stepAttempt };
  const env = () =>
    hookEnvironment({ app: deployment.app, environment: deployment.environment, version: deployment.version, target: work.target, previousVersion: task.previousVersion, attempt, variables: work.variables, slot: work.slot });
  switch (step) {
    case 'upload': {
      const previousVersion = task.previousVersion ?? (await session.readCurrentVersion(deployment.app, transfer));
      const { uploaded } = await session.ensureArtifact(deployment.app, ctx.deps.artifacts.source(release.digest, release.sizeBytes), transfer);
      ctx.logs.note(task.target, step, uploaded ? `artifact ${release.digest.slice(0, 12)} uploaded and verified (${release.sizeBytes} bytes)` : `artifact ${release.digest.slice(0, 12)} already on the target, verified`);
      return previousVersion;
    }
    case 'unpack':
      await session.unpackRelease(deployment.app, deployment.version, release.digest, transfer);
      return undefined;
    case 'configure':
      await session.writeConfigFiles(deployment.app, deployment.version, work.configFiles, transfer);
      ctx.logs.note(task.target, step, `wrote ${work.configFiles.map((file) => file.path).join(', ')}`);
      return undefined;
    case 'beforeInstall':
    case 'afterInstall':
    case 'beforeActivate':
    case 'afterActivate': {
      const hook = manifest.hooks[step];
      if (!hook) return undefined;
      await session.runHook(deployment.app, deployment.version, { command: hookCommandOf(hook), env: env() }, { timeoutMs: hookTimeoutOf(hook, manifest), signal: ctx.signal, onOutput, attempt: stepAttempt });
      return undefined;
    }
    case 'activate':
      if (work.slot !== null) {
        // Blue-green: the live slot keeps serving; `current` follows the load balancer's switch.
        ctx.logs.note(task.target, step, `${deployment.version} goes to the ${work.slot} slot; current switches with the load balancer`);
        return undefined;
      }
      await session.activate(deployment.app, deployment.version, transfer);
      ctx.logs.note(task.target, step, `current → ${deployment.version}${task.previousVersion ? ` (was ${task.previousVersion})` : ''}`);
      return undefined;
    case 'health':
      await runHealthChecks(work.healthChecks, {
        session,
        app: deployment.app,
        version: deployment.version,
        env: env(),
        clock: ctx.deps.clock,
        signal: ctx.signal,
        attempt: stepAttempt,
        log: (text) => ctx.logs.note(task.target, step, text),
      });
      return undefined;
    case 'prune': {
      // Housekeeping: the release is live and healthy, so a failed prune is reported, not fatal.
      const protect = [deployment.version, ...(task.previousVersion ? [task.previousVersion] : [])];
      try {
        const removed = await session.pruneReleases(deployment.app, manifest.keepReleases, protect, transfer);
        if (removed.length > 0) ctx.logs.note(task.target, step, `removed old releases ${removed.join(', ')}`);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        ctx.logs.note(task.target, step, `warning: old releases were not pruned: ${error instanceof Error ? error.message : String(error)}`);
      }
      return undefined;
    }
  }
}
