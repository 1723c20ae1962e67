/**
 * TargetShell for `transport.type === 'local'`: scripts run as child processes of the server,
 * with a small environment (like an SSH session's), not the server's own, which holds secrets.
 * Each script leads its own process group (`detached`), so a timeout or cancel kills the whole
 * tree: SIGTERM to the group, then SIGKILL after a short grace.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { GantryError } from '../core/errors.js';
import { OutputCapture } from './output-capture.js';
import { feedScriptInput } from './script-input.js';
import { KILL_GRACE_MS, type ShellRunOptions, type ShellRunResult, type TargetShell } from './target-shell.js';

/** After the SIGKILL, how long the output pipes may stay open (held by a process that left the group). */
const OUTPUT_DRAIN_MS = 2000;

export function createLocalShell(root: string): TargetShell {
  return {
    description: `local:${root}`,
    run: (script, options) => runLocalScript(script, options),
    connectTcp: (host, port, timeoutMs) => connectLocalTcp(host, port, timeoutMs),
    close: async () => undefined,
  };
}

/** What a local script inherits from the server's environment: enough to find programs, not the server's secrets. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function scriptEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: DEFAULT_PATH };
  for (const name of INHERITED_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function signalProcessGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function runLocalScript(script: string, options: ShellRunOptions): Promise<ShellRunResult> {
  if (options.signal?.aborted) {
    if (options.stdin instanceof Readable) options.stdin.destroy();
    return Promise.resolve({ exitCode: null, exitSignal: null, stdout: '', stderr: '', timedOut: false, cancelled: true });
  }
  return new Promise<ShellRunResult>((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: scriptEnvironment() });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const capture = new OutputCapture(options.onOutput);
    let timedOut = false;
    let cancelled = false;
    let inputError: unknown = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    let killing = false;
    const killTree = (): void => {
      if (child.pid === undefined || killing || settled) return;
      killing = true;
      const pgid = child.pid;
      // The group outlives its leader while any member is left, so this works after the shell exited too.
      signalProcessGroup(pgid, 'SIGTERM');
      timers.push(
        setTimeout(() => {
          signalProcessGroup(pgid, 'SIGKILL');
          // A process that left the group (setsid) may still hold the pipes: stop waiting for it.
          timers.push(
            setTimeout(() => {
              child.stdout.destroy();
              child.stderr.destroy();
              finish();
            }, OUTPUT_DRAIN_MS),
          );
        }, KILL_GRACE_MS),
      );
    };
    const onAbort = (): void => {
      cancelled = true;
      killTree();
    };
    const stopInput = feedScriptInput(options.stdin, child.stdin, (error) => {
      inputError = error;
      killTree();
    });
    const finish = (): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stopInput();
      const { stdout, stderr } = capture.finish();
      if (inputError !== null) {
        reject(inputError instanceof GantryError ? inputError : new GantryError('STEP_FAILED', 'reading the input for a step failed', {}, { cause: inputError }));
        return;
      }
      resolve({
        exitCode: exit?.code ?? null,
        exitSignal: exit?.signal ? exit.signal.replace(/^SIG/, '') : null,
        stdout,
        stderr,
        timedOut,
        cancelled,
      });
    };

    child.stdout.on('data', (chunk: Buffer) => capture.stdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => capture.stderr(chunk));
    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stopInput();
      reject(new GantryError('TARGET_UNREACHABLE', 'cannot start a shell on the local target', {}, { cause: error }));
    });
    // Like sshd, wait until the output pipes close: a background process still writing to them
    // keeps the step running (until its timeout kills the group).
    child.once('exit', (code, signal) => {
      exit = { code, signal };
    });
    child.once('close', finish);

    timers.push(
      setTimeout(() => {
        timedOut = true;
        killTree();
      }, options.timeoutMs),
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function connectLocalTcp(host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new GantryError('HEALTH_CHECK_FAILED', `connecting to ${host}:${port} timed out after ${timeoutMs} ms`, { host, port }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new GantryError('HEALTH_CHECK_FAILED', `cannot connect to ${host}:${port}`, { host, port }, { cause: error }));
    });
  });
}
