/** Types for load-generator.mjs (an open-loop HTTP load generator for zero-downtime proofs). */

export interface LoadOptions {
  /** An http:// URL (loopback in tests), requested as is. */
  readonly url: string;
  /** Requests per second, sent on schedule whether or not earlier ones answered. */
  readonly ratePerSecond: number;
  /** Sending stops after this long (ms since the start)… */
  readonly maxDurationMs: number;
  /** …or after this many requests (at most 1 000 000), whichever comes first. Also bounds the records kept. */
  readonly maxRequests: number;
  /** Each request's deadline from when it is sent, including any wait for a free socket (default 2000). */
  readonly timeoutMs?: number;
  /** Sockets of the keep-alive agent (default 64); requests beyond wait for one. */
  readonly maxSockets?: number;
  /**
   * Reuse connections (default true). A proxy that reloads (nginx) closes its idle keep-alive
   * connections; a request sent on one at that instant is reset before any byte of an answer.
   * Browsers retry those; this generator does not, so zero-downtime runs use a fresh connection
   * per request (false) and count every failure.
   */
  readonly keepAlive?: boolean;
  /** The first phase's name (default 'initial'); see LoadRun.mark. */
  readonly phase?: string;
  /** Method (default GET) and headers of every request. */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** How many characters of a body's first line are kept (default 200). */
  readonly bodyChars?: number;
}

/** One request. Times are ms since the run started (LoadRun.now()). */
export interface LoadRecord {
  /** Send order, from 0. */
  readonly index: number;
  /** The phase current when the request was sent. */
  readonly phase: string;
  readonly scheduledAt: number;
  readonly sentAt: number;
  /** null while the request is in flight. */
  readonly doneAt: number | null;
  /** doneAt - sentAt; null while in flight. */
  readonly latencyMs: number | null;
  /** A response with a 2xx status that was read completely. */
  readonly ok: boolean;
  /** null when no response arrived. */
  readonly status: number | null;
  /** The body's first line, trimmed and capped; null when no complete response arrived. */
  readonly body: string | null;
  /** The error code (ECONNREFUSED, ECONNRESET, EPIPE, …) or 'timeout'; null when a response was read completely. */
  readonly error: string | null;
}

export interface FailureExample {
  readonly index: number;
  readonly phase: string;
  readonly sentAt: number;
  readonly status: number | null;
  readonly error: string | null;
  readonly body: string | null;
}

export interface LoadStats {
  readonly sent: number;
  readonly ok: number;
  /** Non-2xx statuses plus errors and timeouts. */
  readonly failed: number;
  /** Requests still in flight (always 0 in the report stop() resolves with). */
  readonly pending: number;
  /** By reason: `status 500`, `ECONNREFUSED`, `ECONNRESET`, `timeout`, …, with the first few examples. */
  readonly failures: Readonly<Record<string, { readonly count: number; readonly examples: readonly FailureExample[] }>>;
  /** Responses by status code. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Complete responses (any status) by their body's first line. */
  readonly bodies: Readonly<Record<string, number>>;
  /** Over requests that got a response (any status); null when there were none. */
  readonly latency: { readonly count: number; readonly p50: number | null; readonly p95: number | null; readonly p99: number | null; readonly max: number | null };
  readonly firstSentAt: number | null;
  readonly lastSentAt: number | null;
}

export interface PhaseStats extends LoadStats {
  /** When the phase was marked (ms since the start). */
  readonly startedAt: number;
}

export interface LoadReport {
  readonly url: string;
  readonly ratePerSecond: number;
  /** Epoch ms of the start; the zero of every other time. */
  readonly startedAt: number;
  /** How long requests were sent (ms). */
  readonly durationMs: number;
  readonly stoppedBy: 'maxRequests' | 'maxDuration' | 'stop';
  readonly achievedRatePerSecond: number;
  /** The worst delay between a request's scheduled and actual send time: the generator falling behind. */
  readonly maxLagMs: number;
  /** Phase names in the order they were marked. */
  readonly phaseOrder: readonly string[];
  readonly phases: Readonly<Record<string, PhaseStats>>;
  readonly total: LoadStats;
}

export interface LoadRun {
  /** Epoch ms of the start. */
  readonly startedAt: number;
  /** ms since the start, on the clock the records use. */
  now(): number;
  /** Starts a new phase from now on and returns its start time; a name can be used once. */
  mark(name: string): number;
  readonly phase: string;
  /** Requests sent so far. */
  readonly sent: number;
  readonly inFlight: number;
  /** False once sending stopped (a bound was reached or stop() was called). */
  readonly sending: boolean;
  /** The records so far, in send order (a live array: in-flight ones complete later). */
  responses(): readonly LoadRecord[];
  /** Resolves with the report once sending stopped (any bound) and every request finished. */
  readonly done: Promise<LoadReport>;
  /** Stops sending now; resolves like `done`, within about timeoutMs. */
  stop(): Promise<LoadReport>;
}

/** Starts sending at once. Throws on invalid options (both bounds are required). */
export function startLoad(options: LoadOptions): LoadRun;

/** Counts and latencies over any set of records (e.g. those sent after some time). */
export function summarize(records: readonly LoadRecord[]): LoadStats;

/**
 * The last record (in send order) that failed or whose body does not satisfy `expected`, or null
 * when every record does: every request sent after it answered as expected. Call it once the run
 * is done (a request still in flight counts as not satisfying it).
 */
export function lastMismatch(records: readonly LoadRecord[], expected: (body: string) => boolean): LoadRecord | null;

/** A few human-readable lines (for assertion messages and benchmark output). */
export function formatReport(report: LoadReport): string;
