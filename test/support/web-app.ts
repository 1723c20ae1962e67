/**
 * The sample web app of the zero-downtime tests, as a release build dir, and its manifest.
 *
 * Like examples/hello: Gantry renders app.env from app.env.tmpl (PORT and TARGET, per target),
 * and the afterActivate hook bin/restart stops the running copy (pidfile in <root>/<app>/run/,
 * SIGTERM, bounded wait, SIGKILL as a last resort), starts this release in the background and
 * waits until it listens. The app (node:http, no dependencies):
 *
 *   GET /            200 `release <version> on <target>` (500 `error from release …` for a
 *                    deterministic share failRate: request n fails when ⌊n·rate⌋ > ⌊(n-1)·rate⌋);
 *                    `?delayMs=N` (≤ 10 000) answers after N ms
 *   GET /healthz     200 `ok` (503 `stopping` once SIGTERM arrived)
 *   GET /metrics     http_requests_total{release,target,status="200"|"500"} (requests to / only,
 *                    both from 0) and http_requests_in_flight{release,target}
 *
 * On SIGTERM it stops accepting, closes idle keep-alive connections, answers the requests in
 * flight with `connection: close` and exits 0 (exit 1 if they take longer than GRACE_MS, 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBuildDir } from './release-dirs.js';


const SERVER_JS = String.raw`// Gantry's sample web app for zero-downtime tests (test/support/web-app.ts). No dependencies.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const here = (name) => new URL(name, import.meta.url);
const build = JSON.parse(readFileSync(here('./release.json'), 'utf8'));
const settings = Object.fromEntries(
  readFileSync(here('./app.env'), 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()]),
);
const release = String(build.version);
const failRate = Number(build.failRate ?? 0);
const target = settings.TARGET || process.env.GANTRY_TARGET || 'unknown';
const port = Number(settings.PORT);
const host = settings.HOST || '127.0.0.1';
const GRACE_MS = 10000;
const MAX_DELAY_MS = 10000;

const log = (message) => console.log(new Date().toISOString() + ' [pid ' + process.pid + '] release ' + release + ' on ' + target + ': ' + message);
const label = (value) => String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = 'release="' + label(release) + '",target="' + label(target) + '"';

const answered = { 200: 0, 500: 0 };
let received = 0;
let inFlight = 0;
let stopping = false;

function metrics() {
  return [
    '# HELP http_requests_total Requests to / answered, by status.',
    '# TYPE http_requests_total counter',
    'http_requests_total{' + labels + ',status="200"} ' + answered[200],
    'http_requests_total{' + labels + ',status="500"} ' + answered[500],
    '# HELP http_requests_in_flight Requests to / not answered yet.',
    '# TYPE http_requests_in_flight gauge',
    'http_requests_in_flight{' + labels + '} ' + inFlight,
    '',
  ].join('\n');
}

function reply(response, status, type, body) {
  // Once stopping, no connection is kept for another request: clients open a new one elsewhere.
  if (stopping) response.setHeader('connection', 'close');
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'method not allowed\n');
  if (url.pathname === '/healthz') return stopping ? reply(response, 503, 'text/plain', 'stopping\n') : reply(response, 200, 'text/plain', 'ok\n');
  if (url.pathname === '/metrics') return reply(response, 200, 'text/plain; version=0.0.4', metrics());
  if (url.pathname !== '/') return reply(response, 404, 'text/plain', 'not found\n');
  received += 1;
  // Deterministic: exactly floor(n * failRate) of the first n requests fail, evenly spread.
  const fail = Math.floor(received * failRate + 1e-9) > Math.floor((received - 1) * failRate + 1e-9);
  const delayMs = Math.min(MAX_DELAY_MS, Math.max(0, Number(url.searchParams.get('delayMs')) || 0));
  inFlight += 1;
  const answer = () => {
    inFlight -= 1;
    const status = fail ? 500 : 200;
    answered[status] += 1;
    reply(response, status, 'text/plain', (fail ? 'error from release ' : 'release ') + release + ' on ' + target + '\n');
  };
  if (delayMs > 0) setTimeout(answer, delayMs);
  else answer();
});

server.on('error', (error) => {
  log('cannot serve: ' + error.message);
  process.exit(1);
});

server.listen(port, host, () => {
  log('listening on ' + host + ':' + port);
  // bin/restart waits for this file to hold our pid.
  if (process.env.WEB_APP_READY_FILE) writeFileSync(process.env.WEB_APP_READY_FILE, String(process.pid));
});

function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log('stopping (' + signal + '), ' + inFlight + ' in flight');
  // No new connections; idle keep-alive ones close now, busy ones after their answer (connection: close).
  server.close(() => {
    log('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    log('still ' + inFlight + ' in flight after ' + GRACE_MS + ' ms; exiting');
    process.exit(1);
  }, GRACE_MS).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
`;

/** What bin/restart and bin/stop share: the run dir's files (one set per blue-green slot) and stopping the running copy. */
const STOP_RUNNING_SH = String.raw`set -eu
run="$GANTRY_RELEASE_DIR/../../run"
mkdir -p "$run"
name="web-app\${GANTRY_SLOT:+-$GANTRY_SLOT}"
pidfile="$run/$name.pid"
ready="$run/$name.ready"
log="$run/$name.log"

# Running, and not a zombie waiting to be reaped (kill -0 succeeds on those).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null || true)
  [ "$state" != Z ]
}

if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  # Only a copy of the app (the pid may have been reused since).
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'server\.js'; then
    kill -TERM "$pid" 2>/dev/null || true
    # It answers what is in flight first (at most 10 s), then exits; the port is free after that.
    i=0
    while alive "$pid" && [ "$i" -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
    if alive "$pid"; then
      echo "web-app: pid $pid did not stop within 15 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$pidfile"
fi
`;

