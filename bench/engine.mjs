#!/usr/bin/env node
// `npm run bench:engine [-- --window 30 --apps 8 --targets 2 --configs sqlite:1,pg:1,pg:2,pg:3 --failover 3 --keep]`
//
// The engine's throughput on its store (issue 7): no-op deployments, end to end through the API
// of real `gantry serve` processes, on SQLite (one node) and on PostgreSQL (1, 2 and 3 nodes on
// one database), counted over a fixed window: deployments finished per minute and durable state
// transitions (rows appended to the `events` table) per second. In the same run, the floor: the
// raw cost of the store, plain one-row-per-transaction INSERTs of comparable event rows into
// SQLite (better-sqlite3, WAL, synchronous=NORMAL) and PostgreSQL (pg). Then the cost of a
// failover: two PostgreSQL nodes (GANTRY_LEASE_MS=3000, GANTRY_HEARTBEAT_MS=500), the node
// running a deployment is killed with SIGKILL mid-hook, and the time from the kill to the other
// node's `deployment:resumed` event is measured (3 times). Writes bench/results/engine-<date>.json.
// See bench/README.md.
//
// Needs `npm run build` (it runs bin/gantry.js and imports the packer from dist/), Linux (/proc)
// and a PostgreSQL on 127.0.0.1:5432 that trusts user postgres (BENCH_POSTGRES_URL to change);
// a fresh database is created for every configuration and dropped after it. No root needed.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { freePort, guardRun, median, packRelease, sleep, stopChild, summariseLog, withTimeout, writeResults } from './measure.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const GANTRY_BIN = join(repo, 'bin', 'gantry.js');
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENVIRONMENT = 'bench';
const VERSION = '1.0.0';
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled']);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
/** How often the load looks for finished deployments (one GET /deployments for all apps). */
const POLL_MS = 100;
const TIMEOUTS = {
  serverStartMs: 30_000,
  requestMs: 30_000,
  /** Before the window: one deployment per app (it uploads the artifact to the targets). */
  warmupDeployMs: 60_000,
  /** After the window: the deployments still queued or running end (else they are cancelled). */
  drainMs: 30_000,
  failoverStepMs: 30_000,
  /** The whole run; past it everything started is stopped and the run fails. */
  overallMs: 10 * 60_000,
};

// ---------- flags ----------
function parseFlags(argv) {
  const flags = { windowS: 30, warmupS: 3, apps: 8, targets: 2, depth: 3, maxDeploys: 20_000, configs: 'sqlite:1,pg:1,pg:2,pg:3', failover: 3, floorS: 3, floorConnections: 8, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--window') flags.windowS = Number(value());
    else if (arg === '--warmup') flags.warmupS = Number(value());
    else if (arg === '--apps') flags.apps = Number(value());
    else if (arg === '--targets') flags.targets = Number(value());
    else if (arg === '--depth') flags.depth = Number(value());
    else if (arg === '--max-deploys') flags.maxDeploys = Number(value());
    else if (arg === '--configs') flags.configs = value();
    else if (arg === '--failover') flags.failover = Number(value());
    else if (arg === '--floor') flags.floorS = Number(value());
    else if (arg === '--floor-connections') flags.floorConnections = Number(value());
    else if (arg === '--keep') flags.keep = true;
    else throw new Error(`unknown flag ${arg} (see bench/README.md: --window S --warmup S --apps N --targets N --depth N --max-deploys N --configs sqlite:1,pg:1,… --failover K --floor S --floor-connections N --keep)`);
  }
  const whole = (n, min, max) => Number.isInteger(n) && n >= min && n <= max;
  if (!whole(flags.windowS, 1, 300) || !whole(flags.warmupS, 0, 60)) throw new Error('--window: 1..300 s; --warmup: 0..60 s');
  if (!whole(flags.apps, 1, 64) || !whole(flags.targets, 1, 50) || !whole(flags.depth, 1, 20)) throw new Error('--apps: 1..64; --targets: 1..50; --depth: 1..20');
  if (!whole(flags.maxDeploys, 1, 1_000_000) || !whole(flags.failover, 0, 10) || !whole(flags.floorS, 1, 60) || !whole(flags.floorConnections, 1, 64)) throw new Error('--max-deploys: 1..1000000; --failover: 0..10; --floor: 1..60 s; --floor-connections: 1..64');
  flags.configs = flags.configs.split(',').map((text) => {
    const match = /^(sqlite|pg):([1-9])$/.exec(text.trim());
    if (!match || (match[1] === 'sqlite' && match[2] !== '1')) throw new Error(`--configs: ${text} is not sqlite:1 or pg:N (N 1..9)`);
    return { dialect: match[1], nodes: Number(match[2]) };
  });
  return flags;
}

