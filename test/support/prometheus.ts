/**
 * A real Prometheus server on a loopback port for integration tests: a temporary config that
 * scrapes the given loopback targets every second, a temporary TSDB directory, and stop(), which
 * ends the process by its pid and removes the directory. Needs /usr/bin/prometheus (the Debian
 * `prometheus` package, 2.42 on the development and CI machines).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process.js';

const PROMETHEUS = '/usr/bin/prometheus';
const START_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

export function prometheusAvailable(): boolean {
  return existsSync(PROMETHEUS);
}

export interface PrometheusFixture {
  /** `http://127.0.0.1:<port>`: the `address` of a prometheus metric provider. */
  readonly address: string;
  readonly port: number;
  /** One instant query; the parsed JSON answer. */
  query(promql: string): Promise<unknown>;
  /** Polls until `promql` returns at least one sample (or a scalar); throws after `timeoutMs` (default 20 s). */
  waitForSeries(promql: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** `127.0.0.1:<port>` of each /metrics endpoint to scrape. */
  readonly targets: readonly string[];
  /** Default "1s". */
  readonly scrapeInterval?: string;
}


function configFor(options: PrometheusOptions): string {
  const interval = options.scrapeInterval ?? '1s';
  for (const target of options.targets) {
    if (!/^127\.0\.0\.1:\d{1,5}$/.test(target)) throw new Error(`scrape targets are 127.0.0.1:<port>, not ${target}`);
  }
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    '  - job_name: gantry-test',
    '    static_configs:',
    `      - targets: [${options.targets.map((target) => JSON.stringify(target)).join(', ')}]`,
    '',
  ].join('\n');
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: text };
  }
}

/** Starts Prometheus and waits until it is ready; a port taken in between is retried (three attempts). */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusFixture> {
  if (!prometheusAvailable()) throw new Error(`${PROMETHEUS} is not installed (apt-get install prometheus)`);
  const dir = await mkdtemp(join(tmpdir(), 'gantry-prometheus-'));
  const configPath = join(dir, 'prometheus.yml');
  await writeFile(configPath, configFor(options));
  let lastError: Error | undefined;
  try {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freePort();
      try {
        const child = await launch(dir, configPath, port);
        return fixture(child, dir, port);
      } catch (error) {
        lastError = error as Error;
      }
    }
  } catch (error) {
    lastError = error as Error;
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError ?? new Error('Prometheus did not start');
}

async function launch(dir: string, configPath: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, `data-${port}`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let poll = 0; poll < START_TIMEOUT_MS / POLL_MS && Date.now() < deadline; poll++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Prometheus on port ${port} exited at start: ${stderr.trim()}`);
    const ready = await fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return child;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await terminate(child);
  throw new Error(`Prometheus on port ${port} was not ready within ${START_TIMEOUT_MS / 1000}s: ${stderr.trim()}`);
}

function fixture(child: ChildProcess, dir: string, port: number): PrometheusFixture {
  const address = `http://127.0.0.1:${port}`;
  const query = async (promql: string) => (await getJson(`${address}/api/v1/query?query=${encodeURIComponent(promql)}`)).body;
  return {
    address,
    port,
    query,
    async waitForSeries(promql, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (let poll = 0; poll < Math.ceil(timeoutMs / POLL_MS) && Date.now() < deadline; poll++) {
        last = await query(promql).catch((error: unknown) => String(error));
        const data = (last as { data?: { resultType?: string; result?: unknown[] } } | undefined)?.data;
        if (data?.resultType === 'scalar' || (Array.isArray(data?.result) && data.result.length > 0)) return;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      throw new Error(`no samples for ${promql} within ${timeoutMs / 1000}s; last answer ${JSON.stringify(last)}`);
    },
    async stop() {
      await terminate(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
