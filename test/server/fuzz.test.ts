import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, isErrorCode } from '../../src/core/errors.js';
import type { DeclaredRoute } from '../../src/server/access.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Hostile input against every route of a real server in this process: malformed paths, query
 * strings, bodies and headers, with the admin token, without a token and with a garbage one.
 * Nothing may answer 5xx; every 4xx is problem+json with a code from the catalogue; the server
 * keeps answering /healthz; memory stays bounded. Deterministic: one seeded PRNG drives every
 * choice, and the run is bounded by a request count and by wall time.
 */

const SEED = 0x6a4e7279;
const MAX_REQUESTS = 6_000;
const MAX_WALL_MS = 45_000;
const CONCURRENCY = 4;
const HEALTH_EVERY = 250;
/** What the server may keep after thousands of hostile requests, once garbage is collected: a leak shows here. */
const HEAP_BOUND_BYTES = 64 * 1024 * 1024;
const BODY_LIMIT = 2 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 20_000;
const STREAM_TIMEOUT_MS = 1_500;

/**
 * Routes that are not fuzzed like the others: the agent and node websockets, the SSE stream (ids
 * only), and logout (it takes nothing, and revokes the admin token every other case needs).
 */
const SKIPPED = new Set(['GET /api/v1/agents/connect', 'GET /api/v1/internal/agent-relay', 'POST /api/v1/logout']);
const STREAM_ROUTE = 'GET /api/v1/deployments/:id/stream';
const ACTIVITY_ROUTE = 'GET /api/v1/activity';
const PUBLIC_ROUTES = new Set(['GET /healthz', 'POST /api/v1/agents/enrol', 'GET /api/v1/calendar.ics', 'POST /api/v1/login', 'GET /api/v1/auth/methods', 'GET /', 'GET /*', 'GET /assets/*', 'GET /feedback/*', 'POST /feedback/*']);
/** Pages people open in a browser from a link: they refuse with an HTML page that says why, not problem+json. */
const HTML_PAGES = new Set(['GET /feedback/*', 'POST /feedback/*']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// ---------- the seeded PRNG ----------

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
function shuffle<T>(values: T[]): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j] as T, values[i] as T];
  }
  return values;
}
/** Printable Latin-1 without DEL: what Node's client lets through in a header value. */
const randomLatin1 = (length: number) => Array.from({ length }, () => String.fromCharCode(pick([0x21 + Math.floor(random() * 0x5e), 0xa0 + Math.floor(random() * 0x60)]))).join('');
const randomUnicode = (length: number) => Array.from({ length }, () => String.fromCodePoint(pick([0x41 + Math.floor(random() * 26), 0x4e00 + Math.floor(random() * 500), 0x1f600 + Math.floor(random() * 50), 0x202e, 0xfeff, 0x0]))).join('');

// ---------- hostile values ----------

const LONG_10K = 'a'.repeat(10_000);
/** Path segments, already in the form they are sent on the wire. */
const HOSTILE_SEGMENTS: readonly string[] = [
  '..',
  '.',
  '%2e%2e',
  '%2e%2e%2f',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  'a%00b',
  '%',
  '%zz',
  '%c0%ae%c0%ae',
  LONG_10K,
  'x'.repeat(201),
  'x'.repeat(101),
  encodeURIComponent('ünïcødé-名前'),
  encodeURIComponent('🚀🔥'),
  encodeURIComponent('\u202e\ufeff'),
  '-x',
  '--help',
  '@file',
  '@%2Fetc%2Fpasswd',
  'C-0',
  'C-99999999999',
  'C-1',
  'C-9999999999',
  '0',
  '-1',
  '1e309',
  '9'.repeat(40),
  'NaN',
  encodeURIComponent('a b'),
  encodeURIComponent("'; DROP TABLE deployments; --"),
  '__proto__',
  'constructor',
  '%7B%7D',
  '~',
  '%20',
];

