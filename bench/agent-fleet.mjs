#!/usr/bin/env node
// `npm run bench:agent-fleet [-- --sizes 1000,5000 --deploy 1000[,4000,all] --workers 4 --idle 20 --deploy-timeout 300]`
//
// N simulated agents connected to one real `gantry serve`: every agent is the real session
// client (dist/agent/session.js, real Ed25519 keys, real enrolment through the API), many per
// process, spread over K worker processes (bench/agent-fleet-worker.mjs); only the command
// runner is simulated (it answers every command at once with exit code 0, no processes).
// Measures the server's RSS per connected idle agent, its CPU while idle (heartbeats only), and
// the wall time of an allAtOnce deployment of a no-op release to D agents (POST → terminal).
// In the same run it measures floors with a plain `ws` server: RSS per idle connection, and the
// same number of command round trips (one frame out, one reply back, sequential per client,
// all clients at once) as the deployment needed. Writes bench/results/agent-fleet-<date>.json.
// See bench/README.md.
//
// Needs `npm run build` (it runs bin/gantry.js and imports the agent code from dist/) and Linux
// (/proc). No root needed. Everything listens on 127.0.0.1.
import { execFileSync, fork, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, guardRun, median, packRelease, quantile, secs, sleep, stopChild, summariseLog, withTimeout, writeResults } from './measure.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const GANTRY_BIN = join(repo, 'bin', 'gantry.js');
const WORKER = join(repo, 'bench', 'agent-fleet-worker.mjs');
const APP = 'noop';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
/**
 * Node flags for the measured servers (gantry serve and the floor's ws server): SIGUSR2 runs a
 * full garbage collection, so that an RSS reading can be taken with no garbage in the heap.
 * Nothing else changes; nothing sends the signal during the timed parts.
 */
const GC_ON_SIGNAL = ['--expose-gc', '--import', 'data:text/javascript,process.on("SIGUSR2",()=>globalThis.gc())'];
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled']);
const POLL_MS = 50;
const TIMEOUTS = {
  serverStartMs: 30_000,
  enrolMs: 15 * 60_000,
  connectMs: 10 * 60_000,
  /** --deploy-timeout; past it the deployment is reported as timed out (with where its tasks are) and cancelled. */
  deployMs: 5 * 60_000,
  floorMs: 5 * 60_000,
  requestMs: 60_000,
  /** The whole run; past it everything started is killed and the run fails. */
  overallMs: 2 * 3_600_000,
};

// ---------- flags ----------
function parseFlags(argv) {
  const flags = { sizes: [1000, 5000], deploy: ['1000'], workers: 4, idleS: 20, heartbeatMs: 10_000, connectConcurrency: 25, enrolBatch: 50, floorRepeat: 3, cpuProf: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--sizes') flags.sizes = value().split(',').map((s) => Number(s.trim()));
    else if (arg === '--deploy') flags.deploy = value().split(',').map((s) => s.trim());
    else if (arg === '--workers') flags.workers = Number(value());
    else if (arg === '--idle') flags.idleS = Number(value());
    else if (arg === '--heartbeat-ms') flags.heartbeatMs = Number(value());
    else if (arg === '--connect-concurrency') flags.connectConcurrency = Number(value());
    else if (arg === '--enrol-batch') flags.enrolBatch = Number(value());
    else if (arg === '--floor-repeat') flags.floorRepeat = Number(value());
    else if (arg === '--cpu-prof') flags.cpuProf = value();
    else if (arg === '--deploy-timeout') TIMEOUTS.deployMs = Number(value()) * 1000;
    else if (arg === '--keep') flags.keep = true;
    else throw new Error(`unknown flag ${arg} (see bench/README.md: --sizes --deploy --workers --idle --heartbeat-ms --connect-concurrency --enrol-batch --floor-repeat --deploy-timeout S --cpu-prof DIR --keep)`);
  }
  const whole = (n, min, max) => Number.isInteger(n) && n >= min && n <= max;
  if (!flags.sizes.length || !flags.sizes.every((n) => whole(n, 1, 20_000))) throw new Error('--sizes: whole numbers 1..20000');
  if (!flags.deploy.every((d) => d === 'all' || d === '0' || whole(Number(d), 1, 20_000))) throw new Error('--deploy: a list of agent counts, "all" or 0 (none)');
  flags.deploy = flags.deploy.filter((d) => d !== '0');
  if (!whole(flags.workers, 1, 64)) throw new Error('--workers: 1..64');
  if (!whole(flags.idleS, 1, 600)) throw new Error('--idle: 1..600 seconds');
  if (!whole(flags.heartbeatMs, 100, 3_600_000)) throw new Error('--heartbeat-ms: 100..3600000');
  if (!whole(flags.connectConcurrency, 1, 1000) || !whole(flags.enrolBatch, 1, 1000) || !whole(flags.floorRepeat, 1, 20)) throw new Error('--connect-concurrency, --enrol-batch: 1..1000; --floor-repeat: 1..20');
  return flags;
}

