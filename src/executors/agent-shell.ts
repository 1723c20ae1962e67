/**
 * TargetShell for `transport.type === 'agent'`: each script travels to the agent as a command
 * over its WebSocket and runs there with `sh -c`, so the release layout (release-layout.ts) is
 * the very same program as over SSH. The agent link (the server's side of the agent protocol)
 * is injected by the composition root; this file only names commands and reads results.
 */
import { randomUUID } from 'node:crypto';
import { Readable, type Duplex } from 'node:stream';
import { GantryError } from '../core/errors.js';
import type { CommandResult } from '../protocol/agent.js';
import type { OutputSink } from '../engine/ports.js';
import type { ShellRunOptions, ShellRunResult, TargetShell } from './target-shell.js';

export interface AgentCommand {
  /** `<step-attempt key>#<n>`: the n-th command of the attempt, the same on every redelivery. */
  readonly id: string;
  readonly token: number;
  readonly script: string;
  readonly timeoutMs: number;
  /** Streamed to the agent once, as it is read; not kept. */
  readonly stdin: Readable | null;
}

/**
 * What the server's agent sessions offer the executor. `run` delivers the command (again after
 * each reconnect) until its result arrives; it rejects with TARGET_UNREACHABLE when the agent is
 * offline past the heartbeat timeout, or revoked.
 */
export interface AgentLink {
  /** Whether the agent has a session here, or can be reached through the node holding its session. */
  reachable(agent: string): Promise<boolean>;
  run(agent: string, command: AgentCommand, options: { readonly signal?: AbortSignal; readonly onOutput?: OutputSink }): Promise<CommandResult>;
  openTunnel(agent: string, host: string, port: number, timeoutMs: number): Promise<Duplex>;
}

function asStream(input: ShellRunOptions['stdin']): Readable | null {
  if (input === undefined) return null;
  return input instanceof Readable ? input : Readable.from([Buffer.from(input)]);
}

export function createAgentShell(link: AgentLink, agent: string): TargetShell {
  /** How many commands each step attempt has sent, so every command has its own stable id. */
  const sent = new Map<string, number>();
  const description = `agent:${agent}`;

  return {
    description,
    async run(script, options): Promise<ShellRunResult> {
      if (options.signal?.aborted) return { exitCode: null, exitSignal: null, stdout: '', stderr: '', timedOut: false, cancelled: true };
      const key = options.attempt?.key ?? `adhoc/${randomUUID()}`;
      const n = (sent.get(key) ?? 0) + 1;
      sent.set(key, n);
      const stdin = asStream(options.stdin);
      const result = await link.run(
        agent,
        { id: `${key}#${n}`, token: options.attempt?.fencingToken ?? 0, script, timeoutMs: options.timeoutMs, stdin },
        { ...(options.signal ? { signal: options.signal } : {}), ...(options.onOutput ? { onOutput: options.onOutput } : {}) },
      );
      if (result.interrupted) {
        throw new GantryError('STEP_FAILED', `agent ${agent} restarted while this step ran there; the attempt was interrupted and its processes stopped`, { target: description });
      }
      return result;
    },
    connectTcp: (host, port, timeoutMs) => link.openTunnel(agent, host, port, timeoutMs),
    close: async () => undefined,
  };
}