const LONG_100K = 'x'.repeat(100_000);
/** Values for one body property. */
const HOSTILE_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  '',
  LONG_100K,
  '../../../etc/passwd',
  '\u0000',
  '-x',
  '@file',
  '🚀\u202e名前',
  'C-99999999999',
  '2024-13-45T99:99:99Z',
  [],
  ['a', 1, null],
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
  { nested: { deeper: { deepest: [1, { x: 'y' }] } } },
  // Values that pass a shape check and stress the parser behind it.
  '0 0 31 2 *',
  '* * * * * * *',
  '@yearly',
  '0s',
  '99999999h',
  '-5m',
  'Etc/GMT+99',
  'America/Nowhere',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00+23:59',
  '2024-02-30T00:00:00Z',
  'C-9999999999',
];

const future = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
/** A valid body for the routes that take one, so one hostile field at a time gets past the others. */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /api/v1/windows': { name: 'fuzz-nights', kind: 'maintenance', cron: '0 22 * * *', duration: '2h', timeZone: 'UTC', scope: { apps: ['fuzzapp'] } },
  'POST /api/v1/changes': { app: 'fuzzapp', version: '1.0.0', environment: 'staging', title: 'fuzz', plan: { window: { start: future(24), end: future(25) } } },
  'PATCH /api/v1/changes/:id': { title: 'fuzz', plan: { window: { start: future(24), end: future(25) } } },
  'POST /api/v1/deployments': { app: 'fuzzapp', version: '1.0.0', environment: 'staging' },
  'POST /api/v1/targets': { name: 'fuzz-target', labels: { role: 'fuzz' }, local: { root: '/nonexistent/fuzz' } },
  'POST /api/v1/tokens': { user: 'fuzzer' },
  'PUT /api/v1/applications/:app/secrets/:name': { value: 'fuzz', environment: 'staging' },
  'POST /api/v1/applications': { manifest: 'app: fuzzapp\nenvironments:\n  - { name: staging, targets: { role: web } }\n' },
  'POST /api/v1/agent-tokens': {},
  'POST /api/v1/agents/enrol': { token: 'fuzz', name: 'fuzz-agent', publicKey: 'fuzz', root: '/srv/fuzz' },
};
/** Whole-field replacements that only make sense for one route. */
const ROUTE_VARIANTS: Record<string, readonly Record<string, unknown>[]> = {
  'POST /api/v1/changes': [
    { plan: { window: { start: future(25), end: future(24) } } },
    { plan: { window: { start: '9999-12-31T23:59:59Z', end: '9999-12-31T23:59:59Z' } } },
    { plan: { window: { start: '1970-01-01T00:00:00Z', end: '9999-12-31T23:59:59Z' } } },
    { plan: { window: { start: 'now', end: 'later' } } },
    { plan: { steps: Array.from({ length: 2_000 }, (_, i) => ({ name: `s${i}` })) } },
  ],
  'POST /api/v1/windows': [
    { cron: '0 0 31 2 *' },
    { cron: '* * * * *', duration: '100000h' },
    { kind: 'freeze', cron: undefined, start: '9999-12-31T23:59:59Z', end: '1970-01-01T00:00:00Z' },
    { kind: 'freeze', cron: undefined, start: '1970-01-01T00:00:00Z', end: '9999-12-31T23:59:59Z' },
    { timeZone: 'Mars/Olympus_Mons' },
    { scope: { apps: Array.from({ length: 5_000 }, (_, i) => `a${i}`) } },
  ],
  'POST /api/v1/targets': [
    { ssh: { host: '..', user: '-oProxyCommand=x', port: 0 }, local: undefined },
    { ssh: { host: '169.254.169.254', port: 99_999 }, local: undefined },
    { labels: Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, 'v'])) },
  ],
};

/** A string of 10 000 nested objects, built without recursion. */
const DEEP_JSON = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
/** A million-element array inside one field, under the body limit. */
const MILLION_ARRAY_JSON = `{"value":[${'0,'.repeat(999_999)}0]}`;
const OVERSIZE_JSON = `{"value":"${'x'.repeat(BODY_LIMIT + 16)}"}`;