// ---------- small helpers ----------
const sum = (values) => values.reduce((a, b) => a + b, 0);
const mb = (kb) => (kb / 1024).toFixed(1);
const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);


/** VmRSS and VmHWM of a process, in kB. */
function memoryKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM'), anon: field('RssAnon'), file: field('RssFile') };
}

/** user+system CPU seconds of a process so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return (fields[11] + fields[12]) / CLK_TCK;
}

/**
 * RSS after a full garbage collection (SIGUSR2, see GC_ON_SIGNAL), in kB: the lowest reading
 * over the 12 s after it. V8 gives the freed pages back to the OS only when its memory reducer
 * runs, about 8 s after a GC on an idle heap; before that RSS still counts them.
 */
async function rssAfterGcKb(pid) {
  process.kill(pid, 'SIGUSR2');
  const readings = [];
  for (let s = 0; s < 12; s++) {
    await sleep(1000);
    readings.push(memoryKb(pid));
  }
  const lowest = readings.reduce((a, b) => (b.rss < a.rss ? b : a));
  return lowest;
}

/**
 * Watches a process for `seconds`: its CPU over the window (in % of one core) and its RSS once a
 * second (median and max), plus the CPU of the other processes given; then, outside the window,
 * its RSS after a full GC.
 */
async function idleWindow(pid, seconds, others = []) {
  const cpu0 = cpuSeconds(pid);
  const others0 = others.map(cpuSeconds);
  const started = performance.now();
  const rss = [];
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    rss.push(memoryKb(pid).rss);
  }
  const elapsedS = (performance.now() - started) / 1000;
  const cpuS = cpuSeconds(pid) - cpu0;
  const othersCpuS = sum(others.map((other, i) => cpuSeconds(other) - others0[i]));
  const afterGc = await rssAfterGcKb(pid);
  return { rssAfterGcKb: afterGc.rss, rssAnonAfterGcKb: afterGc.anon, rssFileAfterGcKb: afterGc.file, seconds: +elapsedS.toFixed(2), cpuS: +cpuS.toFixed(2), cpuPercent: +((cpuS / elapsedS) * 100).toFixed(2), rssMedianKb: median(rss), rssMaxKb: Math.max(...rss), othersCpuPercent: +((othersCpuS / elapsedS) * 100).toFixed(2) };
}

// ---------- processes this benchmark started (and only these are stopped) ----------
const children = new Set();

function killAllNow() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A forked worker (bench/agent-fleet-worker.mjs) and a request/reply call over IPC. */
async function forkWorker(role) {
  const child = fork(WORKER, [role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, BENCH_CLK_TCK: String(CLK_TCK) }, execArgv: role === 'floor-server' ? GC_ON_SIGNAL : [] });
  children.add(child);
  const pending = new Map();
  let seq = 0;
  child.on('message', (message) => {
    const waiter = pending.get(message.seq);
    if (!waiter) return;
    pending.delete(message.seq);
    if (message.error) waiter.reject(new Error(`${role} worker ${child.pid}: ${message.error}`));
    else waiter.resolve(message.ok);
  });
  child.on('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${role} worker ${child.pid} exited (${code ?? signal})`));
    pending.clear();
  });
  const ready = new Promise((resolve, reject) => pending.set(0, { resolve, reject }));
  const request = (type, body = {}, timeoutMs = TIMEOUTS.requestMs) => {
    const id = ++seq;
    const reply = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    child.send({ type, seq: id, ...body });
    return withTimeout(reply, timeoutMs, `${role} worker ${child.pid}: ${type}`);
  };
  await withTimeout(ready, 30_000, `starting the ${role} worker`);
  return {
    child,
    pid: child.pid,
    request,
    async exit() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send({ type: 'exit' });
        await withTimeout(exited, 10_000, 'worker exit').catch(() => child.kill('SIGKILL'));
      }
      children.delete(child);
    },
  };
}

