import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gantry.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly token: string;
  readonly child: ChildProcess;
  /** SIGKILL: no shutdown code runs. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `gantry serve` as its own process, as a user would, and waits until it answers. Its admin
 * token is the one it wrote to its data dir, or `token` (a node joining a database another node
 * started, which writes none).
 */
export async function startServerProcess(dataDir: string, port: number, env: Record<string, string> = {}, token?: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, GANTRY_LOG_LEVEL: 'warn', GANTRY_LEASE_MS: '3000', GANTRY_HEARTBEAT_MS: '500', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`gantry serve exited with ${child.exitCode}: ${output}`);
    const healthy = await fetch(`${url}/healthz`).then((response) => response.ok, () => false);
    if (healthy) break;
    if (attempt > 200) throw new Error(`gantry serve did not answer within 20s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    token: token ?? readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
    child,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
