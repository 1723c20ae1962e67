#!/usr/bin/env node
// `npm run bench:zero-downtime [-- --rate 500 --targets 4 --strategies rolling,canary,blueGreen --before 4 --after 2 --drain-delay 1s --repeat 1 --keep]`
//
// Zero downtime under load, with figures: a real nginx (/usr/sbin/nginx, its own prefix dir,
// `proxy_next_upstream off;`) in front of the e2e tests' sample web app on N local targets,
// managed by a real `gantry serve` through the environment's `traffic` section. For each strategy
// (rolling, canary, blue-green) an open-loop load generator (test/support/load-generator.mjs, a
// fresh connection per request) sends a fixed rate through nginx: a warm-up, a "before" phase
// with no deployment running (the floor), "during" from POST /deployments until the deployment
// ended and nginx settled, then "after". Reports requests sent and failed (must be 0), p50/p99
// before vs during, the ratio p99 during / p99 before (the issue: within 2×), whether every
// "after" answer came from the new release, and the CPU of the machine vs the benchmark's own
// processes. Writes bench/results/zero-downtime.json. See bench/README.md.
//
// Needs `npm run build` (it runs bin/gantry.js and imports from dist/), /usr/sbin/nginx, Linux.
// Everything listens on 127.0.0.1 and lives in one temporary directory, removed at the end.
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { formatReport, lastMismatch, startLoad, summarize } from '../test/support/load-generator.mjs';
import { freePort, median, sleep, stopChild } from './measure.mjs';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const GANTRY_BIN = join(repo, 'bin', 'gantry.js');
const NGINX = '/usr/sbin/nginx';
const ENVIRONMENT = 'prod';
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled']);
const POLL_MS = 100;
/** Before "before": the load generator's and nginx's first requests (JIT, first connections) are not counted. */
const WARMUP_MS = 1000;
/** Per request, from when it is sent (the load generator's deadline). */
const REQUEST_TIMEOUT_MS = 2000;
/** Latency timeline buckets in the JSON. */
const BUCKET_MS = 250;
const TIMEOUTS = { serverStartMs: 30_000, nginxStartMs: 20_000, settleMs: 15_000, firstDeployMs: 90_000, deployMs: 90_000, overallMs: 0 };

/**
 * The strategies measured, in order; each deploys its stack's next version under load.
 * `--strategies` picks by name. A stack (see setUpStack) is an app with its own nginx, set up
 * and given its first release (no load) the first time a strategy needs it:
 * - `web`: the e2e zero-downtime test's app and manifest, one port per target;
 * - `bg`: the same app as the e2e blue-green test runs it, two slots (ports) per target and a
 *   `scaleDown` hook; a blue-green deployment ends after `scaleDownDelay` and the scale-down.
 */
const STRATEGIES = [
  { name: 'rolling', stack: 'web', strategy: '{ type: rolling, batch: 1 }' },
  { name: 'canary', stack: 'web', strategy: '{ type: canary, steps: [{ targets: 25% }, { pause: { duration: 2s } }, { targets: 50% }, { pause: { duration: 2s } }] }' },
  { name: 'blueGreen', stack: 'bg', strategy: '{ type: blueGreen, slots: { blue: { PORT: "${BLUE_PORT}" }, green: { PORT: "${GREEN_PORT}" } }, scaleDownDelay: 2s }' },
];

// ---------- flags (and BENCH_* environment variables as defaults) ----------
function parseFlags(argv) {
  const env = process.env;
  const flags = {
    rate: Number(env.BENCH_RATE ?? 500),
    targets: Number(env.BENCH_TARGETS ?? 4),
    strategies: (env.BENCH_STRATEGIES ?? STRATEGIES.map((s) => s.name).join(',')).split(','),
    beforeS: Number(env.BENCH_BEFORE_S ?? 4),
    afterS: Number(env.BENCH_AFTER_S ?? 2),
    drainDelay: env.BENCH_DRAIN_DELAY ?? '1s',
    repeat: Number(env.BENCH_REPEAT ?? 1),
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--rate') flags.rate = Number(value());
    else if (arg === '--targets') flags.targets = Number(value());
    else if (arg === '--strategies') flags.strategies = value().split(',');
    else if (arg === '--before') flags.beforeS = Number(value());
    else if (arg === '--after') flags.afterS = Number(value());
    else if (arg === '--drain-delay') flags.drainDelay = value();
    else if (arg === '--repeat') flags.repeat = Number(value());
    else if (arg === '--keep') flags.keep = true;
    else throw new Error(`unknown flag ${arg} (use --rate N --targets N --strategies ${STRATEGIES.map((s) => s.name).join(',')} --before S --after S --drain-delay 1s --repeat K --keep)`);
  }
  flags.strategies = flags.strategies.map((s) => s.trim()).filter(Boolean);
  const whole = (n, min, max) => Number.isInteger(n) && n >= min && n <= max;
  if (!whole(flags.rate, 1, 5000)) throw new Error('--rate: 1..5000 requests per second');
  if (!whole(flags.targets, 2, 20)) throw new Error('--targets: 2..20');
  if (!whole(flags.repeat, 1, 10)) throw new Error('--repeat: 1..10');
  if (!(flags.beforeS >= 1 && flags.beforeS <= 60) || !(flags.afterS >= 0.5 && flags.afterS <= 60)) throw new Error('--before: 1..60 s, --after: 0.5..60 s');
  if (!/^\d+(ms|s)$/.test(flags.drainDelay)) throw new Error('--drain-delay: a duration such as 500ms or 1s');
  const unknown = flags.strategies.filter((name) => !STRATEGIES.some((s) => s.name === name));
  if (!flags.strategies.length || unknown.length) throw new Error(`--strategies: some of ${STRATEGIES.map((s) => s.name).join(',')} (unknown: ${unknown.join(',')})`);
  return flags;
}