/** Raw JSON-ish bodies sent as application/json. */
const RAW_BODIES: readonly string[] = [
  '',
  '{',
  '}',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  'nul',
  'undefined',
  'NaN',
  '\u0000',
  '\ufeff{}',
  'null',
  '[]',
  '0',
  '-1e999',
  '"a string"',
  'true',
  '{}',
  '[{}]',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"x":"\\ud800"}',
  `"${'\\u0000'.repeat(1000)}"`,
  '{"state":"succeeded","approvals":[{"by":"admin"}],"createdBy":"admin","id":"C-1","requester":"root"}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
];

const CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zzz',
  'application/json; charset=utf-16',
  'application/json;;;charset',
  'application/gzip',
  'application/octet-stream',
  'application/xml',
  '*/*',
  'json',
  ';',
];

// ---------- requests and their outcomes ----------

type AuthKind = 'admin' | 'none' | 'garbage';

interface FuzzRequest {
  readonly route: string;
  readonly auth: AuthKind;
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** The route is known not to exist: an authenticated 404 must be ROUTE_NOT_FOUND. */
  readonly unknownRoute?: boolean;
  /** Oversize JSON body: with a valid token, the answer must be 413 (the connection may also drop). */
  readonly oversize?: boolean;
  /** The SSE route: a stream that stays open is fine, it is cut after a short time. */
  readonly stream?: boolean;
  /** Headers larger than the server accepts: answered before routing. */
  readonly hugeHeaders?: boolean;
  /** Written as-is on a raw socket instead (method, path and headers are only for the report). */
  readonly raw?: string;
}

type Outcome =
  | { readonly kind: 'response'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'stream-open'; readonly status: number }
  | { readonly kind: 'network-error'; readonly message: string };

// Keep-alive, as real clients do: a connection the server drops without saying so shows up as a reset.
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(base: URL, fuzz: FuzzRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };
    const timeout = fuzz.stream ? STREAM_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
    const headers: OutgoingHttpHeaders = { ...fuzz.headers };
    if (fuzz.body !== undefined) headers['content-length'] = Buffer.byteLength(fuzz.body);
    let client;
    try {
      client = httpRequest({ host: base.hostname, port: base.port, method: fuzz.method, path: fuzz.path, headers, agent, signal: AbortSignal.timeout(timeout) }, (response) => {
        const contentType = String(response.headers['content-type'] ?? '');
        if (fuzz.stream && contentType.startsWith('text/event-stream')) {
          response.destroy();
          done({ kind: 'stream-open', status: response.statusCode ?? 0 });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          // Keep what a problem needs; a large success body is read and dropped.
          if (size < 64 * 1024) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => done({ kind: 'response', status: response.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => done({ kind: 'network-error', message: error.message }));
      });
    } catch (error) {
      // The client refused to send it (e.g. a character Node will not put in a request line).
      done({ kind: 'network-error', message: `client refused: ${(error as Error).message}` });
      return;
    }
    client.on('error', (error) => done({ kind: 'network-error', message: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
    if (fuzz.body !== undefined) client.end(fuzz.body);
    else client.end();
  });
}

/**
 * Bytes no well-behaved client sends (bad request lines, smuggling-shaped framing, control
 * characters): written on a raw socket, the first response on it is read back.
 */
const RAW_HTTP: readonly string[] = [
  'GET /api/v1/targets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST /api/v1/targets HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'POST /api/v1/targets HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
  'POST /api/v1/targets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'GET /api/v1/\u0000targets HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/v1/targets HTTP/9.9\r\nHost: x\r\n\r\n',
  'GARBAGE\r\n\r\n',
  'GET /api/v1/targets HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n',
  'GET /api/v1/targets HTTP/1.1\r\nHost: x\r\nX-Fuzz: a\rb\r\n\r\n',
  'BREW /api/v1/targets HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET api/v1/targets HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/v1/targets?x=\u00ff HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/v1/targets HTTP/1.1\r\n\r\n',
  'GET /api/v1/targets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00ff\u00fe\r\n\r\n',
];

function sendRaw(base: URL, raw: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(Number(base.port), base.hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      if (status === undefined) resolve({ kind: 'network-error', message: `raw: no response (${truncate(text, 80)})` });
      else {
        const [head = '', body = ''] = text.split('\r\n\r\n', 2);
        resolve({ kind: 'response', status: Number(status), contentType: /^content-type:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '', body });
      }
    };
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // One response is enough; the server may keep the connection open.
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1'))) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(Buffer.from(raw, 'latin1'));
  });
}

