import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadServerConfig } from '../../src/config/server-config.js';
import { startGantry, type RunningGantry } from '../../src/main/serve.js';
import { httpApi, type HttpApi } from './http-api.js';

export interface TestGantry extends HttpApi {
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
  readonly gantry: RunningGantry;
  close(): Promise<void>;
}

/** A real Gantry server in this process, on a free port, with fast leases for tests. */
export async function startTestGantry(options: { postgresUrl?: string; dataDir?: string; env?: Record<string, string>; listen?: string } = {}): Promise<TestGantry> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gantry-server-'));
  const env = { GANTRY_LEASE_MS: '3000', GANTRY_HEARTBEAT_MS: '500', ...(options.postgresUrl ? { GANTRY_DATABASE_URL: options.postgresUrl } : {}), ...options.env };
  const config = loadServerConfig({ dataDir, listen: options.listen ?? '127.0.0.1:0' }, env);
  const gantry = await startGantry(config, { logger: pino({ level: process.env.GANTRY_TEST_LOG_LEVEL ?? 'silent' }), engine: { pollMs: 100 } });
  // A restart on an existing data dir prints no token; read the one the first start saved.
  const token = gantry.adminToken ?? readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  return {
    ...httpApi(gantry.url, token),
    url: gantry.url,
    token,
    dataDir,
    gantry,
    async close() {
      await gantry.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
