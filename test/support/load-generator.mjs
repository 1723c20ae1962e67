/**
 * An open-loop HTTP load generator for zero-downtime proofs (tests and bench/zero-downtime.mjs).
 *
 * Requests go out on a fixed schedule (request i at i × 1000 / ratePerSecond ms), whether or not
 * earlier ones have answered, over a keep-alive agent with a bounded number of sockets (a request
 * waiting for a socket counts that wait in its latency). Sending stops at the first of
 * maxRequests, maxDurationMs or stop(); every request has a deadline (timeoutMs, from the moment it
 * is sent), so stop() always resolves within about timeoutMs.
 *
 * Every request is recorded (at most maxRequests records, each body cut to its first line, capped):
 * its phase (the one current when it was sent, see mark()), when it was scheduled, sent and done,
 * its status and body, or its error. A status outside 200-299 or an error is a failure.
 * Times are milliseconds since the run started (see now()); startedAt is that moment as epoch ms.
 *
 * Plain JavaScript so node scripts can import it; the types are in load-generator.d.mts.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_SOCKETS = 64;
const DEFAULT_BODY_CHARS = 200;
const MAX_REQUESTS_LIMIT = 1_000_000;
const MAX_EXAMPLES = 5;
/** How often the scheduler wakes up at most; each wake-up sends every request that has come due. */
const MAX_TICK_MS = 10;
/** How many bytes of a body are kept while looking for its first line; the rest is read and dropped. */
const BODY_SCAN_BYTES = 4096;

function positive(name, value, { integer = false, max = Infinity } = {}) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)) || value > max) {
    throw new TypeError(`startLoad: ${name} must be a positive ${integer ? 'integer' : 'number'}${Number.isFinite(max) ? ` up to ${max}` : ''} (got ${String(value)})`);
  }
  return value;
}

/** The failure reason of a request: `status 503`, an error code such as ECONNREFUSED, or `timeout`. */
function reasonOf(record) {
  if (record.error !== null) return record.error;
  return `status ${record.status}`;
}

function errorReason(error) {
  if (error && typeof error === 'object') {
    if (typeof error.code === 'string' && error.code !== '') return error.code;
    if (typeof error.message === 'string' && error.message !== '') return error.message;
  }
  return String(error);
}

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round = (ms) => Math.round(ms * 100) / 100;

/** Counts and latencies over some records (all of one phase, or all of them). */
export function summarize(records) {
  let ok = 0;
  let failed = 0;
  let pending = 0;
  const failures = {};
  const bodies = {};
  const statuses = {};
  const latencies = [];
  let firstSentAt = null;
  let lastSentAt = null;
  for (const record of records) {
    if (firstSentAt === null || record.sentAt < firstSentAt) firstSentAt = record.sentAt;
    if (lastSentAt === null || record.sentAt > lastSentAt) lastSentAt = record.sentAt;
    if (record.doneAt === null) {
      pending++;
      continue;
    }
    if (record.status !== null) {
      latencies.push(record.latencyMs);
      statuses[record.status] = (statuses[record.status] ?? 0) + 1;
    }
    if (record.body !== null && record.error === null) bodies[record.body] = (bodies[record.body] ?? 0) + 1;
    if (record.ok) {
      ok++;
      continue;
    }
    failed++;
    const reason = reasonOf(record);
    const group = (failures[reason] ??= { count: 0, examples: [] });
    group.count++;
    if (group.examples.length < MAX_EXAMPLES) {
      group.examples.push({ index: record.index, phase: record.phase, sentAt: record.sentAt, status: record.status, error: record.error, body: record.body });
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    sent: records.length,
    ok,
    failed,
    pending,
    failures,
    statuses,
    bodies,
    latency: {
      count: latencies.length,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      max: latencies.length === 0 ? null : latencies[latencies.length - 1],
    },
    firstSentAt,
    lastSentAt,
  };
}

/**
 * The last record (by send order) whose body does not satisfy `expected`, or null: with
 * `expected = (body) => body.includes('release 2.0.0')`, everything sent after the returned
 * record's sentAt answered from the new release. Failed requests count as not satisfying it.
 */
export function lastMismatch(records, expected) {
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i];
    if (!(record.ok && record.body !== null && expected(record.body))) return record;
  }
  return null;
}

