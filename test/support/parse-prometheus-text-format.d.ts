/** The little of `parse-prometheus-text-format` (which ships no types) the tests use: families of samples, values as text. */
declare module 'parse-prometheus-text-format' {
  export interface PrometheusSample {
    readonly labels?: Record<string, string>;
    /** Counters and gauges. */
    readonly value?: string;
    /** Histograms: upper bound (`le`) → cumulative count, with their count and sum. */
    readonly buckets?: Record<string, string>;
    readonly count?: string;
    readonly sum?: string;
  }
  export interface PrometheusFamily {
    readonly name: string;
    readonly help: string;
    /** `COUNTER`, `GAUGE`, `HISTOGRAM`, `SUMMARY`, `UNTYPED`. */
    readonly type: string;
    readonly metrics: readonly PrometheusSample[];
  }
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