const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const ms = (value) => (value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1));

function withTimeout(promise, timeoutMs, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs / 1000} s`)), timeoutMs)))]).finally(() => clearTimeout(timer));
}

// ---------- the sample web app: the e2e test's own (test/support/web-app.ts), transpiled ----------
/**
 * test/support/web-app.ts (and the release-dirs.ts it imports) transpiled with the project's
 * TypeScript into `dir`, so the benchmark deploys exactly the app and manifest the e2e test uses.
 */
async function loadWebAppSupport(dir) {
  const ts = (await import('typescript')).default;
  mkdirSync(dir, { recursive: true });
  for (const name of ['web-app', 'release-dirs']) {
    const source = readFileSync(join(repo, 'test', 'support', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, fileName: `${name}.ts` });
    writeFileSync(join(dir, `${name}.js`), outputText);
  }
  return import(pathToFileURL(join(dir, 'web-app.js')).href);
}

// ---------- nginx (the essentials of test/support/nginx.ts) ----------
/** Worker pids the master started and has not reaped, from its notice-level log. */
function liveWorkers(text) {
  const live = new Set();
  for (const match of text.matchAll(/start worker process (\d+)|worker process (\d+) exited/g)) {
    if (match[1] !== undefined) live.add(Number(match[1]));
    if (match[2] !== undefined) live.delete(Number(match[2]));
  }
  return live;
}

function httpGet(port, path, timeoutMs) {
  return fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close' } }).then(async (r) => ({ status: r.status, body: await r.text() }));
}

async function startNginx(base, { name, upstream, initialServers, workerConnections }) {
  const dir = join(base, `nginx-${name}`);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  const upstreamFile = join(dir, 'upstream.conf');
  const errorLog = join(dir, 'error.log');
  const reloadLog = join(dir, 'reloads.log');
  const token = `bench-${process.pid}-${Date.now()}`;
  const { renderNginxUpstream } = await import(pathToFileURL(join(repo, 'dist', 'core', 'traffic', 'nginx-upstream.js')).href);
  const { shellCommand } = await import(pathToFileURL(join(repo, 'dist', 'executors', 'shell-quote.js')).href);
  writeFileSync(upstreamFile, renderNginxUpstream({ upstream, header: 'initial upstream of the benchmark nginx', servers: initialServers.map((address, index) => ({ target: `initial-${index}`, address, inRotation: true })) }));
  const p = (name) => join(dir, name);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      conf,
      [
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        'daemon off;',
        'master_process on;',
        'worker_processes 1;',
        `pid ${p('nginx.pid')};`,
        `lock_file ${p('nginx.lock')};`,
        `error_log ${errorLog} notice;`, // notice: settle() reads the master's signal handling and worker starts/exits
        `events { worker_connections ${workerConnections}; }`,
        'http {',
        '    access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((what) => `    ${what}_temp_path ${p(`${what}_temp`)};`),
        `    include ${upstreamFile};`,
        '    server {',
        `        listen 127.0.0.1:${port};`,
        `        location = /bench-nginx-probe { return 200 "${token}"; }`,
        '        location / {',
        `            proxy_pass http://${upstream};`,
        '            proxy_connect_timeout 2s;',
        '            proxy_read_timeout 5s;',
        // No retry on another server: a request sent to a restarting target fails (502), so the
        // benchmark sees whether the target was out of rotation, not whether nginx hid the gap.
        '            proxy_next_upstream off;',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    const child = spawn(NGINX, ['-p', `${dir}/`, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const deadline = Date.now() + TIMEOUTS.nginxStartMs;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null) {
      const probe = await httpGet(port, '/bench-nginx-probe', 1000).catch(() => null);
      up = probe?.status === 200 && probe.body === token;
      if (!up) await sleep(20);
    }
    if (up) {
      const nginxArgs = ['-p', `${dir}/`, '-c', conf];
      return {
        child,
        port,
        dir,
        upstream,
        upstreamFile,
        testCommand: shellCommand([NGINX, ...nginxArgs, '-t']),
        // `nginx -s reload`, after noting when it was asked for (epoch ns), to put reloads on the load's clock.
        reloadCommand: `date +%s%N >> ${shellCommand([reloadLog])} && ${shellCommand([NGINX, ...nginxArgs, '-s', 'reload'])}`,
        /** Epoch ms of every reload Gantry ran so far. */
        reloads: () => (existsSync(reloadLog) ? readFileSync(reloadLog, 'utf8').split('\n').filter(Boolean).map((ns) => Number(ns) / 1e6) : []),
        /** Waits until every reload signalled so far was carried out and only the latest workers are left. */
        async settle(timeoutMs = TIMEOUTS.settleMs) {
          const offset = (await readFile(errorLog)).length;
          // Signals are delivered lowest number first and the master handles a reload (SIGHUP)
          // before a log reopen (SIGUSR1): once this SIGUSR1 is done, so is every earlier reload.
          process.kill(child.pid, 'SIGUSR1');
          const until = Date.now() + timeoutMs;
          while (Date.now() < until && child.exitCode === null) {
            const bytes = await readFile(errorLog);
            if (bytes.subarray(offset).toString('utf8').includes(`${child.pid}#${child.pid}: reopening logs`) && liveWorkers(bytes.toString('utf8')).size === 1) return;
            await sleep(20);
          }
          throw new Error(`nginx did not settle within ${timeoutMs} ms: ${readFileSync(errorLog, 'utf8').slice(-1500)}`);
        },
        /** Configurations loaded so far (1 after start, +1 per reload carried out). */
        generations: () => [...readFileSync(errorLog, 'utf8').matchAll(/: start worker processes$/gm)].length,
        async stop() {
          await stopChild(child, 5000);
          children.delete(child);
          // A master killed outright leaves its workers: stop them by the pids it logged.
          for (const pid of liveWorkers(readFileSync(errorLog, 'utf8'))) {
            const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
            if (command.startsWith('nginx: worker process')) {
              try {
                process.kill(pid, 'SIGKILL');
              } catch {
                // gone with its master
              }
            }
          }
        },
      };
    }
    if (child.exitCode === null) await stopChild(child, 1000);
    children.delete(child);
    if (attempt >= 5) throw new Error(`nginx did not start: ${stderr.trim()} ${existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-1500) : ''}`);
  }
}