// ---------- gantry serve ----------
async function startGantry(base, flags, tag) {
  const dataDir = join(base, `data-${tag}`);
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const logPath = join(base, `server-${tag}.log`);
  const out = openSync(logPath, 'a');
  const nodeArgs = flags.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${flags.cpuProf}`, `--cpu-prof-name=gantry-serve-${tag}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...GC_ON_SIGNAL, ...nodeArgs, GANTRY_BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, GANTRY_LOG_LEVEL: 'warn', GANTRY_AGENT_HEARTBEAT_MS: String(flags.heartbeatMs) },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUTS.serverStartMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gantry serve exited with ${child.exitCode}; see ${logPath}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`gantry serve did not answer within ${TIMEOUTS.serverStartMs / 1000} s`);
    await sleep(100);
  }
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const api = async (method, path, body, headers = {}, { auth = true } = {}) => {
    const isJson = body !== undefined && !Buffer.isBuffer(body);
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(isJson ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body === undefined ? {} : { body: isJson ? JSON.stringify(body) : body }),
      signal: AbortSignal.timeout(TIMEOUTS.requestMs),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { child, pid: child.pid, url, api, logPath, stop: async () => { await stopChild(child, 10_000); children.delete(child); } };
}

// ---------- the fleet ----------
/** Labels that let an environment select the first D agents: `d<D>: in`. */
const subsetLabel = (d) => `d${d}`;

async function enrolFleet(server, n, deploySubsets, batch) {
  const { generateAgentKey } = await import(pathToFileURL(join(repo, 'dist', 'agent', 'identity.js')).href);
  const agents = [];
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async (_, k) => {
        const index = i + k;
        const name = `fleet-${String(index).padStart(5, '0')}`;
        const key = generateAgentKey();
        const { token } = await server.api('POST', '/agent-tokens', { labels: { fleet: 'bench' } });
        const labels = Object.fromEntries(deploySubsets.filter((d) => index < d).map((d) => [subsetLabel(d), 'in']));
        await server.api('POST', '/agents/enrol', { token, name, publicKey: key.publicKey, root: `/tmp/gantry-fleet/${name}`, labels }, {}, { auth: false });
        agents[index] = { name, pem: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
      }),
    );
  }
  return agents;
}

async function onlineCount(server) {
  const { targets } = await server.api('GET', '/targets');
  return targets.filter((target) => target.online === true).length;
}

async function workerStats(workers) {
  const all = await Promise.all(workers.map((worker) => worker.request('stats')));
  const counters = {};
  for (const stats of all) for (const [key, value] of Object.entries(stats.counters)) counters[key] = (counters[key] ?? 0) + value;
  return { counters, live: sum(all.map((s) => s.live)), rssKb: sum(all.map((s) => s.rssKb)), refusals: all.flatMap((s) => s.refusals), logSample: all.flatMap((s) => s.logSample) };
}

const diffCounters = (after, before) => Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));


// ---------- the deployment ----------

async function allEvents(server, id) {
  const events = [];
  for (let after = 0, page = 0; page < 1000; page++) {
    const batch = (await server.api('GET', `/deployments/${id}/events?after=${after}`)).events;
    if (batch.length === 0) break;
    events.push(...batch);
    after = batch.at(-1).seq;
  }
  return events;
}

/** The deployment's own timeline, from its events (server clock, ms resolution). */
function timelineOf(deployment, events) {
  const t = (iso) => Date.parse(iso);
  const createdAt = t(deployment.createdAt);
  const planned = events.find((event) => event.type === 'deployment:planned');
  const taskStarts = events.filter((event) => event.type === 'task:started').map((event) => t(event.at));
  const taskEnds = events.filter((event) => ['task:succeeded', 'task:failed', 'task:skipped', 'task:cancelled'].includes(event.type)).map((event) => t(event.at));
  const open = new Map();
  const steps = new Map();
  for (const event of events) {
    if (event.type === 'task:step-started') open.set(`${event.target}/${event.data.step}`, t(event.at));
    else if (event.type === 'task:step-succeeded') {
      const begin = open.get(`${event.target}/${event.data.step}`);
      if (begin === undefined) continue;
      const entry = steps.get(event.data.step) ?? { durations: [], lastEnd: 0 };
      entry.durations.push(t(event.at) - begin);
      entry.lastEnd = Math.max(entry.lastEnd, t(event.at));
      steps.set(event.data.step, entry);
    }
  }
  const firstTaskStart = taskStarts.length ? Math.min(...taskStarts) : null;
  const lastTaskEnd = taskEnds.length ? Math.max(...taskEnds) : null;
  return {
    events: events.length,
    queuedToPlannedMs: planned ? t(planned.at) - createdAt : null,
    queuedToFirstTaskMs: firstTaskStart === null ? null : firstTaskStart - createdAt,
    firstTaskStartToLastTaskEndMs: firstTaskStart === null || lastTaskEnd === null ? null : lastTaskEnd - firstTaskStart,
    lastTaskEndToFinishedMs: deployment.finishedAt && lastTaskEnd !== null ? t(deployment.finishedAt) - lastTaskEnd : null,
    queuedToFinishedMs: deployment.finishedAt ? t(deployment.finishedAt) - createdAt : null,
    steps: Object.fromEntries(
      [...steps].map(([step, entry]) => [step, { medianMs: median(entry.durations), p90Ms: quantile(entry.durations, 0.9), maxMs: Math.max(...entry.durations), lastEndMs: entry.lastEnd - createdAt }]),
    ),
  };
}