const truncate = (value: string, max = 160) => (value.length > max ? `${value.slice(0, max)}…(${value.length} chars)` : value);

function describeRequest(fuzz: FuzzRequest): string {
  const headers = Object.entries(fuzz.headers)
    .filter(([name]) => name !== 'authorization' || fuzz.auth !== 'admin')
    .map(([name, value]) => `${name}: ${truncate(String(value), 60)}`)
    .join('; ');
  const body = fuzz.raw !== undefined ? ` raw=${JSON.stringify(truncate(fuzz.raw, 200))}` : fuzz.body === undefined ? '' : ` body=${truncate(fuzz.body.toString(), 120)}`;
  return `[${fuzz.route}] ${fuzz.kind} as ${fuzz.auth}: ${fuzz.method} ${truncate(fuzz.path, 120)} {${headers}}${body}`;
}

/** What is wrong with the outcome, or null. */
function judge(fuzz: FuzzRequest, outcome: Outcome): string | null {
  if (outcome.kind === 'network-error') {
    if (outcome.message.startsWith('client refused')) return null;
    // The server may answer an oversize body (or oversize headers) early and drop the connection.
    if (fuzz.oversize || fuzz.hugeHeaders) return null;
    return `network error ${outcome.message}`;
  }
  if (outcome.status >= 500) return `status ${outcome.status}`;
  if (outcome.kind === 'stream-open') {
    return fuzz.auth === 'admin' ? null : `stream opened without a valid token (${outcome.status})`;
  }
  const { status, contentType, body } = outcome;
  if (status < 400) {
    // Outside the API, a GET of an unknown path (`/metrics-nope`) is a page of the web UI: public.
    const webUiPage = fuzz.method === 'GET' && fuzz.unknownRoute === true && !fuzz.path.startsWith('/api');
    if (fuzz.auth !== 'admin' && !PUBLIC_ROUTES.has(fuzz.route) && !webUiPage && status < 300) return `status ${status} without a valid token`;
    return null;
  }
  if (HTML_PAGES.has(fuzz.route) && contentType.startsWith('text/html')) return [400, 403, 413, 415, 429].includes(status) ? null : `page answered ${status}: ${truncate(body)}`;
  if (!contentType.startsWith('application/problem+json')) return `status ${status} with content type ${contentType || '(none)'}: ${truncate(body)}`;
  let problem: { code?: unknown; status?: unknown };
  try {
    problem = JSON.parse(body) as { code?: unknown; status?: unknown };
  } catch {
    return `status ${status}: problem body is not JSON: ${truncate(body)}`;
  }
  if (!isErrorCode(problem.code)) return `status ${status}: code ${String(problem.code)} is not in the catalogue`;
  if (problem.status !== status) return `status ${status}: problem says status ${String(problem.status)}`;
  if (status === 404 && ERROR_CATALOGUE[problem.code].kind !== 'not_found') return `404 with code ${problem.code}`;
  if (fuzz.auth === 'admin' && fuzz.unknownRoute && status === 404 && problem.code !== 'ROUTE_NOT_FOUND') return `unknown route answered 404 ${problem.code}`;
  if (fuzz.auth === 'admin' && fuzz.oversize && status !== 413) return `oversize body answered ${status} ${problem.code}, not 413`;
  return null;
}

// ---------- the cases for one route ----------

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { type?: string | string[] }> } }> };
}

