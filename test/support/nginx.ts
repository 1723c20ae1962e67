/**
 * A real nginx for integration tests: the Debian package's /usr/sbin/nginx (CI installs
 * `nginx-light`), run in the foreground (`daemon off;`) as a child of the test, with its own
 * prefix directory holding everything it writes (pid, error log, temp paths). It listens on a
 * free loopback port and proxies `/` to an upstream whose block lives in `upstreamFile`, the
 * file a load balancer switch replaces.
 *
 * Reloading is asynchronous: `nginx -s reload` only sends SIGHUP to the master and returns; the
 * master then re-reads the configuration, starts new workers and lets the old ones finish.
 * `settle()` waits for that to be over before a test looks at which backends answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxUpstream } from '../../src/core/traffic/nginx-upstream.js';
import { shellCommand } from '../../src/executors/shell-quote.js';
import { freePort } from './server-process.js';

export const NGINX = '/usr/sbin/nginx';
const START_TIMEOUT_MS = 20_000;
const SETTLE_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5000;
const POLL_MS = 20;
/** Answered by nginx itself, so a start can tell its own nginx from whatever else holds the port. */
const PROBE_PATH = '/gantry-nginx-fixture';

export interface NginxResponse {
  readonly status: number;
  readonly body: string;
}

export interface RealNginx {
  readonly port: number;
  /** The prefix directory: nginx.conf, upstream.conf, nginx.pid, error.log, temp paths. */
  readonly dir: string;
  readonly upstream: string;
  /** Holds the `upstream <name> { … }` block, included by nginx.conf's http block. */
  readonly upstreamFile: string;
  /** A full shell command: checks the configuration as it is on disk (`nginx -t`). */
  readonly testCommand: string;
  /** A full shell command: `nginx -s reload`, which returns before the reload took effect (see settle). */
  readonly reloadCommand: string;
  /** GET `path` through nginx on a fresh connection. */
  request(path?: string): Promise<NginxResponse>;
  /** `count` requests to `/`, one after the other; the bodies in order. */
  sample(count: number): Promise<string[]>;
  /**
   * Waits until the master has acted on every signal sent to it before this call (so every
   * `nginx -s reload` that has returned has been carried out, or refused) and only the workers of
   * its latest configuration are left. Bounded: throws after `timeoutMs` with the error log's tail.
   */
  settle(timeoutMs?: number): Promise<void>;
  /** How many times the master has (re)loaded a configuration successfully: 1 after start. */
  generations(): Promise<number>;
  stop(): Promise<void>;
}

/** Whether the nginx binary these tests use is installed. */
export function nginxAvailable(): boolean {
  return existsSync(NGINX);
}