// ---------- gantry serve ----------
async function startGantry(base) {
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const logPath = join(base, 'server.log');
  const out = openSync(logPath, 'a');
  const child = spawn(process.execPath, [GANTRY_BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], { env: { ...process.env, GANTRY_LOG_LEVEL: 'warn' }, stdio: ['ignore', out, out] });
  closeSync(out);
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUTS.serverStartMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gantry serve exited with ${child.exitCode}; see ${logPath}`);
    if (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error('gantry serve did not answer in time');
    await sleep(100);
  }
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const api = async (method, path, body, headers = {}) => {
    const isJson = body !== undefined && !Buffer.isBuffer(body);
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(isJson ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body === undefined ? {} : { body: isJson ? JSON.stringify(body) : body }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { child, api, logPath };
}

async function pack(dir) {
  const { packDirectory } = await import(pathToFileURL(join(repo, 'dist', 'artifacts', 'pack-directory.js')).href);
  const chunks = [];
  for await (const chunk of packDirectory(dir)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// ---------- processes this benchmark started (only these are stopped) ----------
const children = new Set();
/** Run dirs of the app copies the restart hook started on the targets (stopped by their pidfiles). */
const appRunDirs = [];

// ---------- CPU: the whole machine vs this benchmark's processes ----------
const CLK_TCK = 100; // USER_HZ on Linux
const readText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};
/**
 * Jiffies of all CPUs from /proc/stat: in processes (user, nice, system) and in interrupts (irq,
 * softirq: mostly the loopback TCP traffic of the load itself, which no process is charged for).
 * Idle, iowait and steal are not busy time of this machine.
 */
function machineJiffies() {
  const [user, nice, system, , , irq, softirq] = readText('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { processes: user + nice + system, interrupts: irq + softirq };
}
/** utime+stime (+ cutime+cstime: children it has reaped) of one process, in jiffies; null when gone. */
function processJiffies(pid, withChildren) {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return f[11] + f[12] + (withChildren ? f[13] + f[14] : 0);
}
/**
 * Every BUCKET_MS: the machine's busy CPU and this benchmark's own (this process with the load
 * generator; gantry serve and nginx with their children, live or reaped: hooks, `nginx -s
 * reload`, workers; the app copies, found by their pidfiles, which the restart hook leaves
 * orphaned). Whatever else is busy is "outside": other work on the machine that skews latency.
 */
function startCpuSampler(clock, trees) {
  const samples = [];
  const appLast = new Map();
  const ours = () => {
    let jiffies = (process.cpuUsage().user + process.cpuUsage().system) / (1e6 / CLK_TCK);
    for (const pid of trees()) {
      jiffies += processJiffies(pid, true) ?? 0;
      for (const child of (readText(`/proc/${pid}/task/${pid}/children`) ?? '').trim().split(/\s+/).filter(Boolean)) jiffies += processJiffies(child, true) ?? 0;
    }
    for (const dir of appRunDirs) {
      let pidfiles = [];
      try {
        pidfiles = readdirSync(dir).filter((name) => /^web-app(-blue|-green)?\.pid$/.test(name));
      } catch {
        // not started yet
      }
      for (const pidfile of pidfiles) {
        const pid = Number(readText(join(dir, pidfile))?.trim());
        if (Number.isInteger(pid) && pid > 1 && (readText(`/proc/${pid}/cmdline`) ?? '').includes('server.js')) appLast.set(pid, processJiffies(pid, false) ?? appLast.get(pid) ?? 0);
      }
    }
    for (const value of appLast.values()) jiffies += value; // exited copies keep their last reading
    return jiffies;
  };
  const take = () => samples.push({ tMs: clock(), ...machineJiffies(), ours: ours() });
  take();
  const timer = setInterval(take, BUCKET_MS);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}
/** CPU over [fromMs, toMs) in cores (1 = one core busy all the time), from the samples nearest the bounds. */
function cpuBetween(samples, fromMs, toMs) {
  const at = (t) => samples.reduce((best, s) => (Math.abs(s.tMs - t) < Math.abs(best.tMs - t) ? s : best));
  const a = at(fromMs);
  const b = at(toMs);
  const seconds = (b.tMs - a.tMs) / 1000;
  if (seconds <= 0) return { machineCores: null, benchmarkCores: null, interruptCores: null, outsideCores: null };
  const cores = (key) => (b[key] - a[key]) / CLK_TCK / seconds;
  const round2 = (x) => Math.round(x * 100) / 100;
  const processes = cores('processes');
  const interrupts = cores('interrupts');
  const bench = cores('ours');
  // Interrupt time is not split between processes; it is counted with the machine, not as "outside".
  return { machineCores: round2(processes + interrupts), benchmarkCores: round2(bench), interruptCores: round2(interrupts), outsideCores: round2(Math.max(0, processes - bench)) };
}

// ---------- one strategy under load ----------
function latencyOf(stats) {
  const l = stats.latency;
  return { count: l.count, p50: l.p50, p95: l.p95, p99: l.p99, max: l.max };
}

/** Per BUCKET_MS of send time: requests, failures, p50/p99/max latency. */
function timeline(records) {
  const buckets = new Map();
  for (const record of records) {
    const key = Math.floor(record.sentAt / BUCKET_MS) * BUCKET_MS;
    if (!buckets.has(key)) buckets.set(key, []);
    buckets.get(key).push(record);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([tMs, group]) => {
    const stats = summarize(group);
    return { tMs, sent: stats.sent, failed: stats.failed, p50: stats.latency.p50, p99: stats.latency.p99, max: stats.latency.max };
  });
}

async function measureStrategy({ entry, stack, version, previous, flags, gantry }) {
  const { app, nginx } = stack;
  await releaseVersion(gantry, stack, entry.strategy, version);
  const generationsBefore = nginx.generations();

  const budgetMs = WARMUP_MS + flags.beforeS * 1000 + TIMEOUTS.deployMs + TIMEOUTS.settleMs + flags.afterS * 1000 + 5000;
  const load = startLoad({ url: `http://127.0.0.1:${nginx.port}/`, ratePerSecond: flags.rate, maxDurationMs: budgetMs, maxRequests: Math.ceil((flags.rate * budgetMs) / 1000), timeoutMs: REQUEST_TIMEOUT_MS, phase: 'warmup', keepAlive: false });
  const sampler = startCpuSampler(load.now, () => [gantry.child.pid, ...nginxes.map((n) => n.child.pid)]);
  let detail;
  let deployMs;
  let events = [];
  let cpuSamples;
  try {
    await sleep(WARMUP_MS);
    load.mark('before');
    await sleep(flags.beforeS * 1000);
    const duringAt = load.mark('during');
    const id = (await gantry.api('POST', '/deployments', { app, version, environment: ENVIRONMENT })).deployment.id;
    const deadline = Date.now() + TIMEOUTS.deployMs;
    for (;;) {
      detail = await gantry.api('GET', `/deployments/${id}`);
      if (TERMINAL.has(detail.deployment.state)) break;
      if (Date.now() > deadline) {
        await gantry.api('POST', `/deployments/${id}/cancel`).catch(() => {});
        throw new Error(`deployment ${id} still ${detail.deployment.state} after ${TIMEOUTS.deployMs / 1000} s`);
      }
      await sleep(POLL_MS);
    }
    deployMs = load.now() - duringAt;
    await nginx.settle();
    load.mark('after');
    await sleep(flags.afterS * 1000);
    events = (await gantry.api('GET', `/deployments/${id}/events`)).events;
  } finally {
    await load.stop();
    cpuSamples = sampler.stop(); // also when something above threw: its interval would keep the process alive
  }
  const report = await load.done;
  if (report.stoppedBy !== 'stop') throw new Error(`the load stopped by ${report.stoppedBy} before the phases were over`);
  const records = load.responses();
  const { before, during, after } = report.phases;
  const releaseOf = (body) => body?.split(' on ')[0] ?? null;
  const afterReleases = [...new Set(records.filter((r) => r.phase === 'after').map((r) => releaseOf(r.body)))];
  const duringReleases = Object.fromEntries(Object.entries(during.bodies).reduce((acc, [body, count]) => acc.set(releaseOf(body), (acc.get(releaseOf(body)) ?? 0) + count), new Map()));
  const last = lastMismatch(records, (body) => releaseOf(body) === `release ${version}`);
  const afterOk = after.sent > 0 && after.failed === 0 && afterReleases.length === 1 && afterReleases[0] === `release ${version}`;
  const t0 = report.startedAt;
  const reloadsMs = nginx.reloads().map((at) => at - t0).filter((t) => t >= 0 && t <= report.durationMs + REQUEST_TIMEOUT_MS);
  const sinceReload = (record) => {
    const earlier = reloadsMs.filter((t) => t <= (record.doneAt ?? record.sentAt));
    return earlier.length ? Math.round(record.sentAt - earlier.at(-1)) : null;
  };
  const result = {
    strategy: entry.name,
    app,
    manifestStrategy: entry.strategy,
    from: previous,
    to: version,
    deployment: { id: detail.deployment.id, state: detail.deployment.state, reason: detail.deployment.reason, wallMs: Math.round(deployMs), tasks: detail.tasks.map((t) => ({ target: t.target, state: t.state })) },
    nginxReloads: nginx.generations() - generationsBefore,
    sent: report.total.sent,
    failed: report.total.failed,
    failures: report.total.failures,
    /** Every failed request: when it was sent (load clock), why, and ms since the last reload Gantry asked nginx for before it was done (negative: the reload came while it was in flight). */
    failedRequests: records.filter((r) => !r.ok).slice(0, 1000).map((r) => ({ sentAtMs: Math.round(r.sentAt), phase: r.phase, error: r.error, status: r.status, msSinceReload: sinceReload(r) })),
    achievedRatePerSecond: +report.achievedRatePerSecond.toFixed(1),
    schedulerMaxLagMs: report.maxLagMs,
    phases: Object.fromEntries(
      report.phaseOrder.map((name) => {
        const phase = report.phases[name];
        const next = report.phaseOrder[report.phaseOrder.indexOf(name) + 1];
        const endedAt = next === undefined ? report.durationMs : report.phases[next].startedAt;
        return [name, { startedAtMs: Math.round(phase.startedAt), sent: phase.sent, ok: phase.ok, failed: phase.failed, latencyMs: latencyOf(phase), cpu: cpuBetween(cpuSamples, phase.startedAt, endedAt), bodies: phase.bodies }];
      }),
    ),
    floor: latencyOf(before),
    p99Ratio: during.latency.p99 / before.latency.p99,
    p50Ratio: during.latency.p50 / before.latency.p50,
    duringReleases,
    afterReleases,
    afterAllNew: afterOk,
    /** When the last request answered by anything but the new release was sent, ms after the deployment ended (negative: before it ended). */
    lastOldAnswerSentMsAfterDeployEnd: last === null ? null : Math.round(last.sentAt - (report.phases.during.startedAt + deployMs)),
    events: [...events.map((e) => ({ tMs: Date.parse(e.at) - t0, type: e.type, target: e.target })), ...reloadsMs.map((t) => ({ tMs: Math.round(t), type: 'nginx:reload-asked', target: 'lb' }))].sort((a, b) => a.tMs - b.tMs),
    timeline: timeline(records).map((bucket) => ({ ...bucket, ...cpuBetween(cpuSamples, bucket.tMs, bucket.tMs + BUCKET_MS) })),
  };
  return { result, report };
}

