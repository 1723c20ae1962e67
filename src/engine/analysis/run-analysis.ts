import { renderMetric, type AnalysisContext, type RenderedMetric } from '../../core/analysis/render-query.js';
import { metricLimits, type AnalysisMetric } from '../../core/analysis/template-schema.js';
import { analysisOutcome, measurementPhase, type AnalysisOutcome, type MeasurementPhase } from '../../core/analysis/verdict.js';
import type { Clock } from '../../core/clock.js';
import { errorMessage, recordedValue, shownValue } from './measurement-value.js';
import type { MetricReader } from './metric-port.js';

/**
 * Runs one analysis template (Argo Rollouts' AnalysisRun): every metric is measured on its own
 * interval, all metrics at once; a metric ends at its first verdict, and the first metric that
 * fails, errs or is inconclusive stops the others, since the template can no longer succeed.
 */

export interface AnalysisRun {
  readonly template: string;
  readonly metrics: readonly AnalysisMetric[];
  readonly context: AnalysisContext;
}

export interface MeasurementRecord {
  readonly template: string;
  readonly metric: string;
  /** When the measurement was started (ISO-8601 UTC, from the injected clock). */
  readonly at: string;
  /** JSON data (see recordedValue); null for an error measurement. */
  readonly value: unknown;
  readonly phase: MeasurementPhase;
  readonly message: string;
}

export type AnalysisRunOutcome = Exclude<AnalysisOutcome, 'running'>;

export interface AnalysisResult {
  readonly outcome: AnalysisRunOutcome;
  /** Names the metric and its measurements: `metric errors: 2 of 3 measurements failed, more than failureLimit 1 (last result 0.31)`. */
  readonly reason: string;
  /** The metric that decided a non-successful outcome. */
  readonly metric?: string;
}

export interface AnalysisDeps {
  readonly reader: MetricReader;
  readonly clock: Clock;
  /** Cancels the analysis: runAnalysis rejects with the signal's reason. */
  readonly signal: AbortSignal;
  /**
   * Ends the analysis gracefully (a background analysis when its rollout finishes): measuring
   * stops, and metrics still running count as successful if none of their measurements crossed a
   * limit. Without it, a metric without `count` measures until `signal` cancels the analysis.
   */
  readonly stop?: AbortSignal;
  /** Called with every measurement before the next one is taken; an error here ends the analysis with that error. */
  onMeasurement(record: MeasurementRecord): Promise<void> | void;
}

/** A bound on any one metric's loop, whatever its count and limits: at a 10s interval, eleven days. */
export const MAX_MEASUREMENTS_PER_METRIC = 100_000;

/** Worst first: the order in which verdicts decide the template's outcome. */
const SEVERITY: readonly AnalysisRunOutcome[] = ['failed', 'error', 'inconclusive', 'successful'];

interface MetricVerdict {
  readonly outcome: AnalysisOutcome;
  readonly reason: string;
}

interface MetricState {
  readonly metric: AnalysisMetric;
  readonly rendered: RenderedMetric;
  readonly phases: MeasurementPhase[];
  last?: MeasurementRecord;
  verdict?: MetricVerdict;
}

function lastMeasurement(state: MetricState): string {
  const last = state.last;
  if (last === undefined) return '';
  return last.phase === 'error' ? ` (last error: ${last.message})` : ` (last result ${shownValue(last.value)})`;
}