function nginxConf(dir: string, port: number, upstream: string, upstreamFile: string, token: string): string {
  const path = (name: string) => join(dir, name);
  return [
    // Workers run as the user nginx is started as: root here and in CI (nginx's default, nobody, could not enter the temp dir).
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${path('nginx.pid')};`,
    `lock_file ${path('nginx.lock')};`,
    // notice: the master logs the signals it acts on and the workers it starts and reaps (settle reads them).
    `error_log ${path('error.log')} notice;`,
    // Each proxied request holds two connections (client and upstream): room for slow moments under load.
    'events { worker_connections 1000; }',
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${path('client_body_temp')};`,
    `    proxy_temp_path ${path('proxy_temp')};`,
    `    fastcgi_temp_path ${path('fastcgi_temp')};`,
    `    uwsgi_temp_path ${path('uwsgi_temp')};`,
    `    scgi_temp_path ${path('scgi_temp')};`,
    `    include ${upstreamFile};`,
    '    server {',
    `        listen 127.0.0.1:${port};`,
    `        location = ${PROBE_PATH} { return 200 "${token}"; }`,
    '        location / {',
    `            proxy_pass http://${upstream};`,
    '            proxy_connect_timeout 2s;',
    '            proxy_read_timeout 5s;',
    // No retry on another server: a request sent to a target that is restarting fails (502), so
    // a zero-downtime test proves the target was out of rotation, not that nginx hid the gap.
    '            proxy_next_upstream off;',
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}

function get(port: number, path: string, timeoutMs = 5000): Promise<NginxResponse> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} on nginx port ${port} timed out`)));
    request.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The worker pids the master has started and not yet reaped, from its notice-level log. */
function liveWorkers(log: string): Set<number> {
  const live = new Set<number>();
  for (const match of log.matchAll(/start worker process (\d+)|worker process (\d+) exited/g)) {
    if (match[1] !== undefined) live.add(Number(match[1]));
    if (match[2] !== undefined) live.delete(Number(match[2]));
  }
  return live;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts nginx on `port`; resolves once this very nginx answers, rejects if it exits (port taken) or never answers. */
async function launch(dir: string, conf: string, port: number, token: string, stderr: { text: string }): Promise<ChildProcess> {
  const child = spawn(NGINX, ['-p', `${dir}/`, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => (stderr.text += chunk.toString('utf8')));
  child.once('error', (error) => (stderr.text += String(error)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited(child)) break;
    const probe = await get(port, PROBE_PATH, 1000).catch(() => null);
    if (probe?.status === 200 && probe.body === token) return child;
    await sleep(POLL_MS);
  }
  if (!exited(child)) {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  throw new Error(`nginx on 127.0.0.1:${port} did not start: ${`${stderr.text}\n${log}`.trim().slice(-2000)}`);
}

export async function startNginx(options: { readonly upstream: string; readonly initialServers: readonly string[] }): Promise<RealNginx> {
  if (!nginxAvailable()) throw new Error(`${NGINX} is not installed (Debian: apt-get install nginx-light)`);
  const dir = await mkdtemp(join(tmpdir(), 'gantry-nginx-'));
  const conf = join(dir, 'nginx.conf');
  const upstreamFile = join(dir, 'upstream.conf');
  const errorLog = join(dir, 'error.log');
  const token = randomBytes(8).toString('hex');
  await writeFile(
    upstreamFile,
    renderNginxUpstream({
      upstream: options.upstream,
      header: 'initial upstream of the test nginx',
      servers: options.initialServers.map((address, index) => ({ target: `initial-${index}`, address, inRotation: true })),
    }),
  );

  let child: ChildProcess | undefined;
  let port = 0;
  const stderr = { text: '' };
  try {
    // A port found free can be taken before nginx binds it: try a few.
    for (let attempt = 1; child === undefined; attempt++) {
      port = await freePort();
      await writeFile(conf, nginxConf(dir, port, options.upstream, upstreamFile, token));
      try {
        child = await launch(dir, conf, port, token, stderr);
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const master = child;
  const nginxArgs = ['-p', `${dir}/`, '-c', conf];
  const readLog = () => readFile(errorLog);

  return {
    port,
    dir,
    upstream: options.upstream,
    upstreamFile,
    testCommand: shellCommand([NGINX, ...nginxArgs, '-t']),
    reloadCommand: shellCommand([NGINX, ...nginxArgs, '-s', 'reload']),
    request: (path = '/') => get(port, path),
    async sample(count) {
      const bodies: string[] = [];
      for (let index = 0; index < count; index++) bodies.push((await get(port, '/')).body);
      return bodies;
    },
    async settle(timeoutMs = SETTLE_TIMEOUT_MS) {
      if (master.pid === undefined || exited(master)) throw new Error('nginx is not running');
      const offset = (await readLog()).length;
      // The kernel delivers pending signals lowest number first, and the master acts on a
      // reload (SIGHUP) before a log reopen (SIGUSR1) in the same turn of its loop: once this
      // SIGUSR1 is done, every reload signalled earlier is done too.
      process.kill(master.pid, 'SIGUSR1');
      const deadline = Date.now() + timeoutMs;
      let log = '';
      while (Date.now() < deadline) {
        const bytes = await readLog();
        log = bytes.toString('utf8');
        // The master's own line (`<pid>#<tid>: reopening logs`): its workers log the same words later.
        const reopened = bytes.subarray(offset).toString('utf8').includes(`${master.pid}#${master.pid}: reopening logs`);
        if (reopened && liveWorkers(log).size === 1) return;
        if (exited(master)) break;
        await sleep(POLL_MS);
      }
      throw new Error(`nginx did not settle within ${timeoutMs} ms: ${log.slice(-2000)}`);
    },
    async generations() {
      // The master logs this once at start and once per reload it carried out (not for one it refused).
      return [...(await readLog()).toString('utf8').matchAll(/: start worker processes$/gm)].length;
    },
    async stop() {
      if (!exited(master)) {
        const gone = new Promise((resolve) => master.once('exit', resolve));
        master.kill('SIGTERM');
        const timer = setTimeout(() => master.kill('SIGKILL'), STOP_GRACE_MS);
        await gone;
        clearTimeout(timer);
      }
      // A master killed outright leaves its workers running: stop them by the pids it logged.
      const log = await readFile(errorLog, 'utf8').catch(() => '');
      for (const pid of liveWorkers(log)) {
        const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (!command.startsWith('nginx: worker process')) continue; // gone, and the pid perhaps reused
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // ESRCH: it went with its master.
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