// ---------- small helpers ----------
const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);


/** user+system CPU seconds of a process so far, its own and its reaped children's (0 once it is gone). */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { self: (fields[11] + fields[12]) / CLK_TCK, children: (fields[13] + fields[14]) / CLK_TCK, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) };
  } catch {
    return { self: 0, children: 0, comm: '' };
  }
}

/** CPU seconds of every `postgres` process now running (the server's backends, writers, WAL writer…). */
function postgresCpuSeconds() {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cpu = cpuOf(Number(entry));
    if (cpu.comm === 'postgres') total += cpu.self;
  }
  return total;
}

/**
 * Where the CPU goes: the gantry nodes themselves, the step processes they ran and reaped (the
 * local targets' `sh -c` scripts and their commands), PostgreSQL, and this benchmark (the load).
 */
function cpuSnapshot(nodes) {
  const perNode = nodes.map((node) => cpuOf(node.pid));
  return {
    perNode: perNode.map((cpu) => cpu.self),
    nodes: perNode.reduce((sum, cpu) => sum + cpu.self, 0),
    nodeChildren: perNode.reduce((sum, cpu) => sum + cpu.children, 0),
    postgres: postgresCpuSeconds(),
    bench: cpuOf(process.pid).self,
  };
}

/** The machine's busy and total CPU time so far, in clock ticks (/proc/stat, all cores; a VM's steal time is not busy). */
function machineTicks() {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idle + iowait + steal };
}

/** An event row like the ones the engine writes most: a step of a task, as JSON text. */
function eventRow(i) {
  return {
    deployment_id: `01J${String(i % 10_000).padStart(23, '0')}`,
    target: `a${i % 8}-t${i % 2}`,
    type: 'task:step-succeeded',
    data_json: JSON.stringify({ step: 'activate', attempt: 1 }),
    at: new Date().toISOString(),
  };
}

// ---------- processes and databases this benchmark started (only these are stopped or dropped) ----------
const children = new Set();
const databases = new Set();

