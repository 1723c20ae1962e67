/**
 * TargetShell over SSH (`transport.type === 'ssh'`): one ssh2 connection per session, one exec
 * channel per script. The host key must match the pinned fingerprint (see host-key.ts for the
 * format). Requires a POSIX login shell (sh, bash, dash, zsh) for the user on the target.
 *
 * Killing the process tree: sshd runs the exec'd command as a session and process group leader,
 * so each script is wrapped to first print its PID (the group id) on stderr behind a one-off
 * marker, which is stripped from the output. On timeout or cancel a second channel runs
 * `kill -s TERM -- -PGID; sleep 1; kill -s KILL -- -PGID`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable, type Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { GantryError } from '../core/errors.js';
import { fingerprintHostKey, normalizeFingerprint } from './host-key.js';
import { isHostKeyListed, knownHostsName } from './known-hosts.js';
import { OutputCapture } from './output-capture.js';
import { feedScriptInput } from './script-input.js';
import { shellCommand } from './shell-quote.js';
import { connectSsh, describeSshEndpoint, type HostKeyCheck, type SshConnectOptions, type SshEndpoint } from './ssh-connect.js';
import { KILL_GRACE_MS, type ShellRunOptions, type ShellRunResult, type TargetShell } from './target-shell.js';

export { fingerprintHostKey } from './host-key.js';
export type { SshEndpoint } from './ssh-connect.js';

export interface PinnedSshEndpoint extends SshEndpoint {
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
  readonly hostKeySha256: string;
}

/** After the kill, how long to wait for the channel to close before giving up on it. */
const CHANNEL_CLOSE_GRACE_MS = 3000;
/** How long a kill waits for the script to report its process group id. */
const PGID_WAIT_MS = 2000;

function pinnedHostKey(endpoint: PinnedSshEndpoint): HostKeyCheck {
  const pinned = normalizeFingerprint(endpoint.hostKeySha256);
  return (keyBlob) => {
    const offered = fingerprintHostKey(keyBlob);
    if (offered === pinned) return null;
    return new GantryError(
      'HOST_KEY_MISMATCH',
      `the host key of ${endpoint.host}:${endpoint.port} is ${offered}, but ${pinned} is pinned for it; refusing to connect`,
      { host: endpoint.host, port: endpoint.port, expected: pinned, offered },
    );
  };
}

/** Connects and authenticates; refuses any host key but the pinned one. */
export async function openSshShell(endpoint: PinnedSshEndpoint, options: SshConnectOptions): Promise<TargetShell> {
  const client = await connectSsh(endpoint, pinnedHostKey(endpoint), options);
  return new SshShell(client, describeSshEndpoint(endpoint));
}

export interface SshProbe extends SshEndpoint {
  /** If given, the host key must be listed there for `[host]:port` (`host` on port 22). */
  readonly knownHostsPath?: string;
  readonly timeoutMs: number;
}

/** Connects and authenticates once, and returns the host key fingerprint to pin for the target. */
export async function probeSshTarget(probe: SshProbe): Promise<{ hostKeySha256: string }> {
  let knownHosts: string | undefined;
  if (probe.knownHostsPath !== undefined) {
    try {
      knownHosts = await readFile(probe.knownHostsPath, 'utf8');
    } catch (error) {
      throw new GantryError('REQUEST_INVALID', `cannot read the known_hosts file ${probe.knownHostsPath}`, { where: 'knownHostsPath' }, { cause: error });
    }
  }
  let offered: string | null = null;
  const check: HostKeyCheck = (keyBlob) => {
    offered = fingerprintHostKey(keyBlob);
    if (knownHosts === undefined || isHostKeyListed(knownHosts, probe.host, probe.port, keyBlob)) return null;
    return new GantryError(
      'HOST_KEY_MISMATCH',
      `the host key of ${probe.host}:${probe.port} (${offered}) is not listed for ${knownHostsName(probe.host, probe.port)} in ${probe.knownHostsPath ?? ''}`,
      { host: probe.host, port: probe.port, offered },
    );
  };
  const client = await connectSsh(probe, check, { timeoutMs: probe.timeoutMs });
  client.end();
  if (offered === null) throw new GantryError('INTERNAL', 'the SSH server was accepted without showing a host key');
  return { hostKeySha256: offered };
}

