#!/usr/bin/env node
// `npm run bench:ssh-fanout [-- --sizes 10,50,100 --repeat 1 --keep]`
//
// Deploys one release (~200 files, ~2 MB) with `gantry serve` to N real sshd targets on
// loopback (allAtOnce, no hooks, no health checks), and in the same run measures a floor:
// plain parallel `scp` + `ssh` doing the same upload → verify digest → unpack → atomic switch
// (and, for reference, a tighter one-connection floor: `ssh` with the archive on stdin).
// Prints wall times, the ratio gantry/floor, the server's peak RSS (VmHWM) and CPU split, and
// writes the figures to bench/results/ssh-fanout-<date>.json. See bench/README.md.
//
// Needs: root (sshd privilege separation), /usr/sbin/sshd, ssh, scp, ssh-keygen, and `npm run
// build` (it imports the release packer from dist/ and runs bin/gantry.js).
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, existsSync, closeSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { freePort, median, quantile, secs, sleep, stopChild } from './measure.mjs';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const GANTRY_BIN = join(repo, 'bin', 'gantry.js');
const APP = 'fanout';
const ENVIRONMENT = 'bench';
const VERSION = '1.0.0';
const FILES = 200;
const TOTAL_BYTES = 2_000_000;
const DEPLOY_TIMEOUT_MS = 10 * 60_000;
const FLOOR_PROCESS_TIMEOUT_MS = 5 * 60_000;
const POLL_MS = 50;
/** Time for sshd to reap the processes of closed connections, so their CPU is counted. */
const SETTLE_MS = 500;

// ---------- flags ----------
function parseFlags(argv) {
  const flags = { sizes: [10, 50, 100], repeat: 1, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--sizes') flags.sizes = value().split(',').map((s) => Number(s.trim()));
    else if (arg === '--repeat') flags.repeat = Number(value());
    else if (arg === '--keep') flags.keep = true;
    else throw new Error(`unknown flag ${arg} (use --sizes 10,50,100 --repeat K --keep)`);
  }
  if (!flags.sizes.length || flags.sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 500)) throw new Error('--sizes: whole numbers 1..500');
  if (!Number.isInteger(flags.repeat) || flags.repeat < 1 || flags.repeat > 20) throw new Error('--repeat: 1..20');
  return flags;
}

// ---------- small helpers ----------

/** user+system CPU seconds of one process, and of its children it has waited for (from /proc/<pid>/stat). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { self: (fields[11] + fields[12]) / 100, children: (fields[13] + fields[14]) / 100 }; // USER_HZ is 100 on Linux
}

/**
 * CPU spent on the target side: every sshd listener reaps its connection processes, which reap
 * the sessions' shells, tar, sha256sum…, so their cumulative children time covers it all.
 */
function targetsCpuSeconds() {
  return sshdHosts.reduce((sum, host) => sum + (host?.child.exitCode === null ? cpuSeconds(host.child.pid).children : 0), 0);
}