/** scaleDown hook (blue-green): stop the slot's copy. */
const STOP_SH = `#!/bin/sh
${STOP_RUNNING_SH}echo "web-app: \${name} stopped"
`.replaceAll('\\${', '${');

const RESTART_SH = `#!/bin/sh
# afterActivate hook: stop the running copy (if any), start this release in the background and
# wait until it listens. Every stdio of the background copy is redirected, so the hook's pipes close.
${STOP_RUNNING_SH}
rm -f "$ready"
WEB_APP_READY_FILE="$ready" nohup node server.js < /dev/null >> "$log" 2>&1 &
pid=$!
echo "$pid" > "$pidfile"
i=0
while [ "$i" -lt 200 ]; do
  if [ -f "$ready" ] && [ "$(cat "$ready")" = "$pid" ]; then
    echo "web-app: release \${GANTRY_RELEASE:-?} listening (pid $pid)"
    exit 0
  fi
  if ! alive "$pid"; then break; fi
  sleep 0.05
  i=$((i + 1))
done
echo "web-app: release \${GANTRY_RELEASE:-?} is not listening; the end of $log:" >&2
tail -n 20 "$log" >&2
exit 1
`.replaceAll('\\${', '${');

const APP_ENV_TEMPLATE = 'PORT={{ PORT }}\nTARGET={{ TARGET }}\n';

export interface WebAppBuildOptions {
  /** The release version it reports (`release <version> on <target>`); use the version you release it as. */
  readonly version: string;
  /** Share (0..1) of requests to / answered 500, deterministically spread (default 0). */
  readonly failRate?: number;
}

/** Writes the web app's build dir (server.js, bin/restart, app.env.tmpl, release.json) and returns its path. */
export function webAppBuild(options: WebAppBuildOptions): string {
  const failRate = options.failRate ?? 0;
  if (!(failRate >= 0 && failRate <= 1)) throw new RangeError(`failRate must be between 0 and 1 (got ${failRate})`);
  return makeBuildDir({
    'server.js': SERVER_JS,
    'bin/restart': RESTART_SH,
    'bin/stop': STOP_SH,
    'app.env.tmpl': APP_ENV_TEMPLATE,
    'release.json': `${JSON.stringify({ version: options.version, failRate })}\n`,
    'package.json': '{ "name": "web-app", "private": true, "type": "module" }\n',
  });
}

