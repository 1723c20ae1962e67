/**
 * The one thing the release layout needs from a transport: run a `sh -c` script on the target,
 * open a TCP connection from the target, and close. local.ts and ssh.ts implement it.
 */
import type { Duplex, Readable } from 'node:stream';
import type { OutputSink, StepAttempt } from '../engine/ports.js';

export interface ShellRunOptions {
  /** Fed to the script's standard input; the input is closed at its end (or at once if absent). */
  readonly stdin?: Readable | Buffer | string;
  /** The whole process tree is killed when this passes. */
  readonly timeoutMs: number;
  /** Aborting kills the whole process tree too. */
  readonly signal?: AbortSignal;
  /** Receives output as it arrives, decoded as UTF-8. */
  readonly onOutput?: OutputSink;
  /** The step attempt the script belongs to (agents run each command of an attempt once). */
  readonly attempt?: StepAttempt;
  /**
   * Called with the pid of the script's process-group leader once it is spawned, so a caller
   * that outlives a crash (the agent's attempt journal) can kill the group it left behind.
   */
  readonly onSpawn?: (pid: number) => void;
}

export interface ShellRunResult {
  /** null when the script did not exit by itself (killed by a signal, or never started because cancelled). */
  readonly exitCode: number | null;
  /** The signal that ended the script, without the `SIG` prefix (`KILL`), if any. */
  readonly exitSignal: string | null;
  /** The first STDOUT_CAPTURE_BYTES of standard output. */
  readonly stdout: string;
  /** The last STDERR_CAPTURE_BYTES of standard error. */
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
}

export interface TargetShell {
  /** How errors name the target: `local:/srv/root` or `deploy@host:22`. */
  readonly description: string;
  /** Runs `script` with `sh -c` semantics. Throws TARGET_UNREACHABLE if the transport fails. */
  run(script: string, options: ShellRunOptions): Promise<ShellRunResult>;
  /** Opens a TCP connection to host:port as seen from the target. */
  connectTcp(host: string, port: number, timeoutMs: number): Promise<Duplex>;
  close(): Promise<void>;
}

export const STDOUT_CAPTURE_BYTES = 64 * 1024;
export const STDERR_CAPTURE_BYTES = 8 * 1024;
/** Between the polite SIGTERM and the SIGKILL of a process tree. */
export const KILL_GRACE_MS = 1000;