interface RouteShape {
  readonly route: DeclaredRoute;
  readonly key: string;
  readonly queryNames: readonly string[];
  readonly bodyProperties: Readonly<Record<string, string>>;
}

/** A value of a plausible type for each property, so that one hostile property at a time reaches deeper. */
function plausibleBody(properties: Readonly<Record<string, string>>): Record<string, unknown> {
  const plausible: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(properties)) {
    plausible[name] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : type === 'object' ? {} : type === 'array' ? [] : name === 'app' ? 'fuzzapp' : name === 'environment' ? 'staging' : 'fuzz';
  }
  return plausible;
}

const PARAM_BASE: Record<string, string> = { app: 'fuzzapp', environment: 'staging', name: 'web-1', id: 'C-1', version: '1.0.0', request: 'pause' };

function pathOf(url: string, params: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_match, name: string) => params[name] ?? 'x');
}

function casesFor(shape: RouteShape): Omit<FuzzRequest, 'auth'>[] {
  const { route, key } = shape;
  const paramNames = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1] as string);
  const basePath = pathOf(route.url, PARAM_BASE);
  const cases: Omit<FuzzRequest, 'auth'>[] = [];
  const add = (kind: string, partial: Partial<Omit<FuzzRequest, 'auth' | 'route' | 'kind'>>) =>
    cases.push({ route: key, kind, method: route.method, path: basePath, headers: {}, ...partial });

  if (key === ACTIVITY_ROUTE) {
    add('activity query', { path: `${basePath}?unknown=1`, stream: true });
    return cases;
  }
  if (key === STREAM_ROUTE) {
    for (const segment of HOSTILE_SEGMENTS) add('stream id', { path: pathOf(route.url, { id: segment }), stream: true });
    add('stream query', { path: `${basePath}?after=-1&logsAfter=abc`, stream: true });
    add('stream query', { path: `${basePath}?unknown=1`, stream: true });
    return cases;
  }

  // Paths: each parameter replaced by each hostile value; empty and doubled segments; unknown suffixes.
  for (const name of paramNames) {
    for (const segment of HOSTILE_SEGMENTS) add(`path :${name}`, { path: pathOf(route.url, { ...PARAM_BASE, [name]: segment }) });
    add(`path :${name} empty`, { path: pathOf(route.url, { ...PARAM_BASE, [name]: '' }) });
    add(`path :${name} random`, { path: pathOf(route.url, { ...PARAM_BASE, [name]: encodeURIComponent(randomUnicode(30)) }) });
  }
  add('path unknown suffix', { path: `${basePath}/definitely-not-a-route`, unknownRoute: true });
  add('path unknown sibling', { path: `${basePath}-nope`, unknownRoute: true });
  add('path double slash', { path: basePath.replace('/api/', '//api//') });
  add('path trailing slash', { path: `${basePath}/` });
  add('path dot segments', { path: `${basePath}/../../..` });
  add('path encoded dot segments', { path: `${basePath}/%2e%2e/%2e%2e/healthz` });
  add('path semicolon', { path: `${basePath};jsessionid=1` });
  add('path fragment-ish', { path: `${basePath}%23x` });
  add('path 10k segment', { path: `${basePath}/${LONG_10K}`, unknownRoute: true });

  // Query strings: unknown keys, repeated keys, huge values, arrays, invalid numbers.
  const queries = [
    'unknown=1',
    'a=1&a=2&a=3',
    `x=${'y'.repeat(8_000)}`,
    'a[]=1&a[]=2',
    'a[b][c]=d',
    '__proto__[polluted]=1',
    'constructor[prototype][polluted]=1',
    '%zz=%zz',
    '=',
    '&&&',
    'token=garbage',
  ];
  for (const name of shape.queryNames) {
    for (const value of ['', 'abc', '-1', '1.5', '1e309', 'NaN', 'Infinity', '9'.repeat(40), '0x10', encodeURIComponent('🚀'), 'y'.repeat(8_000), '%00', '2024-13-45T99:99:99Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00%2B23:59', 'C-9999999999']) {
      queries.push(`${name}=${value}`);
    }
    queries.push(`${name}=1&${name}=2`, `${name}[]=1`, `${name}[a]=1`);
  }
  for (const query of queries) add('query', { path: `${basePath}?${query}` });

  // Headers: huge values, bad Idempotency-Key, bad Authorization forms (these replace the caller's).
  add('header huge value', { headers: { 'x-fuzz': 'h'.repeat(12_000) } });
  add('header over the limit', { headers: { 'x-fuzz': 'h'.repeat(20_000) }, hugeHeaders: true });
  add('header many', { headers: Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`x-fuzz-${i}`, String(i)])) });
  for (const key of ['', ' ', 'k'.repeat(201), 'k'.repeat(8_000), randomLatin1(40), '\t']) add('header idempotency-key', { headers: { 'idempotency-key': key } });
  add('header idempotency-key repeated', { headers: { 'idempotency-key': ['a', 'b'] } });
  add('header accept', { headers: { accept: 'text/event-stream' } });
  add('header accept', { headers: { accept: 'application/xml;q=2, */*;q=-1' } });
  add('header x-forwarded-for', { headers: { 'x-forwarded-for': 'not-an-ip, ::ffff:999.1.1.1' } });
  add('header accept-version', { headers: { 'accept-version': '%%%' } });
  add('header content-length on GET', { headers: { 'content-type': 'application/json' }, body: '{}' });

  if (BODY_METHODS.has(route.method)) {
    const json = { 'content-type': 'application/json' };
    for (const body of RAW_BODIES) add('body raw json', { headers: json, body });
    add('body deep nesting', { headers: json, body: DEEP_JSON });
    add('body million-element array', { headers: json, body: MILLION_ARRAY_JSON });
    add('body over the limit', { headers: json, body: OVERSIZE_JSON, oversize: !key.endsWith('/releases/:version') });
    for (const contentType of CONTENT_TYPES) add('body content type', { headers: { 'content-type': contentType }, body: pick(['{}', 'a=1', randomLatin1(64), '\u001f\u008b\u0008garbage']) });
    add('body no content type', { headers: {}, body: '{}' });
    add('body json without a body', { headers: json });
    add('body gzip garbage', { headers: { 'content-type': 'application/gzip' }, body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, ...Array.from({ length: 512 }, () => Math.floor(random() * 256))]) });
    const plausible = VALID_BODIES[key] ?? plausibleBody(shape.bodyProperties);
    const names = [...new Set([...Object.keys(shape.bodyProperties), ...Object.keys(plausible)])];
    for (const variant of ROUTE_VARIANTS[key] ?? []) add('body variant', { headers: json, body: JSON.stringify({ ...plausible, ...variant }) });
    add('body extra fields', { headers: json, body: JSON.stringify({ ...plausible, state: 'succeeded', approvals: [{ by: 'admin' }], createdBy: 'admin', id: 'C-1', requester: 'root', role: 'admin' }) });
    add('body plausible', { headers: json, body: JSON.stringify(plausible) });
    for (const name of names.length > 0 ? names : ['value', 'name']) {
      for (const value of HOSTILE_VALUES) add(`body .${name}`, { headers: json, body: JSON.stringify({ ...plausible, [name]: value }) });
    }
  }
  return cases;
}