function killAllNow() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function adminQuery(text) {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL database; its URL. */
async function createDatabase(tag) {
  const name = `gantry_bench_${tag}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  databases.add(name);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

async function dropDatabase(name) {
  await adminQuery(`drop database if exists ${name} with (force)`);
  databases.delete(name);
}

// ---------- the floor: plain INSERTs, one per transaction ----------
const EVENTS_DDL = {
  sqlite: 'create table events (seq integer primary key autoincrement, deployment_id text not null, target text, type text not null, data_json text not null, at text not null)',
  pg: 'create table events (seq bigserial primary key, deployment_id text not null, target text, type text not null, data_json text not null, at text not null)',
};
const EVENTS_INDEX = 'create index events_deployment_seq on events (deployment_id, seq)';
const INSERT_SQL = {
  sqlite: 'insert into events (deployment_id, target, type, data_json, at) values (?, ?, ?, ?, ?)',
  pg: 'insert into events (deployment_id, target, type, data_json, at) values ($1, $2, $3, $4, $5)',
};

/** better-sqlite3 as Gantry opens it (WAL, synchronous=NORMAL): one INSERT per (autocommit) transaction, for `seconds`. */
function sqliteFloor(dir, seconds, maxRows) {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(EVENTS_DDL.sqlite);
    db.exec(EVENTS_INDEX);
    const insert = db.prepare(INSERT_SQL.sqlite);
    const started = performance.now();
    const until = started + seconds * 1000;
    let rows = 0;
    while (rows < maxRows && (rows % 64 !== 0 || performance.now() < until)) {
      const row = eventRow(rows);
      insert.run(row.deployment_id, row.target, row.type, row.data_json, row.at);
      rows++;
    }
    const elapsedS = (performance.now() - started) / 1000;
    return { rows, seconds: +elapsedS.toFixed(2), perSecond: Math.round(rows / elapsedS) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `connections` pg clients at once, each inserting one row per (autocommit) transaction, for `seconds`. */
async function postgresFloor(url, connections, seconds, maxRows) {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    await clients[0].query('drop table if exists events');
    await clients[0].query(EVENTS_DDL.pg);
    await clients[0].query(EVENTS_INDEX);
    const started = performance.now();
    const until = started + seconds * 1000;
    let rows = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (rows < maxRows && performance.now() < until) {
          const row = eventRow(rows++);
          await client.query({ name: 'insert-event', text: INSERT_SQL.pg, values: [row.deployment_id, row.target, row.type, row.data_json, row.at] });
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    const counted = Number((await clients[0].query('select count(*) as n from events')).rows[0].n);
    return { rows: counted, seconds: +elapsedS.toFixed(2), perSecond: Math.round(counted / elapsedS) };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

/** The floor of a configuration's store, measured just before it (its own file or database, dropped after). */
async function measureFloor(dialect, base, flags) {
  const maxRows = 2_000_000;
  if (dialect === 'sqlite') return { one: sqliteFloor(join(base, `floor-${Date.now()}`), flags.floorS, maxRows), concurrent: null };
  const database = await createDatabase('floor');
  try {
    const one = await postgresFloor(database.url, 1, flags.floorS, maxRows);
    const concurrent = await postgresFloor(database.url, flags.floorConnections, flags.floorS, maxRows);
    return { one, concurrent };
  } finally {
    await dropDatabase(database.name);
  }
}

// ---------- gantry serve ----------
async function startNode({ base, tag, index, env, token }) {
  const dataDir = join(base, `data-${tag}-${index}`);
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const logPath = join(base, `server-${tag}-${index}.log`);
  const out = openSync(logPath, 'a');
  const child = spawn(process.execPath, [GANTRY_BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, GANTRY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUTS.serverStartMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gantry serve exited with ${child.exitCode}; see ${logPath}: ${readFileSync(logPath, 'utf8').slice(-1000)}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`gantry serve did not answer within ${TIMEOUTS.serverStartMs / 1000} s`);
    await sleep(100);
  }
  const tokenFile = join(dataDir, 'admin.token');
  const node = { index, child, pid: child.pid, port, url, dataDir, logPath, token: token ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : null), nodeId: readFileSync(join(dataDir, 'node.id'), 'utf8').trim() };
  node.api = async (method, path, body, headers = {}) => {
    const isJson = body !== undefined && !Buffer.isBuffer(body);
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${node.token}`, ...(isJson ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body === undefined ? {} : { body: isJson ? JSON.stringify(body) : body }),
      signal: AbortSignal.timeout(TIMEOUTS.requestMs),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} on node ${index} → ${response.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
  node.stop = async () => {
    await stopChild(child, 10_000);
    children.delete(child);
  };
  return node;
}

/** The first node alone (on an empty database it migrates and writes admin.token), then the others at once. */
async function startNodes({ base, tag, count, env }) {
  const first = await startNode({ base, tag, index: 0, env });
  if (!first.token) throw new Error(`node 0 of ${tag} wrote no admin.token: the database was not empty`);
  const others = await Promise.all(Array.from({ length: count - 1 }, (_, k) => startNode({ base, tag, index: k + 1, env, token: first.token })));
  return [first, ...others];
}


// ---------- set-up: apps, targets, release ----------

const appName = (a) => `bench${a}`;

function manifestOf(app, hooks = '') {
  return [`app: ${app}`, 'environments:', `  - { name: ${ENVIRONMENT}, targets: { app: ${app} } }`, 'strategy: { type: allAtOnce }', hooks, ''].join('\n');
}

async function setUpApps({ node, base, tag, apps, targets, release, hooks }) {
  for (let a = 0; a < apps; a++) {
    const app = appName(a);
    for (let t = 0; t < targets; t++) {
      const root = join(base, `roots-${tag}`, `a${a}-t${t}`);
      mkdirSync(root, { recursive: true });
      await node.api('POST', '/targets', { name: `${app}-t${t}`, labels: { app }, local: { root } });
    }
    await node.api('POST', '/applications', { manifest: manifestOf(app, hooks) });
    await node.api('POST', `/applications/${app}/releases/${VERSION}`, release, { 'content-type': 'application/gzip' });
  }
}

async function waitTerminal(node, app, ids, timeoutMs) {
  const pending = new Set(ids);
  const states = {};
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    const { deployments } = await node.api('GET', `/deployments?app=${app}&limit=500`);
    for (const d of deployments) if (pending.has(d.id) && TERMINAL.has(d.state)) (pending.delete(d.id), (states[d.state] = (states[d.state] ?? 0) + 1));
    if (pending.size === 0) break;
    if (Date.now() > deadline) return { states, pending: [...pending] };
    await sleep(POLL_MS);
  }
  return { states, pending: [] };
}