/** A few lines for an assertion message or a benchmark's output. */
export function formatReport(report) {
  const line = (name, stats) => {
    const l = stats.latency;
    const ms = (value) => (value === null ? '-' : `${value.toFixed(1)}`);
    const failures = Object.entries(stats.failures)
      .map(([reason, group]) => `${reason} ×${group.count}`)
      .join(', ');
    const bodies = Object.entries(stats.bodies)
      .map(([body, count]) => `${JSON.stringify(body)} ×${count}`)
      .join(', ');
    return `${name}: sent ${stats.sent}, ok ${stats.ok}, failed ${stats.failed}${stats.pending ? `, pending ${stats.pending}` : ''}` +
      ` | latency ms p50 ${ms(l.p50)} p95 ${ms(l.p95)} p99 ${ms(l.p99)} max ${ms(l.max)}` +
      (failures ? ` | failures: ${failures}` : '') +
      (bodies ? ` | bodies: ${bodies}` : '');
  };
  return [
    `load on ${report.url}: ${report.ratePerSecond}/s for ${(report.durationMs / 1000).toFixed(2)} s (stopped by ${report.stoppedBy}, achieved ${report.achievedRatePerSecond.toFixed(1)}/s, scheduler lag max ${report.maxLagMs.toFixed(1)} ms)`,
    ...report.phaseOrder.map((name) => line(`  ${name}`, report.phases[name])),
    line('  total', report.total),
  ].join('\n');
}