// ---------- the test ----------

let gantry: TestGantry;
let base: URL;
let fixtureChange = 0;
const MANIFEST = `app: fuzzapp
environments:
  - { name: staging, targets: { role: web } }
  - { name: production, targets: { role: web } }
strategy: { type: allAtOnce }
`;

beforeAll(async () => {
  // Thousands of failed authentications come from this one address: the throttle must not turn
  // the admin's requests into 429s halfway (it has tests of its own).
  gantry = await startTestGantry({ env: { GANTRY_AUTH_FAILURES_PER_MINUTE: '1000000' } });
  base = new URL(gantry.url);
  await gantry.apply(MANIFEST);
  await gantry.release('fuzzapp', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
  // A change (C-1) so that hostile values in its routes' other parts reach the handlers; best effort.
  fixtureChange = (await gantry.api('POST', '/changes', VALID_BODIES['POST /api/v1/changes'])).status;
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await gantry?.close();
});

async function healthy(): Promise<boolean> {
  const response = await fetch(`${gantry.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return response.status === 200;
}

describe('fuzzing every route with malformed requests', () => {
  it('answers no 5xx, only catalogue problem+json for 4xx, stays healthy and bounded in memory', async () => {
    const openapi = (await gantry.api<{ paths: Record<string, Record<string, OpenApiOperation>> }>('GET', '/openapi.json')).body;
    const routes = gantry.gantry.server.declaredRoutes;
    expect(routes.length).toBeGreaterThan(20);

    const shapes: RouteShape[] = routes
      .map((route) => {
        const key = `${route.method} ${route.url}`;
        const operation = openapi.paths[route.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
        const queryNames = (operation?.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
        const properties = operation?.requestBody?.content?.['application/json']?.schema?.properties ?? {};
        const bodyProperties = Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, [schema.type ?? 'string'].flat()[0] ?? 'string']));
        return { route, key, queryNames, bodyProperties };
      })
      .filter((shape) => !SKIPPED.has(shape.key));

    // The admin token gets every case; without a token and with a garbage one, a sample.
    const garbageTokens = ['garbage', `gantry_${randomLatin1(40)}`, 'x'.repeat(8_000), `${gantry.token}x`, gantry.token.slice(0, -1)];
    const authHeaders = (auth: AuthKind): OutgoingHttpHeaders =>
      auth === 'admin' ? { authorization: `Bearer ${gantry.token}` } : auth === 'garbage' ? { authorization: pick([`Bearer ${pick(garbageTokens)}`, pick(['Bearer', 'Bearer ', `bearer ${gantry.token}`, `Basic ${Buffer.from('admin:admin').toString('base64')}`, `Token ${gantry.token}`, `Bearer ${gantry.token} ${gantry.token}`, `Bearer\t${gantry.token}`, `Bearer ${randomLatin1(30)}`])]) } : {};
    const all: FuzzRequest[] = [];
    for (const shape of shapes) {
      for (const fuzzCase of casesFor(shape)) {
        all.push({ ...fuzzCase, auth: 'admin', headers: { ...authHeaders('admin'), ...fuzzCase.headers } });
        if (random() < 0.15) all.push({ ...fuzzCase, auth: 'none', headers: { ...fuzzCase.headers } });
        if (random() < 0.15) all.push({ ...fuzzCase, auth: 'garbage', headers: { ...authHeaders('garbage'), ...fuzzCase.headers } });
      }
    }
    // Unknown routes outside the API prefix and under it.
    for (const path of ['/', '/api', '/api/v1', '/api/v2/deployments', '/api/v1/nope', `/${LONG_10K}`, '/%00', '/..%2f..%2fetc%2fpasswd', '/api/v1/deployments/x/y/z/w']) {
      for (const auth of ['admin', 'none', 'garbage'] as const) {
        const method = pick(['GET', 'POST', 'DELETE', 'PATCH', 'PUT']);
        // Outside the API, a GET is a page of the web UI (public, like its files).
        const page = method === 'GET' && !path.startsWith('/api');
        all.push({ route: page ? 'GET /*' : '(unknown)', kind: 'unknown route', auth, method, path, headers: authHeaders(auth), unknownRoute: !page && path !== '/..%2f..%2fetc%2fpasswd' });
      }
    }
    for (const raw of RAW_HTTP) all.push({ route: '(raw http)', kind: 'malformed HTTP', auth: 'none', method: raw.split(' ')[0] ?? '', path: '', headers: {}, raw });
    // A probe is an unknown route only if no declared route matches its path (`/windows/x` is `/windows/:name`).
    const patterns = routes.map((route) => ({ method: route.method, pattern: new RegExp(`^${route.url.replace(/[.+]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`) }));
    const matchesRoute = (fuzz: FuzzRequest) => patterns.some(({ method, pattern }) => method === fuzz.method && pattern.test(fuzz.path.split('?')[0] ?? ''));
    const marked = all.map((fuzz) => (fuzz.unknownRoute && matchesRoute(fuzz) ? { ...fuzz, unknownRoute: false } : fuzz));
    // The rare, heavy cases first (so the request cap never drops them), then the rest in a seeded shuffle.
    const rare = (fuzz: FuzzRequest) => fuzz.raw !== undefined || fuzz.oversize === true || fuzz.hugeHeaders === true || fuzz.stream === true || fuzz.route === '(unknown)' || fuzz.kind.startsWith('body deep') || fuzz.kind.startsWith('body million');
    const queue = [...shuffle(marked.filter(rare)), ...shuffle(marked.filter((fuzz) => !rare(fuzz)))];

    const collectGarbage = (globalThis as { gc?: () => void }).gc;
    if (!collectGarbage) throw new Error('run with --expose-gc (vitest.config.ts passes it to the test processes)');
    collectGarbage();
    const startRss = process.memoryUsage().rss;
    const startHeap = process.memoryUsage().heapUsed;
    const started = Date.now();
    const failures: string[] = [];
    const statusCounts = new Map<string, number>();
    const perAuth = new Map<AuthKind, number>();
    const routesHit = new Set<string>();
    let sent = 0;
    let healthChecks = 0;
    let next = 0;
    let peakRss = startRss;

    const worker = async () => {
      while (next < queue.length && sent < MAX_REQUESTS && Date.now() - started < MAX_WALL_MS) {
        const fuzz = queue[next++] as FuzzRequest;
        sent++;
        const outcome = fuzz.raw === undefined ? await send(base, fuzz) : await sendRaw(base, fuzz.raw);
        const label = outcome.kind === 'response' ? String(outcome.status) : outcome.kind === 'network-error' ? (outcome.message.startsWith('client refused') ? 'refused by the client' : 'connection dropped') : outcome.kind;
        statusCounts.set(label, (statusCounts.get(label) ?? 0) + 1);
        perAuth.set(fuzz.auth, (perAuth.get(fuzz.auth) ?? 0) + 1);
        routesHit.add(fuzz.route);
        const wrong = judge(fuzz, outcome);
        if (wrong !== null) failures.push(`${wrong} ← ${describeRequest(fuzz)}`);
        if (sent % HEALTH_EVERY === 0) {
          healthChecks++;
          if (!(await healthy())) failures.push(`/healthz failed after ${sent} requests`);
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(await healthy()).toBe(true);
    collectGarbage();
    const endRss = process.memoryUsage().rss;
    const endHeap = process.memoryUsage().heapUsed;
    const summary = {
      generated: all.length,
      fixtureChange,
      sent,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      routes: `${routesHit.size} of ${shapes.length + 2} (incl. unknown routes and raw HTTP)`,
      perAuth: Object.fromEntries(perAuth),
      statuses: Object.fromEntries([...statusCounts].sort()),
      healthChecks,
      rssMiB: { start: Math.round(startRss / 2 ** 20), peak: Math.round(peakRss / 2 ** 20), end: Math.round(endRss / 2 ** 20) },
      heapAfterGcMiB: { start: Math.round(startHeap / 2 ** 20), end: Math.round(endHeap / 2 ** 20) },
    };
    console.log(`fuzz summary: ${JSON.stringify(summary)}`);

    const unique = [...new Set(failures)];
    expect(unique.slice(0, 40), `${unique.length} findings (first 40 shown)`).toEqual([]);
    expect(sent).toBeGreaterThan(1_000);
    expect(routesHit.size).toBe(shapes.length + 2);
    expect(endHeap - startHeap).toBeLessThan(HEAP_BOUND_BYTES);
  }, 120_000);
});
