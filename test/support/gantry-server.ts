import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { packDirectory } from '../../src/artifacts/pack-directory.js';
import { loadServerConfig } from '../../src/config/server-config.js';
import { startGantry, type RunningGantry } from '../../src/main/serve.js';
import type { DeploymentDetailDto, QueuedDeploymentDto } from '../../src/protocol/api.js';

export interface TestGantry {
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
  readonly gantry: RunningGantry;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  apply(manifest: string): Promise<void>;
  release(app: string, version: string, dir: string): Promise<void>;
  deploy(app: string, version: string, environment: string, force?: boolean): Promise<QueuedDeploymentDto>;
  /** Polls the deployment until it reaches a terminal state (bounded by `timeoutMs`). */
  waitFor(id: string, timeoutMs?: number): Promise<DeploymentDetailDto>;
  close(): Promise<void>;
}

const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled']);

/** A real Gantry server in this process, on a free port, with fast leases for tests. */
export async function startTestGantry(options: { postgresUrl?: string; dataDir?: string } = {}): Promise<TestGantry> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gantry-server-'));
  const env = { GANTRY_LEASE_MS: '3000', GANTRY_HEARTBEAT_MS: '500', ...(options.postgresUrl ? { GANTRY_DATABASE_URL: options.postgresUrl } : {}) };
  const config = loadServerConfig({ dataDir, listen: '127.0.0.1:0' }, env);
  const gantry = await startGantry(config, { logger: pino({ level: process.env.GANTRY_TEST_LOG_LEVEL ?? 'silent' }), engine: { pollMs: 100 } });
  const token = gantry.adminToken ?? '';
  const api = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gantry.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const expectOk = <T>(result: { status: number; body: T }, what: string): T => {
    if (result.status >= 300) throw new Error(`${what} failed with ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  };
  return {
    url: gantry.url,
    token,
    dataDir,
    gantry,
    api,
    async apply(manifest) {
      expectOk(await api('POST', '/applications', { manifest }), 'apply');
    },
    async release(app, version, dir) {
      const response = await fetch(`${gantry.url}/api/v1/applications/${app}/releases/${version}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
        body: Readable.toWeb(packDirectory(dir)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (response.status !== 201) throw new Error(`release failed with ${response.status}: ${await response.text()}`);
    },
    async deploy(app, version, environment, force = false) {
      return expectOk(await api<QueuedDeploymentDto>('POST', '/deployments', { app, version, environment, force }), 'deploy');
    },
    async waitFor(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const detail = expectOk(await api<DeploymentDetailDto>('GET', `/deployments/${id}`), 'deployment show');
        if (TERMINAL.has(detail.deployment.state)) return detail;
        if (Date.now() > deadline) throw new Error(`deployment ${id} still ${detail.deployment.state} after ${timeoutMs}ms: ${JSON.stringify(detail.tasks)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await gantry.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