class SshShell implements TargetShell {
  readonly description: string;
  readonly #client: Client;
  #lost: GantryError | null = null;
  #closed = false;

  constructor(client: Client, description: string) {
    this.#client = client;
    this.description = description;
    const lose = (error?: unknown): void => {
      this.#lost ??= new GantryError('TARGET_UNREACHABLE', `the connection to ${description} was lost`, {}, { cause: error });
    };
    client.on('error', lose);
    client.on('close', () => lose());
  }

  #ensureOpen(): void {
    if (this.#closed) throw new GantryError('INTERNAL', `the session to ${this.description} is already closed`);
    if (this.#lost) throw this.#lost;
  }

  /**
   * Opens an exec channel and hands it to `attach` synchronously: ssh2 may emit the channel's
   * `exit` in the same tick as the callback, so listeners attached a microtask later can miss it.
   */
  #exec<T>(command: string, attach: (channel: ClientChannel) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#client.exec(command, (error, channel) => {
        if (error) {
          reject(this.#lost ?? new GantryError('TARGET_UNREACHABLE', `cannot open a session channel on ${this.description}`, {}, { cause: error }));
        } else {
          resolve(attach(channel));
        }
      });
    });
  }

  async run(script: string, options: ShellRunOptions): Promise<ShellRunResult> {
    if (options.signal?.aborted || this.#closed || this.#lost) {
      if (options.stdin instanceof Readable) options.stdin.destroy();
    }
    if (options.signal?.aborted) {
      return { exitCode: null, exitSignal: null, stdout: '', stderr: '', timedOut: false, cancelled: true };
    }
    this.#ensureOpen();
    const marker = `GANTRY-PGID-${randomBytes(8).toString('hex')}:`;
    // `$$` of the exec'd shell is the process group sshd created for this session.
    const wrapper = `printf '%s%s\\n' '${marker}' "$$" >&2 && exec sh -c "$1"`;
    const supervised = this.#exec(shellCommand(['exec', 'sh', '-c', wrapper, 'sh', script]), (channel) => this.#supervise(channel, marker, options));
    return supervised.catch((error: unknown) => {
      if (options.stdin instanceof Readable) options.stdin.destroy();
      throw error;
    });
  }

  #supervise(channel: ClientChannel, marker: string, options: ShellRunOptions): Promise<ShellRunResult> {
    return new Promise<ShellRunResult>((resolve, reject) => {
      const capture = new OutputCapture(options.onOutput);
      const stderrLines = new MarkerFilter(marker, (chunk) => capture.stderr(chunk));
      let exit: { code: number | null; signal: string | null } | null = null;
      let timedOut = false;
      let cancelled = false;
      let killing = false;
      let inputError: unknown = null;
      let settled = false;
      let channelClosed = false;
      /** A kill channel is still running: wait for it, so its SIGKILL is not cut off by close(). */
      let killerRunning = false;
      const timers: NodeJS.Timeout[] = [];
      const finishWhenDone = (): void => {
        if (channelClosed && !killerRunning) finish();
      };

      const giveUpOnChannel = (): void => {
        if (settled) return;
        timers.push(
          setTimeout(() => {
            channel.destroy();
            finish();
          }, CHANNEL_CLOSE_GRACE_MS),
        );
      };
      const killTree = (): void => {
        if (killing || settled) return;
        killing = true;
        const killGroup = (pgid: string): void => {
          const command = `kill -s TERM -- -${pgid} 2>/dev/null; sleep ${KILL_GRACE_MS / 1000}; kill -s KILL -- -${pgid} 2>/dev/null; exit 0`;
          killerRunning = true;
          this.#exec(command, (killer) => {
            killer.resume();
            killer.stderr.resume();
            killer.once('close', () => {
              killerRunning = false;
              finishWhenDone();
              giveUpOnChannel();
            });
          }).catch(
            () => {
              killerRunning = false;
              channel.close();
              giveUpOnChannel();
            },
          );
        };
        if (stderrLines.pgid !== null) {
          killGroup(stderrLines.pgid);
          return;
        }
        const waitStarted = Date.now();
        const poll = setInterval(() => {
          if (stderrLines.pgid !== null) {
            clearInterval(poll);
            killGroup(stderrLines.pgid);
          } else if (Date.now() - waitStarted > PGID_WAIT_MS) {
            clearInterval(poll);
            channel.close();
            giveUpOnChannel();
          }
        }, 20);
        timers.push(poll);
      };
      const onAbort = (): void => {
        cancelled = true;
        killTree();
      };
      const stopInput = feedScriptInput(options.stdin, channel, (error) => {
        inputError = error;
        killTree();
      });
      const finish = (): void => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        stopInput();
        stderrLines.flush();
        const { stdout, stderr } = capture.finish();
        if (inputError !== null) {
          reject(inputError instanceof GantryError ? inputError : new GantryError('STEP_FAILED', 'reading the input for a step failed', {}, { cause: inputError }));
        } else if (exit === null && !timedOut && !cancelled) {
          // sshd always reports how the command ended; a channel closed without it lost its connection.
          reject(this.#lost ?? new GantryError('TARGET_UNREACHABLE', `the connection to ${this.description} closed before the step finished`));
        } else {
          resolve({ exitCode: exit?.code ?? null, exitSignal: exit?.signal ?? null, stdout, stderr, timedOut, cancelled });
        }
      };

      channel.on('data', (chunk: Buffer) => capture.stdout(chunk));
      channel.stderr.on('data', (chunk: Buffer) => stderrLines.write(chunk));
      channel.on('exit', (code: number | null, signal?: string) => {
        // ssh2 reports signals as `SIG<name>`.
        exit = { code: typeof code === 'number' ? code : null, signal: signal ? signal.replace(/^SIG/, '') : null };
      });
      channel.once('close', () => {
        channelClosed = true;
        finishWhenDone();
      });
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killTree();
        }, options.timeoutMs),
      );
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async connectTcp(host: string, port: number, timeoutMs: number): Promise<Duplex> {
    this.#ensureOpen();
    return new Promise<Duplex>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new GantryError('HEALTH_CHECK_FAILED', `connecting to ${host}:${port} from ${this.description} timed out after ${timeoutMs} ms`, { host, port }));
      }, timeoutMs);
      this.#client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
        clearTimeout(timer);
        if (timedOut) {
          channel?.destroy();
          return;
        }
        if (error) {
          reject(this.#lost ?? new GantryError('HEALTH_CHECK_FAILED', `cannot connect to ${host}:${port} from ${this.description}`, { host, port }, { cause: error }));
        } else {
          resolve(channel);
        }
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#lost) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#client.destroy();
        resolve();
      }, 2000);
      this.#client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#client.end();
    });
  }
}

