/**
 * What the benchmarks share: statistics, free ports, timeouts, stopping the processes they
 * started, a no-op release, and a server log in short. (Each benchmark reads /proc itself: what
 * it needs from there differs.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

export const secs = (ms) => (ms / 1000).toFixed(2);

/** A port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(child, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Guards a whole run: past `overallMs`, or on Ctrl-C (SIGINT), it awaits `cleanUp` (which may be
 * synchronous) and exits with 1 or 130 respectively. Returns the overall timer (unref'd), for
 * `clearTimeout` once the run ends on its own.
 */
export function guardRun({ overallMs, cleanUp, message = `the benchmark took longer than ${overallMs / 60_000} min; stopping everything` }) {
  const overall = setTimeout(async () => {
    console.error(message);
    await cleanUp();
    process.exit(1);
  }, overallMs);
  overall.unref();
  process.once('SIGINT', async () => {
    await cleanUp();
    process.exit(130);
  });
  return overall;
}

/** A gzipped tar of one README, packed with the built Gantry in `repo`/dist. */
export async function packRelease(repo, base, what) {
  const { packDirectory } = await import(pathToFileURL(join(repo, 'dist', 'artifacts', 'pack-directory.js')).href);
  const dir = join(base, 'release');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'README'), `a no-op release for the ${what} benchmark\n`);
  const chunks = [];
  for await (const chunk of packDirectory(dir)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A server log's JSON lines (warn and above), as `count × message: error (deployment)` lines; other lines as they are (not the token banner). */
export function summariseLog(path) {
  const counts = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim() || /admin api token|gantry_|GANTRY_TOKEN|is serving on|trace-warnings/i.test(line)) continue;
    let key = line.trim().slice(0, 300);
    try {
      const entry = JSON.parse(line);
      key = `${entry.msg}${entry.err ? `: ${entry.err.type} ${String(entry.err.message).slice(0, 200)}` : ''}${entry.deploymentId ? ` (${entry.deploymentId})` : ''}`;
    } catch {
      // not JSON: kept as it is
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} × ${key}`);
}

/**
 * Writes a run's report to `bench/results/<benchmark>-<time>.json`, headed by the commit it ran
 * on and whether `src/` had uncommitted changes; returns the path.
 */
export function writeResults(repo, benchmark, fields) {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: repo, encoding: 'utf8', timeout: 10_000 }).trim();
    } catch {
      return '';
    }
  };
  const dir = join(repo, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${benchmark}-${new Date().toISOString().replace(/:/g, '').replace(/\..*/, '')}.json`);
  const report = { benchmark, commit: git('rev-parse', 'HEAD'), worktreeDirty: git('status', '--porcelain', '--', 'src') !== '', date: new Date().toISOString(), ...fields };
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
