import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TargetDto } from '../../src/protocol/api.js';
import type { TestGantry } from './gantry-server.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gantry.js');

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** The unprivileged user agents run as when the tests run as root (`nobody`). */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/**
 * `gantry agent` as its own process, as it runs on a machine. With `unprivileged` (and tests
 * running as root) it runs as `nobody`, through setpriv; its directory must be that user's.
 */
export function startAgent(gantry: TestGantry, args: string[], env: Record<string, string> = {}, options: { unprivileged?: boolean } = {}): AgentProcess {
  const command = [process.execPath, BIN, 'agent', '--server', gantry.url, ...args];
  const asUser = options.unprivileged && process.getuid?.() === 0 ? ['setpriv', `--reuid=${UNPRIVILEGED.uid}`, `--regid=${UNPRIVILEGED.gid}`, '--clear-groups', '--'] : [];
  const [file, ...rest] = [...asUser, ...command];
  const child = spawn(file!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GANTRY_TOKEN: '', ...env } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Polls the target until `until` holds (bounded: 10 s). */
export async function waitForTarget(gantry: TestGantry, name: string, until: (target: TargetDto) => boolean): Promise<TargetDto> {
  for (let i = 0; i < 200; i++) {
    const result = await gantry.api<TargetDto>('GET', `/targets/${name}`);
    if (result.status === 200 && until(result.body)) return result.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`target ${name} never reached the expected state`);
}