// ---------- the store's view: events over a window ----------
async function eventsInWindow(config, context, fromIso, toIso) {
  const query = 'select type, count(*) as n from events where at >= $1 and at < $2 group by type';
  const startedQuery = "select data_json from events where type = 'deployment:started' and at >= $1 and at < $2";
  let rows;
  let started;
  if (config.dialect === 'sqlite') {
    const db = new Database(context.sqlitePath, { readonly: true, fileMustExist: true });
    try {
      rows = db.prepare(query.replace(/\$\d/g, '?')).all(fromIso, toIso);
      started = db.prepare(startedQuery.replace(/\$\d/g, '?')).all(fromIso, toIso);
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: context.databaseUrl });
    await client.connect();
    try {
      rows = (await client.query(query, [fromIso, toIso])).rows;
      started = (await client.query(startedQuery, [fromIso, toIso])).rows;
    } finally {
      await client.end();
    }
  }
  const byType = Object.fromEntries(rows.map((row) => [row.type, Number(row.n)]).sort((a, b) => b[1] - a[1]));
  const startedBy = {};
  for (const row of started) {
    const nodeId = JSON.parse(row.data_json).owner.split('/')[0];
    startedBy[nodeId] = (startedBy[nodeId] ?? 0) + 1;
  }
  return { byType, total: Object.values(byType).reduce((a, b) => a + b, 0), startedBy };
}

