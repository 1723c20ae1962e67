import { describe, expect, it } from 'vitest';
import { analysisTemplateSchema } from '../../core/analysis/template-schema.js';
import type { Clock } from '../../core/clock.js';
import { GantryError } from '../../core/errors.js';
import type { MetricReader, RenderedMetric } from './metric-port.js';
import { runAnalysis, type AnalysisDeps, type AnalysisRun, type MeasurementRecord } from './run-analysis.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');

/**
 * Virtual time: a sleep resolves when every other piece of work has settled (the fake readers
 * answer in microtasks), and then the clock jumps to the earliest sleep's end.
 */
function virtualClock() {
  let now = START;
  let ticks = 0;
  let scheduled = false;
  const timers: Array<{ due: number; resolve: () => void }> = [];
  const tick = () => {
    scheduled = false;
    if (timers.length === 0) return;
    if (++ticks > 10_000) throw new Error('the virtual clock ticked 10000 times: a loop does not end');
    timers.sort((a, b) => a.due - b.due);
    const due = timers[0]!.due;
    now = due;
    for (const timer of timers.filter((candidate) => candidate.due === due)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.resolve();
    }
    schedule();
  };
  const schedule = () => {
    if (scheduled || timers.length === 0) return;
    scheduled = true;
    setImmediate(tick);
  };
  const clock: Clock = {
    now: () => new Date(now),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = {
          due: now + ms,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const index = timers.indexOf(timer);
          if (index >= 0) timers.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
        schedule();
      }),
  };
  return { clock, pending: () => timers.length };
}

type Answer = number | boolean | number[] | Error | 'hang';