/**
 * Passes stderr through, except the one line `<marker><pgid>` the wrapper prints first.
 * Lines before it (login shell noise) pass through unchanged.
 */
class MarkerFilter {
  pgid: string | null = null;
  readonly #marker: string;
  readonly #forward: (chunk: Buffer) => void;
  #pending: Buffer = Buffer.alloc(0);

  constructor(marker: string, forward: (chunk: Buffer) => void) {
    this.#marker = marker;
    this.#forward = forward;
  }

  write(chunk: Buffer): void {
    if (this.pgid !== null) {
      this.#forward(chunk);
      return;
    }
    this.#pending = Buffer.concat([this.#pending, chunk]);
    let newline = this.#pending.indexOf(0x0a);
    while (newline !== -1 && this.pgid === null) {
      const line = this.#pending.subarray(0, newline).toString('utf8');
      const rest = this.#pending.subarray(newline + 1);
      const match = line.startsWith(this.#marker) ? /^\d+$/.exec(line.slice(this.#marker.length)) : null;
      if (match) {
        this.pgid = match[0];
      } else {
        this.#forward(this.#pending.subarray(0, newline + 1));
      }
      this.#pending = rest;
      newline = this.#pending.indexOf(0x0a);
    }
    if (this.pgid !== null && this.#pending.length > 0) {
      const rest = this.#pending;
      this.#pending = Buffer.alloc(0);
      this.#forward(rest);
    }
  }

  flush(): void {
    if (this.#pending.length > 0) this.#forward(this.#pending);
    this.#pending = Buffer.alloc(0);
  }
}