function peakRssMb(pid) {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

// ---------- the release: ~200 files, ~2 MB, deterministic, compresses about like code ----------
function makeBuildDir(dir) {
  let state = 0x2545f491;
  const random = () => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const pick = (list) => list[Math.floor(random() * list.length)];
  const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
  const words = ['const', 'let', 'return', 'await', 'function', 'export', 'import', 'from', 'if', 'else', 'for', 'of', 'new', 'this', 'null', 'true', 'false', 'async', 'throw', 'Error', 'value', 'result', 'options', 'target', 'release', 'config', 'length', 'push', 'map', 'filter', 'state', 'error', 'data', 'index', 'name', 'path'];
  const line = () => {
    const indent = '  '.repeat(Math.floor(random() * 4));
    const parts = Array.from({ length: 3 + Math.floor(random() * 8) }, () => (random() < 0.3 ? `${pick(words)}_${hex(4)}` : random() < 0.15 ? `'${hex(8)}'` : pick(words)));
    return `${indent}${parts.join(' ')}${pick([';', ' {', ' }', ',', ');'])}\n`;
  };
  const weights = Array.from({ length: FILES }, () => 0.2 + random() * 1.8);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  let total = 0;
  for (let i = 0; i < FILES; i++) {
    const size = Math.round((weights[i] / weightSum) * TOTAL_BYTES);
    const path = join(dir, `src/module-${String(i % 20).padStart(2, '0')}/file-${String(i).padStart(3, '0')}.js`);
    mkdirSync(dirname(path), { recursive: true });
    let text = `// generated file ${i}\n`;
    while (text.length < size) text += line();
    writeFileSync(path, text.slice(0, size));
    total += size;
  }
  return { files: FILES, bytes: total, lastFile: `src/module-${String((FILES - 1) % 20).padStart(2, '0')}/file-${String(FILES - 1).padStart(3, '0')}.js` };
}

async function packRelease(buildDir, archivePath) {
  // The same packer `gantry release create` uses, so Gantry and the floor ship the same bytes.
  const { packDirectory } = await import(pathToFileURL(join(repo, 'dist', 'artifacts', 'pack-directory.js')).href);
  const chunks = [];
  for await (const chunk of packDirectory(buildDir)) chunks.push(chunk);
  const archive = Buffer.concat(chunks);
  writeFileSync(archivePath, archive);
  return { bytes: archive.length, digest: createHash('sha256').update(archive).digest('hex') };
}

// ---------- sshd hosts on loopback (the essentials of test/support/sshd.ts) ----------
function listeningPorts() {
  const ports = new Set();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] === '0A' && fields[1]?.startsWith('0100007F:')) ports.add(parseInt(fields[1].slice(9), 16));
  }
  return ports;
}

/** Every sshd started, so that a failure part-way still stops them all. */
const sshdHosts = [];

async function startSshdHosts(base, count) {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const keyPath = join(base, 'client_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gantry-bench', '-f', keyPath]);
  const authorizedKeys = join(base, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${keyPath}.pub`));
  const hosts = sshdHosts;
  const used = new Set();
  const startOne = async (index) => {
    const dir = join(base, `sshd-${index}`);
    mkdirSync(dir, { recursive: true });
    const hostKey = join(dir, 'ssh_host_ed25519_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gantry-bench', '-f', hostKey]);
    for (let attempt = 1; attempt <= 5; attempt++) {
      let port = await freePort();
      while (used.has(port)) port = await freePort();
      used.add(port);
      const config = join(dir, 'sshd_config');
      writeFileSync(
        config,
        [
          'ListenAddress 127.0.0.1',
          `Port ${port}`,
          `HostKey ${hostKey}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          'UsePAM no',
          'StrictModes no',
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'LogLevel ERROR',
          'MaxStartups 200:30:400',
          'MaxSessions 64',
          'PrintMotd no',
          'UseDNS no',
          'Subsystem sftp internal-sftp', // scp speaks SFTP since OpenSSH 9.0
          // root's ~/.bashrc here runs `pyenv init` (~1 s per command); bash skips the rc file
          // when SHLVL says it is nested. Applies to Gantry and the floor alike.
          'SetEnv SHLVL=1',
          '',
        ].join('\n'),
      );
      const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && child.exitCode === null && !listeningPorts().has(port)) await sleep(25);
      if (child.exitCode === null && listeningPorts().has(port)) {
        hosts[index] = { port, child, root: null, publicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ') };
        return;
      }
      child.kill('SIGKILL');
      if (attempt === 5) throw new Error(`sshd ${index} did not start on port ${port}: ${stderr.trim()}`);
    }
  };
  // A few at a time: ssh-keygen and sshd start-up are CPU-bound, and the machine may be small.
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, k) => startOne(i + k)));
  const knownHostsPath = join(base, 'known_hosts');
  writeFileSync(knownHostsPath, hosts.map((host) => `[127.0.0.1]:${host.port} ${host.publicKey}\n`).join(''));
  return { hosts, keyPath, knownHostsPath };
}

// ---------- Gantry ----------
/** The running `gantry serve`, so that an interrupt stops it too. */
const servers = { current: null };