async function deployRun({ server, workers, environment, version, targets }) {
  const statsBefore = await workerStats(workers);
  const cpu0 = cpuSeconds(server.pid);
  const workersCpu0 = sum(workers.map((w) => cpuSeconds(w.pid)));
  // CLOCK_MONOTONIC in µs, the clock of V8's CPU profiles: with --cpu-prof, the samples of the timed window.
  const monotonicStartUs = Number(process.hrtime.bigint() / 1000n);
  const started = performance.now();
  const queued = await server.api('POST', '/deployments', { app: APP, version, environment });
  const id = queued.deployment.id;
  let deployment;
  let timedOut = false;
  for (;;) {
    [deployment] = (await server.api('GET', `/deployments?app=${APP}&limit=1`)).deployments;
    if (deployment?.id === id && TERMINAL.has(deployment.state)) break;
    if (performance.now() - started > TIMEOUTS.deployMs) {
      timedOut = true;
      break;
    }
    await sleep(POLL_MS);
  }
  const wallMs = performance.now() - started;
  const monotonicEndUs = Number(process.hrtime.bigint() / 1000n);
  if (timedOut) {
    // Where it is stuck: task states and steps, the runners' frame counts, the server log; then cancel it.
    const detail = await server.api('GET', `/deployments/${id}`);
    const where = {};
    for (const task of detail.tasks) {
      const key = `${task.state}/${task.step ?? '-'}/${task.stepDone ? 'done' : 'open'}/attempt ${task.attempt}`;
      where[key] = (where[key] ?? 0) + 1;
    }
    const stats = await workerStats(workers);
    const events = await allEvents(server, id);
    const eventTypes = {};
    for (const event of events) eventTypes[event.type] = (eventTypes[event.type] ?? 0) + 1;
    const serverLog = summariseLog(server.logPath);
    await server.api('POST', `/deployments/${id}/cancel`).catch((error) => log(`cancel failed: ${error.message}`));
    return {
      id, environment, targets, tasks: detail.tasks.length, state: 'timed out', stateWhenTimedOut: deployment.state, succeeded: false, timedOut: true, wallMs: Math.round(wallMs),
      serverCpuS: +(cpuSeconds(server.pid) - cpu0).toFixed(2), serverPeakRssKb: memoryKb(server.pid).hwm,
      frames: diffCounters(stats.counters, statsBefore.counters), tasksWhere: where, eventTypes, refusals: stats.refusals.slice(0, 5), lastEvents: events.slice(-10), serverLog,
    };
  }
  const serverCpuS = cpuSeconds(server.pid) - cpu0;
  const workersCpuS = sum(workers.map((w) => cpuSeconds(w.pid))) - workersCpu0;
  const memory = memoryKb(server.pid);
  await sleep(500); // the last acks reach the runners
  const statsAfter = await workerStats(workers);
  const frames = diffCounters(statsAfter.counters, statsBefore.counters);
  const detail = await server.api('GET', `/deployments/${id}`);
  const taskStates = {};
  for (const task of detail.tasks) taskStates[task.state] = (taskStates[task.state] ?? 0) + 1;
  const failures = detail.tasks.filter((task) => task.error).slice(0, 5).map((task) => ({ target: task.target, step: task.step, error: task.error }));
  const events = await allEvents(server, id);
  return {
    id,
    environment,
    targets,
    tasks: detail.tasks.length,
    state: deployment.state,
    reason: deployment.reason,
    succeeded: deployment.state === 'succeeded' && taskStates.succeeded === targets,
    taskStates,
    failures,
    wallMs: Math.round(wallMs),
    monotonicUs: [monotonicStartUs, monotonicEndUs],
    serverCpuS: +serverCpuS.toFixed(2),
    workersCpuS: +workersCpuS.toFixed(2),
    serverRssAfterKb: memory.rss,
    serverPeakRssKb: memory.hwm,
    frames,
    commandsPerTarget: +(frames.run / targets).toFixed(2),
    meanRunFrameBytes: frames.run ? Math.round(frames.runBytes / frames.run) : 0,
    refusals: statsAfter.refusals.slice(0, 5),
    timeline: timelineOf(deployment, events),
  };
}