// ---------- stacks: an app, its nginx, its manifest ----------
/** Every nginx started (for cleanup and CPU accounting). */
const nginxes = [];

async function releaseVersion(gantry, stack, strategy, version) {
  await gantry.api('POST', '/applications', { manifest: stack.manifest(strategy) });
  const buildDir = webApp.webAppBuild({ version });
  buildDirs.push(buildDir);
  await gantry.api('POST', `/applications/${stack.app}/releases/${version}`, await pack(buildDir), { 'content-type': 'application/gzip' });
}

/** Starts the stack's nginx, writes its manifest and deploys its first release (no load). */
async function setUpStack(kind, { gantry, targets, roots, flags, strategy }) {
  const used = new Set(nginxes.flatMap((n) => n.appPorts));
  const port = async () => {
    let p = await freePort();
    while (used.has(p)) p = await freePort();
    used.add(p);
    return p;
  };
  const app = kind === 'bg' ? 'bg' : 'web';
  const ports = {};
  for (const target of targets) ports[target] = kind === 'bg' ? { blue: await port(), green: await port() } : await port();
  const initial = targets.map((target) => `127.0.0.1:${kind === 'bg' ? ports[target].blue : ports[target]}`);
  const nginx = await startNginx(base, { name: app, upstream: app, initialServers: initial, workerConnections: 4096 });
  nginx.appPorts = [...used];
  nginxes.push(nginx);
  const traffic = `{ target: lb, server: "127.0.0.1:\${PORT}", drainDelay: ${flags.drainDelay}, nginx: { file: "${nginx.upstreamFile}", upstream: ${nginx.upstream}, test: "${nginx.testCommand}", reload: "${nginx.reloadCommand}" } }`;
  const perTarget = (value) => `{ ${targets.map((target) => `${target}: "${value(target)}"`).join(', ')} }`;
  const manifest =
    kind === 'bg'
      ? // As test/e2e/blue-green.test.ts writes it: the slots override PORT; bin/stop is the scaleDown hook.
        (strategyText) => `app: ${app}
keepReleases: 3
environments:
  - { name: ${ENVIRONMENT}, targets: { role: web }, traffic: ${traffic} }
variables:
  BLUE_PORT: { targets: ${perTarget((target) => ports[target].blue)} }
  GREEN_PORT: { targets: ${perTarget((target) => ports[target].green)} }
  TARGET: { targets: ${perTarget((target) => target)} }
config:
  - { template: app.env.tmpl, path: app.env }
hooks:
  afterActivate: ./bin/restart
  scaleDown: ./bin/stop
health:
  - http: { url: "http://127.0.0.1:\${PORT}/healthz", expect: 200 }
    retries: 50
    interval: 100ms
strategy: ${strategyText}
`
      : (strategyText) => webApp.webAppManifest({ app, environment: ENVIRONMENT, targetPorts: ports, targetLabels: { role: 'web' }, strategy: strategyText, traffic });
  for (const target of targets) appRunDirs.push(webApp.webAppRunDir(roots[target], app));
  const stack = { kind, app, nginx, ports, manifest, version: 1 };
  await releaseVersion(gantry, stack, strategy, '1.0.0');
  const id = (await gantry.api('POST', '/deployments', { app, version: '1.0.0', environment: ENVIRONMENT })).deployment.id;
  let detail;
  const deadline = Date.now() + TIMEOUTS.firstDeployMs;
  do {
    await sleep(POLL_MS);
    detail = await gantry.api('GET', `/deployments/${id}`);
    if (Date.now() > deadline) throw new Error(`the first deployment of ${app} is still ${detail.deployment.state}`);
  } while (!TERMINAL.has(detail.deployment.state));
  if (detail.deployment.state !== 'succeeded') throw new Error(`the first deployment of ${app} ended ${detail.deployment.state}: ${detail.deployment.reason}; see ${gantry.logPath}`);
  await nginx.settle();
  log(`${app}: nginx ${nginx.child.pid} on 127.0.0.1:${nginx.port}; release 1.0.0 deployed to ${targets.length} targets (no load)`);
  return stack;
}