export function startLoad(options) {
  const url = new URL(options.url);
  if (url.protocol !== 'http:') throw new TypeError(`startLoad: only http:// URLs are supported (got ${options.url})`);
  const ratePerSecond = positive('ratePerSecond', options.ratePerSecond);
  const maxDurationMs = positive('maxDurationMs', options.maxDurationMs);
  const maxRequests = positive('maxRequests', options.maxRequests, { integer: true, max: MAX_REQUESTS_LIMIT });
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const maxSockets = positive('maxSockets', options.maxSockets ?? DEFAULT_MAX_SOCKETS, { integer: true });
  const bodyChars = positive('bodyChars', options.bodyChars ?? DEFAULT_BODY_CHARS, { integer: true });
  const method = options.method ?? 'GET';
  const headers = { ...(options.headers ?? {}) };

  const agent = new http.Agent({ keepAlive: options.keepAlive ?? true, maxSockets, maxFreeSockets: maxSockets });
  const startedAt = Date.now();
  const origin = performance.now();
  const now = () => performance.now() - origin;
  const intervalMs = 1000 / ratePerSecond;
  const tickMs = Math.max(1, Math.min(MAX_TICK_MS, intervalMs));

  const records = [];
  const phaseOrder = [];
  const phaseStarts = {};
  let phase = '';
  let inFlight = 0;
  let maxLagMs = 0;
  let sendingStoppedAt = null;
  let stoppedBy = null;
  let timer = null;
  let resolveSettled;
  const settled = new Promise((resolve) => (resolveSettled = resolve));
  let report = null;

  const mark = (name) => {
    if (typeof name !== 'string' || name === '') throw new TypeError('mark: a phase needs a name');
    if (Object.hasOwn(phaseStarts, name)) throw new Error(`mark: phase "${name}" was already used`);
    const at = now();
    phaseOrder.push(name);
    phaseStarts[name] = at;
    phase = name;
    return at;
  };
  mark(options.phase ?? 'initial');

  const checkSettled = () => {
    if (sendingStoppedAt !== null && inFlight === 0) resolveSettled();
  };

  const stopSending = (reason) => {
    if (sendingStoppedAt !== null) return;
    sendingStoppedAt = now();
    stoppedBy = reason;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    checkSettled();
  };

  const send = (index, scheduledAt) => {
    const sentAt = now();
    maxLagMs = Math.max(maxLagMs, sentAt - scheduledAt);
    const record = { index, phase, scheduledAt, sentAt, doneAt: null, latencyMs: null, ok: false, status: null, body: null, error: null };
    records.push(record);
    inFlight++;
    let finished = false;
    let request = null;
    let deadline = null;
    const finish = (status, body, error) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      const doneAt = now();
      record.doneAt = doneAt;
      record.latencyMs = doneAt - sentAt;
      record.status = status;
      record.body = body;
      record.error = error;
      record.ok = error === null && status !== null && status >= 200 && status <= 299;
      inFlight--;
      checkSettled();
    };
    deadline = setTimeout(() => {
      const error = new Error(`no complete response within ${timeoutMs} ms`);
      error.code = 'timeout';
      finish(record.status, record.body, 'timeout');
      request?.destroy(error);
    }, timeoutMs);
    try {
      request = http.request(url, { method, headers, agent });
    } catch (error) {
      finish(null, null, errorReason(error));
      return;
    }
    request.on('error', (error) => finish(null, null, errorReason(error)));
    request.on('response', (response) => {
      // Keep the status now, so a timeout while reading the body still shows it.
      record.status = response.statusCode ?? null;
      const chunks = [];
      let kept = 0;
      response.on('data', (chunk) => {
        if (kept < BODY_SCAN_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      response.on('error', (error) => finish(response.statusCode ?? null, firstLine(chunks, bodyChars), errorReason(error)));
      response.on('aborted', () => finish(response.statusCode ?? null, firstLine(chunks, bodyChars), 'ECONNRESET'));
      response.on('end', () => finish(response.statusCode ?? null, firstLine(chunks, bodyChars), null));
    });
    request.end();
  };

  let sent = 0;
  const tick = () => {
    timer = null;
    if (sendingStoppedAt !== null) return;
    const elapsed = now();
    if (elapsed >= maxDurationMs) return stopSending('maxDuration');
    // Every request whose time has come goes out now (open loop: late ticks send a burst).
    const due = Math.min(maxRequests, Math.floor(elapsed / intervalMs) + 1);
    while (sent < due) {
      const scheduledAt = sent * intervalMs;
      if (scheduledAt >= maxDurationMs) break;
      send(sent, scheduledAt);
      sent++;
    }
    if (sent >= maxRequests) return stopSending('maxRequests');
    if (sent * intervalMs >= maxDurationMs) {
      // The next request would be scheduled past the end: wait for the end, then stop.
      timer = setTimeout(tick, Math.max(0, maxDurationMs - now()));
      return;
    }
    timer = setTimeout(tick, Math.max(0, Math.min(tickMs, sent * intervalMs - now())));
  };

  const finalReport = () => {
    const byPhase = {};
    for (const name of phaseOrder) byPhase[name] = [];
    for (const record of records) byPhase[record.phase].push(record);
    const phases = {};
    for (const name of phaseOrder) phases[name] = { startedAt: phaseStarts[name], ...summarize(byPhase[name]) };
    const durationMs = sendingStoppedAt ?? now();
    return {
      url: url.href,
      ratePerSecond,
      startedAt,
      durationMs: round(durationMs),
      stoppedBy,
      achievedRatePerSecond: durationMs > 0 ? (records.length * 1000) / durationMs : 0,
      maxLagMs: round(maxLagMs),
      phaseOrder: [...phaseOrder],
      phases,
      total: summarize(records),
    };
  };

  const finished = settled.then(() => {
    agent.destroy();
    report ??= finalReport();
    return report;
  });

  timer = setTimeout(tick, 0);

  return {
    startedAt,
    now,
    mark,
    get phase() {
      return phase;
    },
    get sent() {
      return records.length;
    },
    get inFlight() {
      return inFlight;
    },
    get sending() {
      return sendingStoppedAt === null;
    },
    responses: () => records,
    done: finished,
    stop() {
      stopSending('stop');
      return finished;
    },
  };
}

function firstLine(chunks, maxChars) {
  if (chunks.length === 0) return '';
  const text = Buffer.concat(chunks).toString('utf8');
  const newline = text.indexOf('\n');
  return (newline === -1 ? text : text.slice(0, newline)).trim().slice(0, maxChars);
}