// ---------- one size ----------
async function runSize({ n, flags, base, release }) {
  const row = { n, workers: flags.workers, agentsPerWorker: Math.ceil(n / flags.workers) };
  const deploySubsets = [...new Set(flags.deploy.map((d) => (d === 'all' ? n : Math.min(n, Number(d)))))];
  const workers = await Promise.all(Array.from({ length: flags.workers }, () => forkWorker('agents')));
  let server;
  try {
    // ----- gantry: start, enrol, baseline -----
    server = await startGantry(base, flags, `n${n}`);
    await sleep(2000);
    row.serverFreshRssKb = memoryKb(server.pid).rss;
    let t = performance.now();
    const agents = await withTimeout(enrolFleet(server, n, deploySubsets.filter((d) => d < n), flags.enrolBatch), TIMEOUTS.enrolMs, `enrolling ${n} agents`);
    row.enrolMs = Math.round(performance.now() - t);
    log(`N=${n}: enrolled ${n} agents in ${secs(row.enrolMs)} s (token + enrol, ${flags.enrolBatch} at a time)`);
    await sleep(3000);
    const workerPids = workers.map((w) => w.pid);
    row.idleNoAgents = await idleWindow(server.pid, flags.idleS, workerPids);
    row.workersRssBeforeKb = (await workerStats(workers)).rssKb;
    log(`N=${n}: no agent connected: server RSS ${mb(row.idleNoAgents.rssMedianKb)} MB (median over ${flags.idleS} s; ${mb(row.idleNoAgents.rssAfterGcKb)} MB after a full GC), CPU ${row.idleNoAgents.cpuPercent} %`);

    // ----- connect the fleet -----
    t = performance.now();
    const shares = workers.map((_, w) => agents.filter((__, i) => i % flags.workers === w));
    const url = await agentUrl(server.url);
    const connecting = Promise.all(workers.map((worker, w) => worker.request('connect', { url, agents: shares[w], concurrency: flags.connectConcurrency }, TIMEOUTS.connectMs)));
    const welcomed = await withTimeout(connecting, TIMEOUTS.connectMs, `connecting ${n} agents`);
    row.connectMs = Math.round(performance.now() - t);
    const deadline = Date.now() + 60_000;
    let online;
    while ((online = await onlineCount(server)) < n) {
      if (Date.now() > deadline) throw new Error(`only ${online} of ${n} agents online a minute after all were welcomed`);
      await sleep(1000);
    }
    log(`N=${n}: ${sum(welcomed.map((w) => w.welcomed))} agents welcomed in ${secs(row.connectMs)} s (${flags.connectConcurrency} handshakes in flight per worker), ${online} online per GET /targets`);

    // ----- idle: heartbeats only -----
    await sleep(5000); // the facts of the last agents are recorded
    const before = await workerStats(workers);
    row.idleConnected = await idleWindow(server.pid, flags.idleS, workerPids);
    const after = await workerStats(workers);
    row.idleConnected.liveSessions = after.live;
    row.idleConnected.reconnectsDuringWindow = after.counters.welcomes - before.counters.welcomes;
    row.workersRssKb = after.rssKb;
    row.disconnectsSoFar = after.counters.disconnects;
    // Per agent: the RSS after a full GC with N connected minus the same with none (after the
    // enrolment, so the N target rows are in both); and the same from the plain VmRSS medians.
    row.rssPerAgentKb = +((row.idleConnected.rssAfterGcKb - row.idleNoAgents.rssAfterGcKb) / n).toFixed(1);
    row.rssPerAgentNoGcKb = +((row.idleConnected.rssMedianKb - row.idleNoAgents.rssMedianKb) / n).toFixed(1);
    row.workersRssPerAgentKb = +((after.rssKb - row.workersRssBeforeKb) / n).toFixed(1);
    log(
      `N=${n}: ${after.live} connected, idle: server RSS ${mb(row.idleConnected.rssMedianKb)} MB (max ${mb(row.idleConnected.rssMaxKb)}; ${mb(row.idleConnected.rssAfterGcKb)} MB after a full GC): ` +
        `${row.rssPerAgentKb} KB per agent after GC, ${row.rssPerAgentNoGcKb} KB from the plain medians; CPU ${row.idleConnected.cpuPercent} % of a core (workers ${row.idleConnected.othersCpuPercent} %); ` +
        `workers' RSS ${mb(row.workersRssKb)} MB (+${row.workersRssPerAgentKb} KB per simulated agent); ${row.idleConnected.reconnectsDuringWindow} reconnects in the window`,
    );

    // ----- deployments -----
    row.deployments = [];
    if (deploySubsets.length) {
      const environments = deploySubsets.map((d) => (d === n ? `  - { name: all, targets: { fleet: bench } }` : `  - { name: first${d}, targets: { fleet: bench, ${subsetLabel(d)}: "in" } }`));
      const manifest = [`app: ${APP}`, 'environments:', ...environments, 'strategy: { type: allAtOnce }', ''].join('\n');
      await server.api('POST', '/applications', { manifest });
      for (const [k, d] of deploySubsets.entries()) {
        const version = `1.${k}`;
        await server.api('POST', `/applications/${APP}/releases/${version}`, release, { 'content-type': 'application/gzip' });
        await sleep(2000);
        const result = await deployRun({ server, workers, environment: d === n ? 'all' : `first${d}`, version, targets: d });
        row.deployments.push(result);
        if (result.timedOut) {
          log(`N=${n}: deployment to ${d} agents: NOT terminal after ${secs(result.wallMs)} s (cancelled): tasks ${JSON.stringify(result.tasksWhere)}; events ${JSON.stringify(result.eventTypes)}; runner frames ${JSON.stringify(result.frames)}`);
          log(`    refusals ${JSON.stringify(result.refusals)}; server log (warnings and errors, counted):\n      ${result.serverLog.join('\n      ')}`);
          await sleep(5000);
          continue;
        }
        const tl = result.timeline;
        log(
          `N=${n}: deployment to ${d} agents: ${result.state} in ${secs(result.wallMs)} s (${JSON.stringify(result.taskStates)}); ${result.frames.run} run frames (${result.commandsPerTarget} per target), ` +
            `${result.frames.results} results, ${result.frames.refused} refused; server CPU ${result.serverCpuS} s, workers CPU ${result.workersCpuS} s, server peak RSS ${mb(result.serverPeakRssKb)} MB`,
        );
        log(
          `    timeline: queued→planned ${tl.queuedToPlannedMs} ms, queued→first task ${tl.queuedToFirstTaskMs} ms, first task start→last task end ${tl.firstTaskStartToLastTaskEndMs} ms, ` +
            `last task→finished ${tl.lastTaskEndToFinishedMs} ms; steps: ${Object.entries(tl.steps).map(([s, v]) => `${s} median ${v.medianMs} / max ${v.maxMs} ms (last done +${v.lastEndMs})`).join('; ')}`,
        );
        if (!result.succeeded) log(`    FAILED: ${result.reason}; ${JSON.stringify(result.failures)}`);
      }
    }
    const final = await workerStats(workers);
    row.sessionLog = { disconnects: final.counters.disconnects, notWelcomed: final.counters.notWelcomed, sample: final.logSample.slice(0, 5) };
    await Promise.all(workers.map((worker) => worker.request('disconnect', {}, 60_000)));
    await server.stop();
    server = undefined;

    // ----- floors: a plain ws server, the same clients' processes -----
    row.floor = await withTimeout(floorRun({ n, flags, workers, deployments: row.deployments }), TIMEOUTS.floorMs, 'the floor');
    for (const deployment of row.deployments) {
      const floor = row.floor.roundTrips.find((f) => f.targets === deployment.targets);
      deployment.floorMs = floor ? Math.round(floor.medianMs) : null;
      deployment.ratio = floor ? +(deployment.wallMs / floor.medianMs).toFixed(1) : null;
    }
    return row;
  } finally {
    if (server) await server.stop();
    await Promise.all(workers.map((worker) => worker.exit()));
  }
}