async function startGantry(dataDir) {
  const port = await freePort();
  mkdirSync(dataDir, { recursive: true });
  const log = openSync(join(dataDir, '..', 'server.log'), 'a');
  const child = spawn(process.execPath, [GANTRY_BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, GANTRY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  servers.current = child;
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`gantry serve exited with ${child.exitCode}; see ${join(dataDir, '..', 'server.log')}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (attempt > 300) throw new Error('gantry serve did not answer within 30 s');
    await sleep(100);
  }
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const api = async (method, path, body, headers = {}) => {
    const isJson = body !== undefined && !Buffer.isBuffer(body);
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(isJson ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body === undefined ? {} : { body: isJson ? JSON.stringify(body) : body }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { child, api };
}

const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled']);

async function gantryRun({ runDir, fixture, n, archive, archiveInfo }) {
  const server = await startGantry(join(runDir, 'data'));
  try {
    const targets = fixture.hosts.slice(0, n).map((host, index) => ({ name: `t${String(index).padStart(3, '0')}`, host, root: join(runDir, 'roots', `t${index}`) }));
    for (const target of targets) mkdirSync(target.root, { recursive: true });
    // Registration is not measured. Each registration logs in once to pin the host key.
    for (let i = 0; i < targets.length; i += 10) {
      await Promise.all(
        targets.slice(i, i + 10).map((target) =>
          server.api('POST', '/targets', {
            name: target.name,
            labels: { bench: APP },
            ssh: { user: 'root', host: '127.0.0.1', port: target.host.port, keyPath: fixture.keyPath, knownHostsPath: fixture.knownHostsPath, root: target.root },
          }),
        ),
      );
    }
    const manifest = [`app: ${APP}`, 'environments:', `  - { name: ${ENVIRONMENT}, targets: { bench: ${APP} } }`, 'strategy: { type: allAtOnce }', ''].join('\n');
    await server.api('POST', '/applications', { manifest });
    const release = await server.api('POST', `/applications/${APP}/releases/${VERSION}`, archive, { 'content-type': 'application/gzip' });
    if (release.digest !== archiveInfo.digest) throw new Error(`the server stored digest ${release.digest}, expected ${archiveInfo.digest}`);

    await sleep(SETTLE_MS); // let the registration probes' sshd processes end and be counted before
    const serverCpuBefore = cpuSeconds(server.child.pid).self;
    const targetsCpuBefore = targetsCpuSeconds();
    const started = performance.now();
    const queued = await server.api('POST', '/deployments', { app: APP, version: VERSION, environment: ENVIRONMENT });
    const id = queued.deployment.id;
    let deployment;
    for (;;) {
      [deployment] = (await server.api('GET', `/deployments?app=${APP}&limit=1`)).deployments;
      if (deployment?.id === id && TERMINAL.has(deployment.state)) break;
      if (performance.now() - started > DEPLOY_TIMEOUT_MS) throw new Error(`deployment ${id} still ${deployment?.state} after ${DEPLOY_TIMEOUT_MS} ms`);
      await sleep(POLL_MS);
    }
    const wallMs = performance.now() - started;
    const serverCpuS = cpuSeconds(server.child.pid).self - serverCpuBefore;
    const peakRss = peakRssMb(server.child.pid);
    if (deployment.state !== 'succeeded') {
      const detail = await server.api('GET', `/deployments/${id}`);
      const failed = detail.tasks.filter((task) => task.error).slice(0, 3);
      throw new Error(`deployment ended ${deployment.state}: ${deployment.reason}; ${JSON.stringify(failed)}`);
    }
    const events = [];
    for (let after = 0, page = 0; page < 100; page++) {
      const batch = (await server.api('GET', `/deployments/${id}/events?after=${after}`)).events;
      if (batch.length === 0) break;
      events.push(...batch);
      after = batch.at(-1).seq;
    }
    verifyRoots(targets.map((target) => join(target.root, APP)), archiveInfo);
    // The run closes its SSH sessions after the terminal state: count their sshd processes too.
    await stopChild(server.child, 10_000);
    await sleep(SETTLE_MS);
    const targetsCpuS = targetsCpuSeconds() - targetsCpuBefore;
    return { wallMs, peakRssMb: peakRss, serverCpuS, targetsCpuS, breakdown: breakdownOf(deployment, events) };
  } finally {
    await stopChild(server.child, 10_000);
  }
}

/** Per-step timings from the deployment's events (server clock, ms resolution). */
function breakdownOf(deployment, events) {
  const t = (iso) => Date.parse(iso);
  const createdAt = t(deployment.createdAt);
  const planned = events.find((event) => event.type === 'deployment:planned');
  const open = new Map();
  const steps = new Map();
  let lastTaskDone = 0;
  for (const event of events) {
    if (event.type === 'task:step-started') open.set(`${event.target}/${event.data.step}`, t(event.at));
    else if (event.type === 'task:step-succeeded') {
      const begin = open.get(`${event.target}/${event.data.step}`);
      const entry = steps.get(event.data.step) ?? { durations: [], firstStart: Infinity, lastEnd: 0, slowest: null };
      entry.durations.push(t(event.at) - begin);
      if (!entry.slowest || t(event.at) - begin > entry.slowest.ms) entry.slowest = { target: event.target, ms: t(event.at) - begin, startMs: begin - createdAt };
      entry.firstStart = Math.min(entry.firstStart, begin);
      entry.lastEnd = Math.max(entry.lastEnd, t(event.at));
      steps.set(event.data.step, entry);
    } else if (event.type === 'task:succeeded') lastTaskDone = Math.max(lastTaskDone, t(event.at));
  }
  return {
    queuedToPlannedMs: planned ? t(planned.at) - createdAt : null,
    lastTaskToFinishedMs: deployment.finishedAt ? t(deployment.finishedAt) - lastTaskDone : null,
    serverSideMs: deployment.finishedAt ? t(deployment.finishedAt) - createdAt : null,
    events: events.length,
    steps: Object.fromEntries(
      [...steps].map(([step, entry]) => [
        step,
        {
          medianMs: median(entry.durations),
          p90Ms: quantile(entry.durations, 0.9),
          maxMs: Math.max(...entry.durations),
          firstStartMs: entry.firstStart - createdAt,
          lastEndMs: entry.lastEnd - createdAt,
          slowest: entry.slowest,
        },
      ]),
    ),
  };
}

function verifyRoots(appDirs, archiveInfo) {
  for (const dir of appDirs) {
    const file = join(dir, 'current', archiveInfo.lastFile);
    if (!existsSync(file)) throw new Error(`${file} is missing after the deploy`);
  }
}

// ---------- the floor: plain parallel scp + ssh ----------
function spawnBounded(command, args, stdinFile) {
  return new Promise((resolve, reject) => {
    const input = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
    const child = spawn(command, args, { stdio: [input, 'ignore', 'pipe'] });
    if (typeof input === 'number') closeSync(input);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), FLOOR_PROCESS_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/**
 * mode 'scp+ssh' (the floor of the issue): scp the archive, then one ssh that verifies, unpacks
 * and switches — two connections per host. mode 'ssh-stdin': one ssh per host that receives the
 * archive on stdin and does the same — one connection per host, like Gantry's session.
 */
async function floorRun({ runDir, fixture, n, archivePath, archiveInfo, mode }) {
  const common = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${fixture.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-i', fixture.keyPath];
  const hosts = fixture.hosts.slice(0, n).map((host, index) => ({ host, root: join(runDir, 'roots', `f${index}`) }));
  for (const { root } of hosts) mkdirSync(root, { recursive: true });
  const artifact = `${archiveInfo.digest}.tar.gz`;
  // The recipe Gantry runs, minus its bookkeeping: upload, verify the digest, unpack, atomic switch.
  const recipe = `echo '${archiveInfo.digest}  ${artifact}' | sha256sum -c --quiet - && mkdir -p releases/${VERSION} && tar -xzf ${artifact} -C releases/${VERSION} && ln -sfn releases/${VERSION} current.tmp && mv -T current.tmp current`;
  await sleep(SETTLE_MS);
  const clientCpuBefore = cpuSeconds(process.pid).children;
  const targetsCpuBefore = targetsCpuSeconds();
  const started = performance.now();
  await Promise.all(
    hosts.map(async ({ host, root }) => {
      if (mode === 'scp+ssh') {
        await spawnBounded('scp', ['-q', ...common, '-P', String(host.port), archivePath, `root@127.0.0.1:${root}/${artifact}`]);
        await spawnBounded('ssh', [...common, '-p', String(host.port), 'root@127.0.0.1', `cd ${root} && ${recipe}`]);
      } else {
        await spawnBounded('ssh', [...common, '-p', String(host.port), 'root@127.0.0.1', `cd ${root} && cat > ${artifact} && ${recipe}`], archivePath);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const clientCpuS = cpuSeconds(process.pid).children - clientCpuBefore;
  await sleep(SETTLE_MS);
  const targetsCpuS = targetsCpuSeconds() - targetsCpuBefore;
  verifyRoots(hosts.map(({ root }) => root), archiveInfo);
  return { wallMs, clientCpuS, targetsCpuS };
}

// ---------- main ----------
const flags = parseFlags(process.argv.slice(2));
if (process.getuid?.() !== 0) throw new Error('run as root: sshd needs it for privilege separation, and the sessions log in as root');
if (!existsSync(join(repo, 'dist', 'artifacts', 'pack-directory.js'))) throw new Error('dist/ is missing: run `npm run build` first (or `npm run bench:ssh-fanout`)');

const base = mkdtempSync(join(tmpdir(), 'gantry-bench-fanout-'));
process.once('SIGINT', () => {
  for (const child of [...sshdHosts.map((host) => host?.child), servers.current]) if (child && child.exitCode === null) child.kill('SIGTERM');
  process.exit(130);
});

const results = [];
try {
  const maxN = Math.max(...flags.sizes);
  const nproc = availableParallelism();
  const loadAtStart = loadavg();
  console.log(`ssh-fanout: sizes ${flags.sizes.join(',')}, repeat ${flags.repeat}, nproc ${nproc} (${cpus()[0]?.model.trim()}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  const build = makeBuildDir(join(base, 'build'));
  const archivePath = join(base, 'release.tar.gz');
  const archiveInfo = { ...(await packRelease(join(base, 'build'), archivePath)), lastFile: build.lastFile };
  const archive = readFileSync(archivePath);
  console.log(`release: ${build.files} files, ${(build.bytes / 1e6).toFixed(2)} MB → ${(archiveInfo.bytes / 1e6).toFixed(2)} MB tar.gz (${(build.bytes / archiveInfo.bytes).toFixed(1)}× smaller)`);
  const sshdStart = performance.now();
  const fixture = await startSshdHosts(base, maxN);
  console.log(`started ${maxN} sshd hosts in ${secs(performance.now() - sshdStart)} s (SetEnv SHLVL=1: root's .bashrc is skipped)`);

  for (const n of flags.sizes) {
    for (let r = 0; r < flags.repeat; r++) {
      const dir = (what) => join(base, `${what}-n${n}-r${r}`);
      const measure = {
        gantry: () => gantryRun({ runDir: dir('gantry'), fixture, n, archive, archiveInfo }),
        floor: () => floorRun({ runDir: dir('floor'), fixture, n, archivePath, archiveInfo, mode: 'scp+ssh' }),
        floor1: () => floorRun({ runDir: dir('floor1'), fixture, n, archivePath, archiveInfo, mode: 'ssh-stdin' }),
      };
      // Rotate the order between repeats, so that no contender always runs on a warmer cache.
      const order = ['gantry', 'floor', 'floor1'];
      for (let k = 0; k < r % 3; k++) order.push(order.shift());
      const row = { n, repeat: r, order };
      for (const what of order) {
        mkdirSync(dir(what), { recursive: true });
        row[what] = await measure[what]();
        if (!flags.keep) rmSync(dir(what), { recursive: true, force: true });
      }
      Object.assign(row, { gantryS: row.gantry.wallMs / 1000, floorS: row.floor.wallMs / 1000, floor1S: row.floor1.wallMs / 1000, peakRssMb: row.gantry.peakRssMb });
      row.ratio = row.gantryS / row.floorS;
      results.push(row);
      const { gantry, floor, floor1 } = row;
      console.log(
        `  N=${n} run ${r + 1}: gantry ${secs(gantry.wallMs)} s (CPU: server ${gantry.serverCpuS.toFixed(1)} s, targets ${gantry.targetsCpuS.toFixed(1)} s), ` +
          `floor scp+ssh ${secs(floor.wallMs)} s (CPU: clients ${floor.clientCpuS.toFixed(1)} s, targets ${floor.targetsCpuS.toFixed(1)} s), ` +
          `floor ssh-stdin ${secs(floor1.wallMs)} s (CPU: clients ${floor1.clientCpuS.toFixed(1)} s, targets ${floor1.targetsCpuS.toFixed(1)} s); ` +
          `ratio ${row.ratio.toFixed(2)}, server peak RSS ${gantry.peakRssMb.toFixed(0)} MB`,
      );
      const steps = Object.entries(gantry.breakdown.steps).map(([step, t]) => `${step} median ${t.medianMs} / max ${t.maxMs} ms, last done at +${t.lastEndMs}`);
      console.log(`    gantry events: queued→planned ${gantry.breakdown.queuedToPlannedMs} ms; ${steps.join('; ')}; last task→finished ${gantry.breakdown.lastTaskToFinishedMs} ms`);
    }
  }

  // Summary: medians over the repeats.
  const summary = flags.sizes.map((n) => {
    const rows = results.filter((row) => row.n === n);
    const gantryS = median(rows.map((row) => row.gantryS));
    const floorS = median(rows.map((row) => row.floorS));
    const floor1S = median(rows.map((row) => row.floor1S));
    // Ratios are taken per run (gantry and its floors run back to back), then the median.
    const ratio = median(rows.map((row) => row.ratio));
    const ratio1 = median(rows.map((row) => row.gantryS / row.floor1S));
    return { n, gantryS, floorS, ratio, peakRssMb: Math.max(...rows.map((row) => row.peakRssMb)), floor1S, ratio1 };
  });
  const loadAtEnd = loadavg();
  console.log(`\nnproc ${nproc}; medians of ${flags.repeat} run(s) (ratio: median of the per-run ratios); load average at start ${loadAtStart[0].toFixed(2)}, at end ${loadAtEnd[0].toFixed(2)}`);
  console.log('   N | gantry s | floor s | ratio | server peak RSS MB || 1-conn floor s | ratio');
  console.log('-----|----------|---------|-------|--------------------||----------------|------');
  for (const row of summary) {
    console.log(
      `${String(row.n).padStart(4)} | ${row.gantryS.toFixed(2).padStart(8)} | ${row.floorS.toFixed(2).padStart(7)} | ${row.ratio.toFixed(2).padStart(5)} | ${row.peakRssMb.toFixed(0).padStart(18)} ||` +
        ` ${row.floor1S.toFixed(2).padStart(14)} | ${row.ratio1.toFixed(2).padStart(5)}`,
    );
  }
  const largest = summary.at(-1);
  console.log(`goal at N=${largest.n}: gantry/floor ≤ 1.5 → ${largest.ratio <= 1.5 ? 'met' : 'NOT met'}; server peak RSS < 300 MB → ${largest.peakRssMb < 300 ? 'met' : 'NOT met'}`);

  const resultsDir = join(repo, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, '').replace(/\..*/, '');
  const out = join(resultsDir, `ssh-fanout-${stamp}.json`);
  const git = async (...args) => (await run('git', args, { cwd: repo, timeout: 10_000 }).catch(() => ({ stdout: '' }))).stdout.trim();
  const report = {
    benchmark: 'ssh-fanout',
    commit: await git('rev-parse', 'HEAD'),
    worktreeDirty: (await git('status', '--porcelain', '--', 'src')) !== '',
    date: new Date().toISOString(),
    machine: { nproc, cpu: cpus()[0]?.model.trim(), memoryGb: +(totalmem() / 1024 ** 3).toFixed(1), node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd },
    release: { files: build.files, bytes: build.bytes, archiveBytes: archiveInfo.bytes },
    flags,
    summary,
    runs: results,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results written to ${out}`);
} finally {
  if (servers.current) await stopChild(servers.current, 3000);
  await Promise.all(sshdHosts.filter(Boolean).map((host) => stopChild(host.child, 3000)));
  if (!flags.keep) rmSync(base, { recursive: true, force: true });
  else console.log(`kept ${base}`);
}