/** Answers each metric's reads from its script, in order; 'hang' waits until the read is aborted. */
function scriptedReader(scripts: Record<string, readonly Answer[]>) {
  const reads: Array<{ metric: RenderedMetric; signal: AbortSignal }> = [];
  const counts = new Map<string, number>();
  const reader: MetricReader = {
    async read(metric, signal) {
      reads.push({ metric, signal });
      const index = counts.get(metric.name) ?? 0;
      counts.set(metric.name, index + 1);
      const answer = scripts[metric.name]?.[index];
      if (answer === undefined) throw new Error(`test script of ${metric.name} has no answer ${index + 1}`);
      if (answer instanceof Error) throw answer;
      if (answer === 'hang') {
        return new Promise((_resolve, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      }
      return answer;
    },
  };
  return { reader, reads };
}

const prometheus = { prometheus: { address: 'http://127.0.0.1:9090', query: 'errors{release="{{release}}",instance=~"{{targets}}",svc="{{args.service}}"}' } };

function analysis(metrics: Array<Record<string, unknown>>): AnalysisRun {
  const template = analysisTemplateSchema.parse({ args: ['service'], metrics: metrics.map((metric) => ({ provider: prometheus, ...metric })) });
  return { template: 'error-rate', metrics: template.metrics, context: { app: 'shop', release: '2.0.0', env: 'production', targets: ['web-1', 'web-2'], args: { service: 'api' } } };
}

function harness(scripts: Record<string, readonly Answer[]>, overrides: Partial<AnalysisDeps> = {}) {
  const { clock, pending } = virtualClock();
  const { reader, reads } = scriptedReader(scripts);
  const records: MeasurementRecord[] = [];
  const controller = new AbortController();
  const deps: AnalysisDeps = { reader, clock, signal: controller.signal, onMeasurement: (record) => void records.push(record), ...overrides };
  return { deps, records, reads, controller, pending };
}

const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();

describe('runAnalysis', () => {
  it('measures every interval until count, substituting placeholders once', async () => {
    const { deps, records, reads } = harness({ errors: [0.01, 0.02, 0.03] });
    const result = await runAnalysis(analysis([{ name: 'errors', successCondition: 'result < 0.05', count: 3 }]), deps);
    expect(result).toEqual({
      outcome: 'successful',
      reason: 'metric errors: 3 of 3 measurements done without crossing a limit (3 successful, 0 failed, 0 inconclusive) (last result 0.03)',
    });
    expect(records).toEqual([
      { template: 'error-rate', metric: 'errors', at: at(0), value: 0.01, phase: 'successful', message: 'successCondition `result < 0.05` holds for result 0.01' },
      { template: 'error-rate', metric: 'errors', at: at(10), value: 0.02, phase: 'successful', message: 'successCondition `result < 0.05` holds for result 0.02' },
      { template: 'error-rate', metric: 'errors', at: at(20), value: 0.03, phase: 'successful', message: 'successCondition `result < 0.05` holds for result 0.03' },
    ]);
    expect(reads[0]!.metric).toEqual({
      template: 'error-rate',
      name: 'errors',
      provider: { kind: 'prometheus', address: 'http://127.0.0.1:9090', query: 'errors{release="2.0.0",instance=~"web-1|web-2",svc="api"}', headers: {}, timeout: 5000 },
    });
  });

  it('fails once failures go above failureLimit, naming the metric and the last result', async () => {
    const { deps, records } = harness({ errors: [0.01, 0.31, 0.31, 0.01] });
    const result = await runAnalysis(analysis([{ name: 'errors', successCondition: 'result < 0.05', count: 4, failureLimit: 1, interval: '1s' }]), deps);
    expect(result).toEqual({ outcome: 'failed', metric: 'errors', reason: 'metric errors: 2 of 3 measurements failed, more than failureLimit 1 (last result 0.31)' });
    expect(records.map((record) => record.phase)).toEqual(['successful', 'failed', 'failed']);
  });

  it('records reader errors as error measurements and ends in error after consecutiveErrorLimit', async () => {
    const noSamples = new Error('query returned no samples');
    const { deps, records } = harness({ errors: [noSamples, noSamples, noSamples] });
    const result = await runAnalysis(analysis([{ name: 'errors', successCondition: 'result < 0.05', count: 3, consecutiveErrorLimit: 2 }]), deps);
    expect(result).toEqual({
      outcome: 'error',
      metric: 'errors',
      reason: 'metric errors: 3 measurements in a row had errors, more than consecutiveErrorLimit 2 (last error: query returned no samples)',
    });
    expect(records[0]).toEqual({ template: 'error-rate', metric: 'errors', at: at(0), value: null, phase: 'error', message: 'query returned no samples' });
  });

  it('retries an error without counting it towards count', async () => {
    const { deps, records } = harness({ errors: [new Error('connection refused'), 0.01, 0.02] });
    const result = await runAnalysis(analysis([{ name: 'errors', successCondition: 'result < 0.05', count: 2 }]), deps);
    expect(result.outcome).toBe('successful');
    expect(result.reason).toContain('2 of 2 measurements done without crossing a limit (2 successful, 0 failed, 0 inconclusive; 1 error retried)');
    expect(records).toHaveLength(3);
  });

  it('is inconclusive when neither condition holds more often than inconclusiveLimit', async () => {
    const { deps } = harness({ errors: [0.07] });
    const result = await runAnalysis(analysis([{ name: 'errors', successCondition: 'result < 0.05', failureCondition: 'result > 0.1', count: 3 }]), deps);
    expect(result).toEqual({ outcome: 'inconclusive', metric: 'errors', reason: 'metric errors: 1 of 1 measurement were inconclusive, more than inconclusiveLimit 0 (last result 0.07)' });
  });

  it('counts a condition that cannot be evaluated as an error', async () => {
    const { deps, records } = harness({ errors: [[0.01, 0.02], [0.01, 0.02]] });
    const result = await runAnalysis(analysis([{ name: 'errors', successCondition: 'result[0] < 0.05 && result[5] < 0.05', count: 2, consecutiveErrorLimit: 1 }]), deps);
    expect(result.outcome).toBe('error');
    expect(records[0]).toMatchObject({ phase: 'error', value: [0.01, 0.02] });
    expect(records[0]!.message).toContain('index 5 is out of range');
  });

  it('records NaN and infinities as JSON-safe strings', async () => {
    const { deps, records } = harness({ errors: [Number.NaN, [Number.POSITIVE_INFINITY, 1]] });
    await runAnalysis(analysis([{ name: 'errors', count: 2, interval: '1s' }]), deps);
    expect(records.map((record) => record.value)).toEqual(['NaN', ['Infinity', 1]]);
    expect(JSON.parse(JSON.stringify(records.map((record) => record.value)))).toEqual(['NaN', ['Infinity', 1]]);
  });

  it('waits initialDelay before the first measurement', async () => {
    const { deps, records } = harness({ errors: [0.01, 0.01] });
    await runAnalysis(analysis([{ name: 'errors', count: 2, initialDelay: '1m', interval: '5s' }]), deps);
    expect(records.map((record) => record.at)).toEqual([at(60), at(65)]);
  });

  it('measures metrics concurrently, each on its own interval, and waits for the slowest', async () => {
    const { deps, records } = harness({ fast: [1, 1, 1], slow: [1, 1] });
    const result = await runAnalysis(analysis([{ name: 'fast', count: 3, interval: '10s' }, { name: 'slow', count: 2, interval: '1m' }]), deps);
    expect(records.map((record) => `${record.metric}@${record.at}`)).toEqual([`fast@${at(0)}`, `slow@${at(0)}`, `fast@${at(10)}`, `fast@${at(20)}`, `slow@${at(60)}`]);
    expect(result.outcome).toBe('successful');
    expect(result.reason).toBe(
      'metric fast: 3 of 3 measurements done without crossing a limit (3 successful, 0 failed, 0 inconclusive) (last result 1); ' +
        'metric slow: 2 of 2 measurements done without crossing a limit (2 successful, 0 failed, 0 inconclusive) (last result 1)',
    );
  });

  it('stops the other metrics as soon as one fails', async () => {
    const { deps, records, reads, pending } = harness({ errors: [0.01, 0.5], latency: [100, 'hang'] });
    const result = await runAnalysis(analysis([{ name: 'errors', successCondition: 'result < 0.05', count: 5 }, { name: 'latency', successCondition: 'result < 300', count: 5, interval: '5s' }]), deps);
    expect(result).toEqual({ outcome: 'failed', metric: 'errors', reason: 'metric errors: 1 of 2 measurements failed, more than failureLimit 0 (last result 0.5)' });
    // latency measured at 0s and started a read at 5s, which hung until the failure at 10s aborted it.
    expect(records.map((record) => `${record.metric}@${record.at}`)).toEqual([`errors@${at(0)}`, `latency@${at(0)}`, `errors@${at(10)}`]);
    const hung = reads.find((read, index) => read.metric.name === 'latency' && index > 1);
    expect(hung?.signal.aborted).toBe(true);
    expect(pending()).toBe(0);
  });

  it('takes the worst verdict when metrics decide at the same moment', async () => {
    const { deps } = harness({ a: [0.07], b: [0.5], c: [new Error('down')] });
    const run = analysis([
      { name: 'a', successCondition: 'result < 0.05', failureCondition: 'result > 0.1', count: 2 },
      { name: 'b', successCondition: 'result < 0.05', count: 2 },
      { name: 'c', count: 2, consecutiveErrorLimit: 0 },
    ]);
    const result = await runAnalysis(run, deps);
    expect(result).toMatchObject({ outcome: 'failed', metric: 'b' });
  });

  it('ranks error above inconclusive', async () => {
    const { deps } = harness({ a: [0.07], c: [new Error('down')] });
    const result = await runAnalysis(analysis([{ name: 'a', successCondition: 'result < 0.05', failureCondition: 'result > 0.1', count: 2 }, { name: 'c', count: 2, consecutiveErrorLimit: 0 }]), deps);
    expect(result).toEqual({ outcome: 'error', metric: 'c', reason: 'metric c: a measurement had an error, more than consecutiveErrorLimit 0 (last error: down)' });
  });

  it('runs a metric without count until stopped, then reports it successful', async () => {
    const stop = new AbortController();
    const { deps, records } = harness(
      { background: [0.01, 0.01, 0.02, 'hang'] },
      {
        stop: stop.signal,
        onMeasurement: (record) => {
          records.push(record);
          if (records.length === 3) stop.abort();
        },
      },
    );
    const result = await runAnalysis(analysis([{ name: 'background', successCondition: 'result < 0.05', interval: '30s' }]), deps);
    expect(result).toEqual({
      outcome: 'successful',
      reason: 'metric background: stopped: 3 measurements done without crossing a limit (3 successful, 0 failed, 0 inconclusive) (last result 0.02)',
    });
    expect(records).toHaveLength(3);
  });

  it('fails a background metric that crosses a limit before it is stopped', async () => {
    const stop = new AbortController();
    const { deps } = harness({ background: [0.01, 0.01, 0.5] }, { stop: stop.signal });
    const result = await runAnalysis(analysis([{ name: 'background', successCondition: 'result < 0.05', interval: '30s' }]), deps);
    expect(result).toMatchObject({ outcome: 'failed', metric: 'background' });
    expect(result.reason).toBe('metric background: 1 of 3 measurements failed, more than failureLimit 0 (last result 0.5)');
  });

  it('rejects with the signal reason when cancelled, in a read or between reads', async () => {
    const cancelled = new Error('deployment cancelled');
    for (const script of [[0.01, 'hang'], [0.01, 0.01, 0.01]] as const) {
      const controller = new AbortController();
      const { deps, records, reads } = harness(
        { errors: script },
        {
          signal: controller.signal,
          onMeasurement: (record) => {
            records.push(record);
            if (records.length === 2 || (script[1] === 'hang' && records.length === 1)) setImmediate(() => controller.abort(cancelled));
          },
        },
      );
      await expect(runAnalysis(analysis([{ name: 'errors', count: 5 }]), deps)).rejects.toBe(cancelled);
      expect(reads.every((read) => read.signal.aborted)).toBe(true);
    }
    const controller = new AbortController();
    controller.abort(cancelled);
    await expect(runAnalysis(analysis([{ name: 'errors', count: 5 }]), harness({}, { signal: controller.signal }).deps)).rejects.toBe(cancelled);
  });

  it('refuses a run whose step does not pass an argument, before measuring', async () => {
    const { deps, reads } = harness({ errors: [0.01] });
    const run = analysis([{ name: 'errors', count: 1 }]);
    const error = await runAnalysis({ ...run, context: { ...run.context, args: {} } }, deps).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GantryError);
    expect((error as GantryError).code).toBe('MANIFEST_INVALID');
    expect((error as GantryError).message).toContain('needs the argument "service"');
    expect(reads).toHaveLength(0);
  });

  it('ends with the error of onMeasurement and stops the other metrics', async () => {
    const broken = new Error('store unavailable');
    const { deps, reads } = harness(
      { a: [1, 1, 1], b: [1, 'hang'] },
      {
        onMeasurement: (record) => {
          if (record.metric === 'a' && record.at === at(10)) throw broken;
        },
      },
    );
    await expect(runAnalysis(analysis([{ name: 'a', count: 3 }, { name: 'b', count: 3, interval: '5s' }]), deps)).rejects.toBe(broken);
    expect(reads.filter((read) => read.metric.name === 'b').every((read) => read.signal.aborted)).toBe(true);
  });
});
