/**
 * What metric analysis needs from the world: a reader that takes one measurement of a metric.
 * Declared by the engine (the consumer), implemented by src/analysis/ (Prometheus, HTTP, command).
 */
import type { RenderedMetric } from '../../core/analysis/render-query.js';

export type { RenderedMetric, RenderedProvider } from '../../core/analysis/render-query.js';

export interface MetricReader {
  /**
   * Takes one measurement and returns the value bound to `result` in the metric's conditions.
   * Throws when the measurement cannot be taken (unreachable, bad query, no data, timeout): the
   * analysis counts that as an error measurement and shows the error's message, so a message
   * must never include a credential (headers are never echoed). Aborting `signal` stops the read.
   */
  read(metric: RenderedMetric, signal: AbortSignal): Promise<unknown>;
}