async function agentUrl(serverUrl) {
  const { agentSocketUrl } = await import(pathToFileURL(join(repo, 'dist', 'agent', 'server-url.js')).href);
  return agentSocketUrl(serverUrl);
}

async function floorRun({ n, flags, workers, deployments }) {
  const floorServer = await forkWorker('floor-server');
  try {
    const { port } = await floorServer.request('address');
    await sleep(2000);
    const baseline = await idleWindow(floorServer.pid, 5);
    const shares = workers.map((_, w) => Math.floor(n / flags.workers) + (w < n % flags.workers ? 1 : 0));
    await Promise.all(workers.map((worker, w) => worker.request('floorConnect', { url: `ws://127.0.0.1:${port}/`, count: shares[w], concurrency: flags.connectConcurrency }, TIMEOUTS.connectMs)));
    const { connections } = await floorServer.request('count');
    if (connections !== n) throw new Error(`floor: ${connections} connections, ${n} expected`);
    await sleep(3000);
    const connected = await idleWindow(floorServer.pid, 5);
    const rssPerConnectionKb = +((connected.rssAfterGcKb - baseline.rssAfterGcKb) / n).toFixed(1);
    const rssPerConnectionNoGcKb = +((connected.rssMedianKb - baseline.rssMedianKb) / n).toFixed(1);
    log(`N=${n}: floor (plain ws server): RSS after a full GC ${mb(baseline.rssAfterGcKb)} MB idle → ${mb(connected.rssAfterGcKb)} MB with ${n} idle connections: ${rssPerConnectionKb} KB per connection (${rssPerConnectionNoGcKb} KB from the plain medians); CPU idle ${connected.cpuPercent} %`);
    const roundTrips = [];
    for (const deployment of deployments.filter((d) => d.succeeded)) {
      const perClient = Math.max(1, Math.round(deployment.frames.run / deployment.targets));
      const runs = [];
      for (let r = 0; r < flags.floorRepeat; r++) {
        const result = await floorServer.request('roundTrips', { clients: deployment.targets, perClient, frameBytes: deployment.meanRunFrameBytes }, TIMEOUTS.floorMs);
        runs.push(result.ms);
      }
      roundTrips.push({ targets: deployment.targets, perClient, frames: deployment.targets * perClient, frameBytes: deployment.meanRunFrameBytes, runsMs: runs.map((ms) => Math.round(ms)), medianMs: median(runs) });
      log(`N=${n}: floor round trips: ${deployment.targets} clients × ${perClient} sequential (${deployment.meanRunFrameBytes}-byte frames): ${runs.map((ms) => secs(ms)).join(', ')} s; median ${secs(median(runs))} s`);
    }
    await Promise.all(workers.map((worker) => worker.request('floorDisconnect', {}, 60_000)));
    return { baseline, connected, rssPerConnectionKb, rssPerConnectionNoGcKb, cpuPercentIdle: connected.cpuPercent, roundTrips };
  } finally {
    await floorServer.exit();
  }
}