export async function runAnalysis(run: AnalysisRun, deps: AnalysisDeps): Promise<AnalysisResult> {
  deps.signal.throwIfAborted();
  // Placeholders are substituted once, before anything is measured: a missing argument is a manifest error.
  const states: MetricState[] = run.metrics.map((metric) => ({ metric, rendered: renderMetric(run.template, metric, run.context), phases: [] }));
  if (states.length === 0) return { outcome: 'successful', reason: `analysis template ${run.template} has no metrics` };

  const halt = new AbortController();
  const cancel = () => halt.abort(deps.signal.reason);
  const stop = () => halt.abort(new Error('the analysis was stopped'));
  deps.signal.addEventListener('abort', cancel, { once: true });
  deps.stop?.addEventListener('abort', stop, { once: true });
  if (deps.stop?.aborted) stop();

  try {
    const settled = await Promise.allSettled(
      states.map(async (state) => {
        try {
          state.verdict = await measureMetric(run.template, state, deps, halt.signal);
          if (state.verdict !== undefined && state.verdict.outcome !== 'successful') halt.abort(new Error(`metric ${state.metric.name} decided the analysis`));
        } catch (error) {
          halt.abort(error);
          throw error;
        }
      }),
    );
    if (deps.signal.aborted) throw deps.signal.reason;
    const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  } finally {
    deps.signal.removeEventListener('abort', cancel);
    deps.stop?.removeEventListener('abort', stop);
    halt.abort();
  }
  return combine(states);
}

/** Measures one metric until its verdict; undefined when the analysis was halted first. */
async function measureMetric(template: string, state: MetricState, deps: AnalysisDeps, halt: AbortSignal): Promise<MetricVerdict | undefined> {
  const { metric, rendered } = state;
  const limits = metricLimits(metric);
  const pause = async (ms: number): Promise<boolean> => {
    try {
      await deps.clock.sleep(ms, halt);
      return !halt.aborted;
    } catch (error) {
      if (halt.aborted) return false;
      throw error;
    }
  };

  if (metric.initialDelay > 0 && !(await pause(metric.initialDelay))) return undefined;
  for (let taken = 0; taken < MAX_MEASUREMENTS_PER_METRIC; taken++) {
    if (halt.aborted) return undefined;
    const at = deps.clock.now().toISOString();
    let value: unknown = null;
    let verdict: { phase: MeasurementPhase; message: string };
    try {
      value = await deps.reader.read(rendered, halt);
      // A value read while a sibling metric decided, or while the analysis was stopped, is still
      // recorded and judged: two metrics deciding at once must both count.
      if (deps.signal.aborted) return undefined;
      verdict = measurementPhase({ success: metric.successCondition, failure: metric.failureCondition, value });
    } catch (error) {
      if (halt.aborted) return undefined;
      value = null;
      verdict = { phase: 'error', message: errorMessage(error) };
    }
    const record: MeasurementRecord = { template, metric: metric.name, at, value: recordedValue(value), phase: verdict.phase, message: verdict.message };
    state.phases.push(verdict.phase);
    state.last = record;
    await deps.onMeasurement(record);
    const outcome = analysisOutcome(state.phases, limits);
    if (outcome.outcome !== 'running') return outcome;
    if (!(await pause(metric.interval))) return undefined;
  }
  return {
    outcome: 'inconclusive',
    reason: `${MAX_MEASUREMENTS_PER_METRIC} measurements taken without a verdict, the most one analysis takes; ${analysisOutcome(state.phases, limits).reason}`,
  };
}

/** The template's outcome: the worst verdict; metrics the analysis stopped first count as successful so far. */
function combine(states: readonly MetricState[]): AnalysisResult {
  const decided = states.filter((state) => state.verdict !== undefined && state.verdict.outcome !== 'successful' && state.verdict.outcome !== 'running');
  for (const outcome of SEVERITY) {
    const worst = decided.find((state) => state.verdict?.outcome === outcome);
    if (worst?.verdict !== undefined) {
      return { outcome, reason: `metric ${worst.metric.name}: ${worst.verdict.reason}${lastMeasurement(worst)}`, metric: worst.metric.name };
    }
  }
  const reasons = states.map((state) => {
    const verdict = state.verdict ?? analysisOutcome(state.phases, metricLimits(state.metric));
    const reason = verdict.outcome === 'running' ? `stopped: ${verdict.reason.replace(/; the analysis measures until it is stopped$/, '')}` : verdict.reason;
    return `metric ${state.metric.name}: ${reason}${lastMeasurement(state)}`;
  });
  return { outcome: 'successful', reason: reasons.join('; ') };
}
