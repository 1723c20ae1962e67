import { spawn } from 'node:child_process';
import { formatDuration } from '../core/duration.js';
import type { RenderedProvider } from '../engine/analysis/metric-port.js';

/**
 * The command metric provider: `sh -c <run>` on the server, in its own process group. The
 * analysis context reaches the command only as environment variables (GANTRY_APP, GANTRY_RELEASE,
 * GANTRY_ENVIRONMENT, GANTRY_TARGETS, GANTRY_ARG_<NAME>), never spliced into the command text.
 * If the command exits 0 and prints a number, the result is that number; otherwise the result is
 * whether it exited 0. A command that runs past its timeout is killed, with everything it started.
 */

export type CommandProvider = Extract<RenderedProvider, { kind: 'command' }>;

export const MAX_COMMAND_STDOUT_BYTES = 64 * 1024;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

export interface CommandOptions {
  /** The working directory; relative commands such as ./check.sh are found from here. */
  readonly cwd: string;
  /** The environment the command starts from (PATH and the like); GANTRY_* variables are added to it. */
  readonly baseEnv: Readonly<Record<string, string>>;
}

/** The result of a command: its trimmed standard output as a number if it is one and the command succeeded, else whether it succeeded. */
export function commandResult(exitCode: number, stdout: string): number | boolean {
  const text = stdout.trim();
  if (exitCode === 0 && NUMBER.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return value;
  }
  return exitCode === 0;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

export function readCommandMetric(provider: CommandProvider, signal: AbortSignal, options: CommandOptions): Promise<unknown> {
  signal.throwIfAborted();
  return new Promise<unknown>((resolve, reject) => {
    const child = spawn('sh', ['-c', provider.run], {
      cwd: options.cwd,
      env: { ...options.baseEnv, ...provider.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let failure: Error | undefined;

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, provider.timeout);
    const onAbort = () => killGroup(child.pid);
    signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      // Past the cap the output is drained and dropped, so the command is never blocked on a full pipe.
      if (size >= MAX_COMMAND_STDOUT_BYTES) return;
      const kept = chunk.subarray(0, MAX_COMMAND_STDOUT_BYTES - size);
      chunks.push(kept);
      size += kept.length;
    });
    child.once('error', (error) => {
      failure = new Error(`cannot start the command: ${error.message}`);
    });
    child.once('exit', (code, exitedBy) => {
      exitCode = code;
      exitSignal = exitedBy;
      // Whatever the command left running in its group would hold the output pipe open.
      killGroup(child.pid);
    });
    child.once('close', () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(signal.reason);
      else if (timedOut) reject(new Error(`the command did not finish within ${formatDuration(provider.timeout)} and was killed`));
      else if (failure !== undefined) reject(failure);
      else if (exitCode === null) reject(new Error(`the command was ended by signal ${exitSignal ?? 'unknown'}`));
      else resolve(commandResult(exitCode, Buffer.concat(chunks).toString('utf8')));
    });
  });
}