// ---------- main ----------
const flags = parseFlags(process.argv.slice(2));
if (!existsSync(join(repo, 'dist', 'agent', 'session.js'))) throw new Error('dist/ is missing: run `npm run build` first (or `npm run bench:agent-fleet`)');
const sessionSource = readFileSync(join(repo, 'dist', 'agent', 'session.js'), 'utf8');
if (!sessionSource.includes('options.runner')) throw new Error('dist/agent/session.js has no `runner` option: rebuild (npm run build) with a session that attaches a CommandRunner');
if (flags.cpuProf) mkdirSync(flags.cpuProf, { recursive: true });

const base = mkdtempSync(join(tmpdir(), 'gantry-bench-fleet-'));
const overall = guardRun({
  overallMs: TIMEOUTS.overallMs,
  cleanUp: killAllNow,
  message: `agent-fleet: over the overall limit of ${TIMEOUTS.overallMs / 60_000} min; stopping everything`,
});

const rows = [];
try {
  const nproc = availableParallelism();
  const loadAtStart = loadavg();
  const nofile = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  log(`agent-fleet: sizes ${flags.sizes.join(',')}, deploy ${flags.deploy.join(',') || 'none'}, ${flags.workers} workers, idle window ${flags.idleS} s, agent heartbeat ${flags.heartbeatMs} ms; nproc ${nproc} (${cpus()[0]?.model.trim()}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, ulimit -n ${nofile}`);
  if (Number.isFinite(nofile) && nofile < Math.max(...flags.sizes) + 1000) throw new Error(`ulimit -n is ${nofile}: too low for ${Math.max(...flags.sizes)} connections; raise it (ulimit -n 65536)`);
  const release = await packRelease(repo, base, 'agent-fleet');
  for (const n of flags.sizes) rows.push(await runSize({ n, flags, base, release }));

  // ----- report -----
  const loadAtEnd = loadavg();
  console.log(`\nnproc ${nproc}; heartbeat every ${flags.heartbeatMs / 1000} s; RSS = VmRSS after a full GC at the end of the ${flags.idleS} s idle window (KB/agent from the plain VmRSS medians in brackets); CPU = % of one core over that window; load average at start ${loadAtStart[0].toFixed(2)}, at end ${loadAtEnd[0].toFixed(2)}`);
  console.log('     N | per worker | server RSS MB: no agents → N idle | KB/agent         | floor KB/conn | CPU % idle: no agents → N | connect s');
  console.log('-------|------------|-----------------------------------|------------------|---------------|---------------------------|----------');
  for (const row of rows) {
    console.log(
      `${String(row.n).padStart(6)} | ${String(row.agentsPerWorker).padStart(10)} | ${`${mb(row.idleNoAgents.rssAfterGcKb)} → ${mb(row.idleConnected.rssAfterGcKb)}`.padStart(33)} | ${`${row.rssPerAgentKb.toFixed(1)} (${row.rssPerAgentNoGcKb.toFixed(1)})`.padStart(16)} | ${row.floor.rssPerConnectionKb.toFixed(1).padStart(13)} |` +
        ` ${`${row.idleNoAgents.cpuPercent.toFixed(1)} → ${row.idleConnected.cpuPercent.toFixed(1)}`.padStart(25)} | ${secs(row.connectMs).padStart(8)}`,
    );
  }
  const deployRows = rows.flatMap((row) => row.deployments.map((d) => ({ n: row.n, ...d })));
  if (deployRows.length) {
    console.log('\n     N | deployed to | state     | wall s | first task→last task s | run frames | floor s | ratio | server CPU s | peak RSS MB');
    console.log('-------|-------------|-----------|--------|------------------------|------------|---------|-------|--------------|------------');
    for (const d of deployRows) {
      console.log(
        `${String(d.n).padStart(6)} | ${String(d.targets).padStart(11)} | ${d.state.padEnd(9)} | ${secs(d.wallMs).padStart(6)} | ${(d.timeline?.firstTaskStartToLastTaskEndMs == null ? '—' : secs(d.timeline.firstTaskStartToLastTaskEndMs)).padStart(22)} |` +
          ` ${String(d.frames.run).padStart(10)} | ${(d.floorMs == null ? '—' : secs(d.floorMs)).padStart(7)} | ${(d.ratio == null ? '—' : d.ratio.toFixed(1)).padStart(5)} | ${d.serverCpuS.toFixed(1).padStart(12)} | ${mb(d.serverPeakRssKb).padStart(11)}`,
      );
    }
  }
  const goals = [];
  for (const row of rows) goals.push(`N=${row.n}: ${row.rssPerAgentKb} KB per idle agent (goal < 100) → ${row.rssPerAgentKb < 100 ? 'met' : 'NOT met'}`);
  for (const d of deployRows.filter((d) => d.targets === 1000)) goals.push(`N=${d.n}: deployment to 1,000 agents ${secs(d.wallMs)} s (goal < 10 s) → ${d.succeeded && d.wallMs < 10_000 ? 'met' : 'NOT met'}${d.succeeded ? '' : ` (${d.state})`}`);
  console.log(`\ngoals: ${goals.join('; ')}`);

  const report = {
    machine: { nproc, cpu: cpus()[0]?.model.trim(), memoryGb: +(totalmem() / 1024 ** 3).toFixed(1), node: process.version, clkTck: CLK_TCK, ulimitNofile: nofile, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd },
    flags,
    releaseBytes: release.length,
    goals,
    sizes: rows,
  };
  const out = writeResults(repo, 'agent-fleet', report);
  console.log(`results written to ${out}`);
  if (flags.cpuProf) console.log(`server CPU profiles in ${flags.cpuProf}: ${readdirSync(flags.cpuProf).join(', ')}`);
} finally {
  clearTimeout(overall);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) await stopChild(child, 5000);
  if (!flags.keep) rmSync(base, { recursive: true, force: true });
  else console.log(`kept ${base}`);
}
