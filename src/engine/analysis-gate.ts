import { maskError } from '../core/secrets/mask.js';
import { isGantryError } from '../core/errors.js';
import type { CanaryGate } from '../core/rollout/plan-canary.js';
import { runAnalysis, type AnalysisRunOutcome } from './analysis/run-analysis.js';
import type { RunContext } from './run-context.js';

/** The strategy's background analysis in the measurements: it belongs to no gate. */
export const BACKGROUND_GATE = -1;

export interface AnalysisVerdict {
  readonly outcome: AnalysisRunOutcome | 'stopped';
  readonly reason: string;
}

/**
 * Runs an analysis of the deployment's release on the targets switched so far. Each
 * measurement is logged and stored as it is taken; the verdict is recorded as an event.
 * `stop` ends it gracefully (a background analysis when the rollout is done).
 */
export async function analyse(ctx: RunContext, run: { readonly template: string; readonly args: Readonly<Record<string, string>> }, gate: number, stop?: AbortSignal): Promise<AnalysisVerdict> {
  const template = ctx.manifest.analysis[run.template];
  const label = gate === BACKGROUND_GATE ? `background analysis ${run.template}` : `analysis ${run.template} (gate ${gate + 1})`;
  if (!template) return { outcome: 'error', reason: `${label}: the manifest has no such template` };
  const targets = ctx.allTasks().filter((task) => task.state === 'succeeded').map((task) => task.target);
  ctx.logs.note(null, 'analysis', `${label}: measuring ${template.metrics.map((metric) => metric.name).join(', ')} on ${targets.join(', ') || 'no target yet'}`);
  let verdict: AnalysisVerdict;
  try {
    const result = await runAnalysis(
      { template: run.template, metrics: template.metrics, context: { app: ctx.deployment.app, release: ctx.deployment.version, env: ctx.deployment.environment, targets, args: run.args } },
      {
        reader: ctx.deps.metrics,
        clock: ctx.deps.clock,
        signal: ctx.signal,
        ...(stop ? { stop } : {}),
        onMeasurement: async (measurement) => {
          ctx.logs.note(null, 'analysis', `${measurement.metric}: ${measurement.phase} — ${measurement.message}`);
          await ctx.deps.store.recordMeasurement(ctx.lease, gate, ctx.masker.maskDeep(measurement));
          ctx.deps.onProgress(ctx.deployment.id);
        },
      },
    );
    verdict = { outcome: result.outcome, reason: `${label}: ${result.reason}` };
  } catch (error) {
    if (ctx.signal.aborted) return { outcome: 'stopped', reason: `${label} was stopped` };
    // A template the release cannot run (an argument missing) is the release's problem, not a crash.
    if (!isGantryError(error)) throw error;
    verdict = { outcome: 'error', reason: `${label}: error[${error.code}]: ${error.message}` };
  }
  ctx.logs.note(null, 'analysis', `${verdict.outcome}: ${verdict.reason}`);
  await ctx.recordDeployment({}, [{ type: 'analysis:finished', data: { gate, template: run.template, outcome: verdict.outcome, reason: verdict.reason } }]);
  return verdict;
}

export function analyseGate(ctx: RunContext, gate: Extract<CanaryGate, { kind: 'analysis' }>): Promise<AnalysisVerdict> {
  return analyse(ctx, gate, ctx.deployment.nextGate);
}

/**
 * Starts the canary's background analysis, if it has one: it measures until the rollout is done
 * (`stop`). A failure or error aborts the rollout at once; inconclusive pauses it before its next batch.
 */
export function startBackgroundAnalysis(ctx: RunContext): { stop(): Promise<void> } | null {
  const run = ctx.manifest.strategy.type === 'canary' ? ctx.manifest.strategy.analysis : undefined;
  if (!run) return null;
  const stop = new AbortController();
  const done = analyse(ctx, run, BACKGROUND_GATE, stop.signal).then(
    (verdict) => {
      // It measures no more: a pause from here on need not hold the run.
      ctx.measuresWhilePaused = false;
      if (verdict.outcome === 'failed' || verdict.outcome === 'error') ctx.interrupt('abort', `error[ANALYSIS_FAILED]: ${verdict.reason}`);
      else if (verdict.outcome === 'inconclusive') ctx.pauseBeforeNextBatch = verdict.reason;
    },
    (error: unknown) => ctx.deps.log.error({ err: maskError(error, ctx.masker), deploymentId: ctx.deployment.id }, 'background analysis failed unexpectedly'),
  );
  return {
    async stop() {
      stop.abort();
      await done;
    },
  };
}