/** JSON with fractions to 0.01, and objects and arrays of plain values (timeline buckets, events, latency stats) on one line each. */
function compactJson(value) {
  const rounded = JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v), 2);
  const oneLine = (open, close) => (_, body) => `${open} ${body.split(/\n\s*/).join(' ')} ${close}`;
  return rounded.replace(/\{\n\s+([^{}[\]]*?)\n\s*\}/g, oneLine('{', '}')).replace(/\[\n\s+([^{}[\]]*?)\n\s*\]/g, oneLine('[', ']'));
}

// ---------- main ----------
const flags = parseFlags(process.argv.slice(2));
if (!existsSync(join(repo, 'dist', 'main', 'serve.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench:zero-downtime does)');
if (!existsSync(NGINX)) throw new Error(`${NGINX} is not installed (Debian: apt-get install nginx-light)`);
// The whole run: set-up, plus per measured deployment its load phases and up to 2 minutes.
TIMEOUTS.overallMs = 3 * 60_000 + flags.repeat * flags.strategies.length * (120_000 + (flags.beforeS + flags.afterS) * 1000);
const base = mkdtempSync(join(tmpdir(), 'gantry-bench-zd-'));
const buildDirs = [];
let webApp;
const overall = setTimeout(() => {
  console.error(`the benchmark took longer than ${TIMEOUTS.overallMs / 1000} s; stopping everything it started`);
  void cleanup().finally(() => process.exit(2));
}, TIMEOUTS.overallMs);
overall.unref();
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (webApp) await Promise.all(appRunDirs.map((dir) => webApp.stopWebApp(dir, 5000).catch(() => {})));
  await Promise.all(nginxes.map((nginx) => nginx.stop().catch(() => {})));
  await Promise.all([...children].map((child) => stopChild(child, 3000)));
  for (const dir of buildDirs) rmSync(dir, { recursive: true, force: true });
  if (!flags.keep) rmSync(base, { recursive: true, force: true });
  else console.log(`kept ${base}`);
}

const nproc = availableParallelism();
const loadAtStart = loadavg();
const results = [];
try {
  log(`nproc ${nproc}, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}; rate ${flags.rate}/s, ${flags.targets} targets, strategies ${flags.strategies.join(', ')}, drainDelay ${flags.drainDelay}; work dir ${base}`);
  webApp = await loadWebAppSupport(join(base, 'support'));
  const gantry = await startGantry(base);
  log(`gantry serve ${gantry.child.pid}`);
  const targets = Array.from({ length: flags.targets }, (_, i) => `web-${i + 1}`);
  const roots = {};
  for (const name of targets) {
    roots[name] = join(base, 'targets', name);
    mkdirSync(roots[name], { recursive: true });
    await gantry.api('POST', '/targets', { name, labels: { role: 'web' }, local: { root: roots[name] } });
  }
  mkdirSync(join(base, 'targets', 'lb'), { recursive: true });
  await gantry.api('POST', '/targets', { name: 'lb', labels: { role: 'lb' }, local: { root: join(base, 'targets', 'lb') } });

  const selected = flags.strategies.map((name) => STRATEGIES.find((s) => s.name === name));
  const stacks = {};
  for (let round = 1; round <= flags.repeat; round++) {
    for (const entry of selected) {
      // A stack is set up (and its first release deployed, with no load) when a strategy first needs it.
      stacks[entry.stack] ??= await setUpStack(entry.stack, { gantry, targets, roots, flags, strategy: entry.strategy });
      const stack = stacks[entry.stack];
      const previous = `${stack.version}.0.0`;
      const version = `${++stack.version}.0.0`;
      log(`${entry.name}${flags.repeat > 1 ? ` (run ${round} of ${flags.repeat})` : ''}: ${previous} → ${version} under ${flags.rate} req/s (warm-up ${WARMUP_MS / 1000} s, before ${flags.beforeS} s, during = the deployment, after ${flags.afterS} s)`);
      const { result, report } = await measureStrategy({ entry, stack, version, previous, flags, gantry });
      result.run = round;
      results.push(result);
      console.log(formatReport(report).replace(/^/gm, '    '));
      const { before, during } = result.phases;
      console.log(
        `    floor (before, no deployment): p50 ${ms(before.latencyMs.p50)} ms, p99 ${ms(before.latencyMs.p99)} ms; during: p50 ${ms(during.latencyMs.p50)} ms, p99 ${ms(during.latencyMs.p99)} ms → p99 ratio ${result.p99Ratio.toFixed(2)}; ` +
          `deployment ${result.deployment.state} in ${(result.deployment.wallMs / 1000).toFixed(2)} s, ${result.nginxReloads} nginx reloads; after: ${result.afterReleases.join(', ')}`,
      );
      const cpu = (c) => `${c.machineCores} / ${c.benchmarkCores} / ${c.interruptCores} / ${c.outsideCores}`;
      if (result.failed > 0) {
        const near = result.failedRequests.map((f) => f.msSinceReload).filter((x) => x !== null);
        console.log(`    ${result.failed} failed (${Object.entries(result.failures).map(([why, g]) => `${why} ×${g.count}`).join(', ')}), sent at ${[...new Set(result.failedRequests.map((f) => f.sentAtMs))].slice(0, 5).join(', ')}${result.failedRequests.length > 5 ? ', …' : ''} ms; ms after the last nginx reload asked for: ${near.length ? `${Math.min(...near)}…${Math.max(...near)}` : 'none before them'}`);
      }
      console.log(`    CPU in cores of ${nproc} (machine / this benchmark's processes / interrupts / other processes): before ${cpu(before.cpu)}, during ${cpu(during.cpu)}`);
    }
  }

  // ---------- summary ----------
  const loadAtEnd = loadavg();
  const rowOf = (r) => ({
    strategy: r.strategy,
    run: r.run,
    sent: r.sent,
    failed: r.failed,
    p50Before: r.phases.before.latencyMs.p50,
    p99Before: r.phases.before.latencyMs.p99,
    p50During: r.phases.during.latencyMs.p50,
    p99During: r.phases.during.latencyMs.p99,
    p99Ratio: r.p99Ratio,
    deployS: r.deployment.wallMs / 1000,
    outsideCoresBefore: r.phases.before.cpu.outsideCores,
    outsideCoresDuring: r.phases.during.cpu.outsideCores,
    afterAllNew: r.afterAllNew,
    after: r.afterAllNew ? `yes (${r.to})` : `NO: ${r.afterReleases.join(', ')}`,
  });
  const rows = results.map(rowOf);
  // With --repeat: per strategy, the counts summed and the medians of the per-run figures.
  const medians = flags.repeat === 1 ? [] : selected.map(({ name }) => {
    const mine = rows.filter((r) => r.strategy === name);
    const med = (key) => median(mine.map((r) => r[key]));
    return { strategy: name, run: 'median', sent: mine.reduce((a, r) => a + r.sent, 0), failed: mine.reduce((a, r) => a + r.failed, 0), p50Before: med('p50Before'), p99Before: med('p99Before'), p50During: med('p50During'), p99During: med('p99During'), p99Ratio: med('p99Ratio'), deployS: med('deployS'), outsideCoresBefore: med('outsideCoresBefore'), outsideCoresDuring: med('outsideCoresDuring'), afterAllNew: mine.every((r) => r.afterAllNew), after: mine.every((r) => r.afterAllNew) ? 'yes (every run)' : 'NO' };
  });
  console.log(`\n${flags.rate} req/s through nginx to ${flags.targets} targets, a fresh connection per request; latencies in ms; "other CPU": cores busy in processes other than this benchmark's; load average at start ${loadAtStart[0].toFixed(2)}, at end ${loadAtEnd[0].toFixed(2)}`);
  console.log('strategy  | run    | sent   | failed | p50 before | p99 before | p50 during | p99 during | p99 during/before | deploy s | other CPU before/during | after: new release only');
  console.log('----------|--------|--------|--------|------------|------------|------------|------------|-------------------|----------|-------------------------|------------------------');
  for (const r of [...rows, ...medians]) {
    console.log(
      `${r.strategy.padEnd(9)} | ${String(r.run).padEnd(6)} | ${String(r.sent).padStart(6)} | ${String(r.failed).padStart(6)} | ${ms(r.p50Before).padStart(10)} | ${ms(r.p99Before).padStart(10)} | ${ms(r.p50During).padStart(10)} | ${ms(r.p99During).padStart(10)} | ${r.p99Ratio.toFixed(2).padStart(17)} | ${r.deployS.toFixed(2).padStart(8)} | ${`${r.outsideCoresBefore?.toFixed(2)} / ${r.outsideCoresDuring?.toFixed(2)}`.padStart(23)} | ${r.after}`,
    );
  }
  const checks = selected.map(({ name }) => {
    const mine = results.filter((r) => r.strategy === name);
    const ratio = median(mine.map((r) => r.p99Ratio));
    return { strategy: name, runs: mine.length, succeeded: mine.every((r) => r.deployment.state === 'succeeded'), noFailures: mine.every((r) => r.failed === 0), p99Ratio: ratio, p99Within2x: ratio <= 2, afterAllNew: mine.every((r) => r.afterAllNew) };
  });
  for (const c of checks) {
    console.log(
      `${c.strategy}: deployment succeeded ${c.succeeded ? 'yes' : 'NO'}; 0 failed requests ${c.noFailures ? 'met' : 'NOT met'}; p99 during within 2× of before${c.runs > 1 ? ' (median)' : ''} ${c.p99Within2x ? 'met' : 'NOT met'} (${c.p99Ratio.toFixed(2)}); every answer after it from the new release ${c.afterAllNew ? 'yes' : 'NO'}`,
    );
  }

  const git = async (...args) => (await run('git', args, { cwd: repo, timeout: 10_000 }).catch(() => ({ stdout: '' }))).stdout.trim();
  const nginxVersion = (await run(NGINX, ['-v']).catch((e) => e)).stderr?.trim() ?? null;
  const out = join(repo, 'bench', 'results', 'zero-downtime.json');
  mkdirSync(dirname(out), { recursive: true });
  const report = {
    benchmark: 'zero-downtime',
    commit: await git('rev-parse', 'HEAD'),
    worktreeDirty: (await git('status', '--porcelain', '--', 'src')) !== '',
    date: new Date().toISOString(),
    machine: { nproc, cpu: cpus()[0]?.model.trim(), memoryGb: +(totalmem() / 1024 ** 3).toFixed(1), node: process.version, nginx: nginxVersion, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd },
    settings: { ...flags, warmupMs: WARMUP_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS, keepAlive: false, nginxWorkerProcesses: 1, timelineBucketMs: BUCKET_MS },
    summary: [...rows, ...medians],
    checks,
    strategies: results,
  };
  writeFileSync(out, `${compactJson(report)}\n`);
  console.log(`results written to ${out}`);
  if (!checks.every((c) => c.succeeded && c.noFailures && c.afterAllNew)) process.exitCode = 1; // the p99 figure is reported, not enforced
} finally {
  await cleanup();
  clearTimeout(overall);
}