// ---------- one configuration ----------
async function runConfiguration({ config, flags, base, release, masterKey }) {
  const tag = `${config.dialect}${config.nodes}`;
  const label = config.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const floor = await measureFloor(config.dialect, base, flags);
  log(`${label}, ${config.nodes} node${config.nodes === 1 ? '' : 's'}: floor ${floor.one.perSecond} inserts/s${floor.concurrent ? ` on 1 connection, ${floor.concurrent.perSecond}/s on ${flags.floorConnections} at once` : ''}; starting the node${config.nodes === 1 ? '' : 's'}`);
  const database = config.dialect === 'pg' ? await createDatabase(tag) : null;
  let nodes = [];
  try {
    nodes = await startNodes({ base, tag, count: config.nodes, env: { ...(database ? { GANTRY_DATABASE_URL: database.url } : {}), GANTRY_MASTER_KEY: masterKey } });
    await setUpApps({ node: nodes[0], base, tag, apps: flags.apps, targets: flags.targets, release });

    // Warm-up, not counted: one deployment per app, which puts the artifact and release on the targets.
    const warm = await Promise.all(Array.from({ length: flags.apps }, async (_, a) => {
      const { deployment } = await nodes[a % nodes.length].api('POST', '/deployments', { app: appName(a), version: VERSION, environment: ENVIRONMENT });
      return waitTerminal(nodes[0], appName(a), [deployment.id], TIMEOUTS.warmupDeployMs);
    }));
    const warmFailed = warm.filter((w) => w.pending.length || !w.states.succeeded);
    if (warmFailed.length) throw new Error(`warm-up deployments did not all succeed: ${JSON.stringify(warm)}; see ${nodes[0].logPath}`);

    // The load: per app, `depth` deployments outstanding (one runs, the others wait in the queue);
    // each POST goes to the next node in turn; finished ones are replaced until the window ends.
    // One poll for all apps (GET /deployments, the most recent ones: every outstanding deployment
    // is among its app's last `depth`), each time through the next node.
    const budget = { left: flags.maxDeploys };
    let roundRobin = 0;
    let polls = 0;
    const seen = { submitted: 0, succeeded: 0, other: {} };
    const loadStarted = performance.now();
    const windowStart = loadStarted + flags.warmupS * 1000;
    const windowEnd = windowStart + flags.windowS * 1000;
    const outstandingByApp = Array.from({ length: flags.apps }, () => new Set());
    const outstandingApp = new Map();
    let window = null;
    const windowTimer = (async () => {
      await sleep(Math.max(0, windowStart - performance.now()));
      const fromIso = new Date().toISOString();
      const cpu0 = cpuSnapshot(nodes);
      const ticks0 = machineTicks();
      const seen0 = { ...seen };
      await sleep(Math.max(0, windowEnd - performance.now()));
      const toIso = new Date().toISOString();
      const ticks1 = machineTicks();
      const cpu1 = cpuSnapshot(nodes);
      const seconds = (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
      const cores = (s) => +(s / seconds).toFixed(2);
      const machineBusyCores = +(((ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total)) * availableParallelism()).toFixed(2);
      const split = {
        gantryNodes: cores(cpu1.nodes - cpu0.nodes),
        stepProcesses: cores(cpu1.nodeChildren - cpu0.nodeChildren),
        postgres: cores(cpu1.postgres - cpu0.postgres),
        bench: cores(cpu1.bench - cpu0.bench),
      };
      window = {
        fromIso,
        toIso,
        seconds,
        nodesCpuS: cpu1.perNode.map((value, i) => +(value - cpu0.perNode[i]).toFixed(2)),
        cpuCores: { ...split, other: +(machineBusyCores - split.gantryNodes - split.stepProcesses - split.postgres - split.bench).toFixed(2) },
        machineBusyCores,
        clientSeenSucceeded: seen.succeeded - seen0.succeeded,
      };
    })();
    const listLimit = Math.min(500, flags.apps * flags.depth + 20);
    while (performance.now() < windowEnd) {
      await Promise.all(
        outstandingByApp.map(async (outstanding, a) => {
          while (outstanding.size < flags.depth && budget.left > 0 && performance.now() < windowEnd) {
            budget.left--;
            const node = nodes[roundRobin++ % nodes.length];
            const { deployment } = await node.api('POST', '/deployments', { app: appName(a), version: VERSION, environment: ENVIRONMENT });
            outstanding.add(deployment.id);
            outstandingApp.set(deployment.id, a);
            seen.submitted++;
          }
        }),
      );
      if (outstandingApp.size === 0) break; // the budget is spent and everything ended
      await sleep(POLL_MS);
      const { deployments } = await nodes[polls++ % nodes.length].api('GET', `/deployments?limit=${listLimit}`);
      for (const d of deployments) {
        const a = outstandingApp.get(d.id);
        if (a === undefined || !TERMINAL.has(d.state)) continue;
        outstandingApp.delete(d.id);
        outstandingByApp[a].delete(d.id);
        if (d.state === 'succeeded') seen.succeeded++;
        else seen.other[d.state] = (seen.other[d.state] ?? 0) + 1;
      }
    }
    await windowTimer;
    // Drain: what is still queued or running ends (bounded; then cancelled) before the nodes stop.
    const drain = await Promise.all(outstandingByApp.map((outstanding, a) => waitTerminal(nodes[0], appName(a), [...outstanding], TIMEOUTS.drainMs)));
    const stuck = drain.flatMap((d) => d.pending);
    for (const id of stuck) await nodes[0].api('POST', `/deployments/${id}/cancel`).catch(() => undefined);

    // One deployment of the window, through the API: its events, to tell what one no-op deployment writes.
    const [sample] = (await nodes[0].api('GET', `/deployments?app=${appName(0)}&limit=20`)).deployments.filter((d) => d.state === 'succeeded' && d.createdAt >= window.fromIso);
    let sampleEvents = null;
    if (sample) {
      const { events } = await nodes[nodes.length - 1].api('GET', `/deployments/${sample.id}/events`);
      sampleEvents = { id: sample.id, count: events.length, types: events.map((event) => `${event.type}${event.data?.step ? `(${event.data.step})` : ''}`), queuedToFinishedMs: Date.parse(sample.finishedAt) - Date.parse(sample.createdAt) };
    }
    const nodeIds = nodes.map((node) => node.nodeId);
    for (const node of nodes) await node.stop();
    const counted = await eventsInWindow(config, { sqlitePath: join(nodes[0].dataDir, 'gantry.db'), databaseUrl: database?.url }, window.fromIso, window.toIso);
    const deploys = counted.byType['deployment:succeeded'] ?? 0;
    const failedInWindow = Object.entries(counted.byType).filter(([type]) => /^deployment:(failed|rolled_back|rollback_failed|cancelled|quarantined)$/.test(type));
    const row = {
      configuration: label,
      dialect: config.dialect,
      nodes: config.nodes,
      window,
      floor,
      floorPerSecond: floor.one.perSecond,
      floorConcurrentPerSecond: floor.concurrent?.perSecond ?? null,
      deploysInWindow: deploys,
      deploysPerMinute: +((deploys / window.seconds) * 60).toFixed(1),
      eventsInWindow: counted.total,
      eventsPerSecond: +(counted.total / window.seconds).toFixed(1),
      eventsPerDeploy: deploys ? +(counted.total / deploys).toFixed(2) : null,
      /** CPU of the nodes, their step processes and PostgreSQL per deployment: what a deployment costs, whatever else runs on the machine. */
      cpuMsPerDeploy: deploys ? Math.round(((window.cpuCores.gantryNodes + window.cpuCores.stepProcesses + window.cpuCores.postgres) * window.seconds * 1000) / deploys) : null,
      eventTypes: counted.byType,
      deploysStartedPerNode: nodeIds.map((id) => counted.startedBy[id] ?? 0),
      failedInWindow: Object.fromEntries(failedInWindow),
      client: { submitted: seen.submitted, succeeded: seen.succeeded, other: seen.other, budgetLeft: budget.left, cancelledAfterDrain: stuck.length },
      sampleDeployment: sampleEvents,
      serverLog: nodes.flatMap((node) => summariseLog(node.logPath).map((line) => `node ${node.index}: ${line}`)).slice(0, 20),
    };
    log(
      `${label}, ${config.nodes} node(s): ${deploys} deployments succeeded in ${window.seconds.toFixed(1)} s (${row.deploysPerMinute}/min), ${counted.total} events (${row.eventsPerSecond}/s, ${row.eventsPerDeploy} per deployment); ` +
        `started per node ${row.deploysStartedPerNode.join('/')}; CPU in cores: ${Object.entries(window.cpuCores).map(([key, value]) => `${key} ${value}`).join(', ')} (machine busy ${window.machineBusyCores})` +
        `${failedInWindow.length ? `; NOT succeeded: ${JSON.stringify(row.failedInWindow)}` : ''}${row.serverLog.length ? `; server log: ${row.serverLog.slice(0, 3).join(' | ')}` : ''}`,
    );
    return row;
  } finally {
    for (const node of nodes) await node.stop();
    if (database) await dropDatabase(database.name);
  }
}

// ---------- failover ----------
const FAILOVER_HOOKS = `hooks:\n  afterInstall: 'if [ "$GANTRY_ATTEMPT" = 1 ]; then sleep 5; fi'`;

async function runFailover({ flags, base, release, masterKey }) {
  const leaseMs = 3000;
  const heartbeatMs = 500;
  log(`failover: PostgreSQL, 2 nodes, GANTRY_LEASE_MS=${leaseMs} GANTRY_HEARTBEAT_MS=${heartbeatMs}, ${flags.failover} kills`);
  const database = await createDatabase('failover');
  const env = { GANTRY_DATABASE_URL: database.url, GANTRY_MASTER_KEY: masterKey, GANTRY_LEASE_MS: String(leaseMs), GANTRY_HEARTBEAT_MS: String(heartbeatMs) };
  const nodes = [];
  const runs = [];
  try {
    nodes.push(...(await startNodes({ base, tag: 'failover', count: 2, env })));
    const token = nodes[0].token;
    await setUpApps({ node: nodes[0], base, tag: 'failover', apps: 1, targets: 1, release, hooks: FAILOVER_HOOKS });
    const app = appName(0);
    for (let k = 0; k < flags.failover; k++) {
      const { deployment } = await nodes[k % 2].api('POST', '/deployments', { app, version: VERSION, environment: ENVIRONMENT });
      const id = deployment.id;
      // Wait until the hook runs (its step started), then find the node holding the lease.
      const deadline = Date.now() + TIMEOUTS.failoverStepMs;
      let holder = -1;
      for (;;) {
        const { events } = await nodes[0].api('GET', `/deployments/${id}/events`);
        if (events.some((event) => event.type === 'task:step-started' && event.data?.step === 'afterInstall')) {
          const listed = (await nodes[0].api('GET', '/nodes')).nodes;
          const holding = listed.find((node) => node.deployments.includes(id));
          holder = holding ? nodes.findIndex((node) => node.url === holding.url || holding.url?.endsWith(`:${node.port}`)) : -1;
          if (holder >= 0) break;
        }
        if (Date.now() > deadline) throw new Error(`failover ${k + 1}: the hook of ${id} did not start on a node within ${TIMEOUTS.failoverStepMs / 1000} s`);
        await sleep(20);
      }
      const survivor = nodes[1 - holder];
      const victim = nodes[holder];
      const exited = new Promise((resolve) => victim.child.once('exit', resolve));
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await exited;
      children.delete(victim.child);
      // The next progress event, written by the other node: deployment:resumed (bounded poll, 20 ms).
      let resumed = null;
      let seenAt = 0;
      let after = 0;
      const events = [];
      while (!resumed) {
        const batch = (await survivor.api('GET', `/deployments/${id}/events?after=${after}`)).events;
        events.push(...batch);
        if (batch.length) after = batch.at(-1).seq;
        resumed = events.find((event) => event.type === 'deployment:resumed' && Date.parse(event.at) >= killedAt - 50) ?? null;
        if (resumed) seenAt = Date.now();
        else if (Date.now() - killedAt > TIMEOUTS.failoverStepMs) throw new Error(`failover ${k + 1}: no deployment:resumed within ${TIMEOUTS.failoverStepMs / 1000} s of the kill`);
        else await sleep(20);
      }
      const end = await waitTerminal(survivor, app, [id], TIMEOUTS.failoverStepMs);
      const finished = (await survivor.api('GET', `/deployments/${id}`)).deployment;
      const allEvents = (await survivor.api('GET', `/deployments/${id}/events`)).events;
      const nextStep = allEvents.find((event) => event.seq > resumed.seq && event.type === 'task:step-started');
      const run = {
        id,
        killedNode: holder,
        killToResumedMs: Date.parse(resumed.at) - killedAt,
        killToSeenByClientMs: seenAt - killedAt,
        killToNextStepStartedMs: nextStep ? Date.parse(nextStep.at) - killedAt : null,
        nextStep: nextStep ? `${nextStep.data.step} attempt ${nextStep.data.attempt}` : null,
        killToFinishedMs: finished.finishedAt ? Date.parse(finished.finishedAt) - killedAt : null,
        state: finished.state,
        pending: end.pending.length,
      };
      runs.push(run);
      log(`failover ${k + 1}: killed node ${holder} (pid ${victim.pid}); deployment:resumed by node ${1 - holder} ${run.killToResumedMs} ms after the kill (seen ${run.killToSeenByClientMs} ms); next step ${run.nextStep} at ${run.killToNextStepStartedMs} ms; ${run.state} at ${run.killToFinishedMs} ms`);
      if (finished.state !== 'succeeded') throw new Error(`failover ${k + 1}: deployment ${id} ended ${finished.state}: ${finished.reason}`);
      // The killed node comes back (its own data dir and node id) before the next kill. Its hook's
      // `sleep 5` (a detached process group) ends on its own within 5 s.
      nodes[holder] = await startNode({ base, tag: 'failover', index: holder, env, token });
    }
    const values = runs.map((run) => run.killToResumedMs);
    return { leaseMs, heartbeatMs, pollMs: 1000, runs, minMs: Math.min(...values), medianMs: median(values), maxMs: Math.max(...values) };
  } finally {
    for (const node of nodes) await node.stop();
    await dropDatabase(database.name);
  }
}

// ---------- main ----------
const flags = parseFlags(process.argv.slice(2));
if (!existsSync(join(repo, 'dist', 'artifacts', 'pack-directory.js'))) throw new Error('dist/ is missing: run `npm run build` first (or `npm run bench:engine`)');
const base = mkdtempSync(join(tmpdir(), 'gantry-bench-engine-'));
const masterKey = randomBytes(32).toString('base64');

async function cleanUp() {
  killAllNow();
  for (const name of [...databases]) await dropDatabase(name).catch((error) => console.error(`could not drop database ${name}: ${error.message}`));
  if (!flags.keep) rmSync(base, { recursive: true, force: true });
}
const overall = guardRun({ overallMs: TIMEOUTS.overallMs, cleanUp });

const runStarted = performance.now();
try {
  const nproc = availableParallelism();
  const loadAtStart = loadavg();
  const pgVersion = (await adminQuery('select version() as v, current_setting(\'synchronous_commit\') as sc, current_setting(\'fsync\') as fs')).rows[0];
  log(
    `engine: ${flags.configs.map((c) => `${c.dialect}:${c.nodes}`).join(', ')}; ${flags.apps} apps × ${flags.targets} local targets, ${flags.depth} deployments outstanding per app, window ${flags.windowS} s after ${flags.warmupS} s of load (max ${flags.maxDeploys} deployments); ` +
      `nproc ${nproc} (${cpus()[0]?.model.trim()}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}; ${pgVersion.v.split(' on ')[0]} (fsync ${pgVersion.fs}, synchronous_commit ${pgVersion.sc})`,
  );
  const release = await packRelease(repo, base, 'engine');
  const rows = [];
  for (const config of flags.configs) rows.push(await runConfiguration({ config, flags, base, release, masterKey }));
  const failover = flags.failover > 0 ? await runFailover({ flags, base, release, masterKey }) : null;

  // ----- report -----
  for (const row of rows) {
    row.ratio = row.eventsPerSecond ? +(row.floorPerSecond / row.eventsPerSecond).toFixed(1) : null;
    row.ratioConcurrent = row.floorConcurrentPerSecond && row.eventsPerSecond ? +(row.floorConcurrentPerSecond / row.eventsPerSecond).toFixed(1) : null;
  }
  const loadAtEnd = loadavg();
  console.log(
    `\nnproc ${nproc}; ${flags.apps} apps × ${flags.targets} local targets, no hooks, allAtOnce, the same release deployed again and again (${flags.depth} outstanding per app, POSTs round-robin over the nodes); window ${flags.windowS} s; load average at start ${loadAtStart[0].toFixed(2)}, at end ${loadAtEnd[0].toFixed(2)}`,
  );
  console.log('deploys/min = deployment:succeeded events in the window × 60 / window s. events/s = rows appended to the events table in the window (every durable state transition of a deployment or task,');
  console.log('written in the transaction that changes the state) / window s. floor = plain INSERTs of a comparable event row, one per transaction, into the same kind of store, measured just before');
  console.log(`the configuration (${flags.floorS} s). ratio = floor / events/s. PostgreSQL: floor on 1 connection, and on ${flags.floorConnections} at once (the ratio to that in brackets). CPU in cores over the window:`);
  console.log('gantry = the serve processes, steps = the local targets\' step processes they ran, pg = every postgres process, bench = the load, other = the rest of the machine;');
  console.log('CPU ms/deploy = (gantry + steps + pg) CPU time / deployments succeeded: the cost of one, whatever else the machine runs.');
  console.log('configuration | nodes | deploys/min | events/s | events/deploy | floor inserts/s | ratio       | CPU ms/deploy | CPU cores: gantry + steps + pg + bench + other');
  console.log('--------------|-------|-------------|----------|---------------|-----------------|-------------|---------------|-----------------------------------------------');
  for (const row of rows) {
    const floorText = row.floorConcurrentPerSecond ? `${row.floorPerSecond} (${row.floorConcurrentPerSecond})` : String(row.floorPerSecond);
    const ratioText = row.ratioConcurrent ? `${row.ratio} (${row.ratioConcurrent})` : String(row.ratio);
    console.log(
      `${row.configuration.padEnd(13)} | ${String(row.nodes).padStart(5)} | ${row.deploysPerMinute.toFixed(1).padStart(11)} | ${row.eventsPerSecond.toFixed(1).padStart(8)} | ${String(row.eventsPerDeploy ?? '—').padStart(13)} | ${floorText.padStart(15)} | ${ratioText.padStart(11)} | ${String(row.cpuMsPerDeploy ?? '—').padStart(13)} | ${Object.values(row.window.cpuCores).map((value) => value.toFixed(2)).join(' + ')} = ${row.window.machineBusyCores.toFixed(2)}`,
    );
  }
  if (failover) {
    console.log(
      `\nfailover (PostgreSQL, 2 nodes, lease ${failover.leaseMs} ms, heartbeat ${failover.heartbeatMs} ms): SIGKILL of the node running a deployment → deployment:resumed written by the other node: ` +
        `min ${failover.minMs} ms, median ${failover.medianMs} ms, max ${failover.maxMs} ms over ${failover.runs.length} kills ` +
        `(expected bound: the lease, ${failover.leaseMs} ms, plus up to one engine poll, ${failover.pollMs} ms; at least lease − heartbeat = ${failover.leaseMs - failover.heartbeatMs} ms)`,
    );
  }
  const notSucceeded = rows.filter((row) => Object.keys(row.failedInWindow).length > 0);
  if (notSucceeded.length) console.log(`\nWARNING: deployments that did not succeed in the window: ${notSucceeded.map((row) => `${row.configuration} ${row.nodes}: ${JSON.stringify(row.failedInWindow)}`).join('; ')}`);

  const report = {
    machine: { nproc, cpu: cpus()[0]?.model.trim(), memoryGb: +(totalmem() / 1024 ** 3).toFixed(1), node: process.version, postgres: pgVersion.v, postgresFsync: pgVersion.fs, postgresSynchronousCommit: pgVersion.sc, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd },
    flags,
    releaseBytes: release.length,
    configurations: rows,
    failover,
    totalSeconds: +((performance.now() - runStarted) / 1000).toFixed(1),
  };
  const out = writeResults(repo, 'engine', report);
  console.log(`\nresults written to ${out} (${report.totalSeconds} s in all)`);
} finally {
  clearTimeout(overall);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) await stopChild(child, 5000);
  for (const name of [...databases]) await dropDatabase(name).catch((error) => console.error(`could not drop database ${name}: ${error.message}`));
  if (!flags.keep) rmSync(base, { recursive: true, force: true });
  else console.log(`kept ${base}`);
}