export interface WebAppManifestOptions {
  readonly app: string;
  readonly environment: string;
  /** Target name → the port its copy listens on (127.0.0.1). Only these targets can be deployed to. */
  readonly targetPorts: Readonly<Record<string, number>>;
  /** The labels selecting the environment's targets (default { app: <app> }). */
  readonly targetLabels?: Readonly<Record<string, string>>;
  /** The strategy as a YAML flow mapping (default `{ type: rolling, batch: 1, maxFailures: 0, onFailure: rollback }`). */
  readonly strategy?: string;
  readonly keepReleases?: number;
  /** The environment's `traffic` section as a YAML flow mapping (none by default). */
  readonly traffic?: string;
  /** YAML appended at the top level (other keys: lifecycle, hookTimeout, …; not the ones above). */
  readonly extra?: string;
}

const flowMap = (record: Readonly<Record<string, string | number>>): string =>
  `{ ${Object.entries(record)
    .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(String(value))}`)
    .join(', ')} }`;

/** The manifest deploying webAppBuild() releases: PORT and TARGET per target, restart hook, /healthz check. */
export function webAppManifest(options: WebAppManifestOptions): string {
  const targets = Object.keys(options.targetPorts);
  if (targets.length === 0) throw new Error('webAppManifest: targetPorts names no target');
  return `app: ${options.app}
keepReleases: ${options.keepReleases ?? 3}
environments:
  - { name: ${options.environment}, targets: ${flowMap(options.targetLabels ?? { app: options.app })}${options.traffic ? `, traffic: ${options.traffic}` : ''} }
variables:
  PORT: { targets: ${flowMap(options.targetPorts)} }
  TARGET: { targets: ${flowMap(Object.fromEntries(targets.map((name) => [name, name])))} }
config:
  - { template: app.env.tmpl, path: app.env }
hooks:
  afterActivate: ./bin/restart
health:
  - http: { url: "http://127.0.0.1:\${PORT}/healthz", expect: 200 }
    # Up to 20 s for node to start on a loaded 2-core machine; a healthy start passes at once.
    retries: 200
    interval: 100ms
strategy: ${options.strategy ?? '{ type: rolling, batch: 1, maxFailures: 0, onFailure: rollback }'}
${options.extra ?? ''}`;
}

/** Where bin/restart keeps the pidfile and log of the app's copy on a local target with this root. */
export function webAppRunDir(root: string, app: string): string {
  return join(root, app, 'run');
}

/** Whether the process exists and has not exited (a zombie waiting to be reaped counts as exited). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces and parentheses, the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Stops the copies bin/restart started in `runDir` (one per blue-green slot; SIGTERM, then
 * SIGKILL after `graceMs`) and resolves once they have exited; does nothing without pidfiles.
 */
export async function stopWebApp(runDir: string, graceMs = 12_000): Promise<void> {
  let pidfiles: string[];
  try {
    pidfiles = readdirSync(runDir).filter((name) => /^web-app(-blue|-green)?\.pid$/.test(name));
  } catch {
    return;
  }
  await Promise.all(pidfiles.map((name) => stopCopy(join(runDir, name), graceMs)));
}

async function stopCopy(pidfile: string, graceMs: number): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidfile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !processAlive(pid)) return;
  try {
    // Only a copy of the app: the pid may have been reused.
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.js')) return;
  } catch {
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (processAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 40 && processAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface DirectWebApp {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null if killed) once the process exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs (default 12 s); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Runs a build dir's server.js directly with node, without Gantry: renders app.env itself and
 * resolves once /healthz answers (bounded by `startTimeoutMs`, default 10 s).
 */
export async function startWebApp(options: { buildDir: string; port: number; target: string; startTimeoutMs?: number }): Promise<DirectWebApp> {
  const template = readFileSync(join(options.buildDir, 'app.env.tmpl'), 'utf8');
  writeFileSync(join(options.buildDir, 'app.env'), template.replace('{{ PORT }}', String(options.port)).replace('{{ TARGET }}', options.target));
  const child = spawn(process.execPath, ['server.js'], { cwd: options.buildDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 10_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async (graceMs = 12_000): Promise<number | null> => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (Date.now() < deadline && !hasExited) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await response.text();
      if (response.ok) return { url, child, exited, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop(1000);
  throw new Error(`the web app did not answer /healthz on ${url}; its output:\n${output}`);
}
