/**
 * Runs the commands the server sends over the session (protocol version 2): `run` a script
 * (with its standard input streamed as `stdin` chunks), stream its `output`, report one
 * `result`; `cancel` it; and relay TCP tunnels. One CommandRunner lives as long as the agent
 * process and outlives its connections; the session attaches it once welcomed and detaches it
 * when the connection closes.
 *
 * Exactly once, as far as the agent can make it: every command is recorded in the attempt
 * journal before it is spawned, and a `run` whose id the journal knows is never run again. A
 * redelivery (after a reconnect, or after an agent restart) of a command still running only
 * moves where its result goes (the session of the latest delivery); of a finished or
 * interrupted one it is answered at once with the stored result. A result produced while no
 * session is up stays in the journal and is sent when the next session is welcomed (the server
 * refuses it if it has stopped waiting); an answered result (ack or refused) is not sent again.
 *
 * Work starts only on a live session: commands arrive only while attached, so an agent cut
 * off from the server (a partition) starts nothing new until it has reconnected and been
 * welcomed. What already runs goes on; its output while detached is not streamed (it still
 * lands in the result's capture). A command still waiting for its standard input when the
 * session closes is failed instead: the rest of the input cannot come any more.
 *
 * Scripts run with the local transport (src/executors/local.ts): each leads its own process
 * group, so a timeout or a cancel kills the whole tree.
 */
import { PassThrough } from 'node:stream';
import { createLocalShell } from '../executors/local.js';
import type { TargetShell } from '../executors/target-shell.js';
import type { AgentMessage, CommandResult, ServerMessage } from '../protocol/agent.js';
import type { AttemptJournal } from './attempt-journal.js';
import { TcpTunnels } from './tcp-tunnels.js';

export type CommandMessage = Extract<ServerMessage, { type: 'run' | 'stdin' | 'stdin-end' | 'cancel' | 'ack' | 'refused' | 'tcp-open' | 'tcp-data' | 'tcp-end' }>;

const COMMAND_MESSAGE_TYPES: ReadonlySet<string> = new Set<CommandMessage['type']>(['run', 'stdin', 'stdin-end', 'cancel', 'ack', 'refused', 'tcp-open', 'tcp-data', 'tcp-end']);

export function isCommandMessage(message: ServerMessage): message is CommandMessage {
  return COMMAND_MESSAGE_TYPES.has(message.type);
}

/** The live session, as the runner needs it. */
export interface AgentConnection {
  readonly sessionId: string;
  send(message: AgentMessage): void;
}

export interface CommandRunnerOptions {
  /** The absolute directory releases live in (`<agentDir>/apps`). */
  readonly root: string;
  readonly journal: AttemptJournal;
  readonly log: (line: string) => void;
}

interface RunningCommand {
  /** The fencing token it was started under: echoed with its output and result. */
  readonly token: number;
  /** The session of the latest delivery of the `run`: where its output and result belong. */
  session: string;
  readonly abort: AbortController;
  /** Fed by `stdin` frames; absent when the command takes no input. */
  readonly stdin: PassThrough | undefined;
}

function failedResult(why: string): CommandResult {
  return { exitCode: null, exitSignal: null, stdout: '', stderr: why.slice(0, 8192), timedOut: false, cancelled: false, interrupted: false };
}

/** The message of an error and of its causes: local.ts wraps the reason a run failed. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

export class CommandRunner {
  readonly #shell: TargetShell;
  readonly #journal: AttemptJournal;
  readonly #log: (line: string) => void;
  readonly #running = new Map<string, RunningCommand>();
  #connection: AgentConnection | undefined;
  #tunnels: TcpTunnels | undefined;

  constructor(options: CommandRunnerOptions) {
    this.#shell = createLocalShell(options.root);
    this.#journal = options.journal;
    this.#log = options.log;
  }

  /**
   * A session was welcomed: commands may arrive, and output and results go to it. Results the
   * server has not answered yet (finished while no session was up, or interrupted by a restart)
   * are sent at once: the server takes those it still waits for and refuses the late ones.
   */
  attach(connection: AgentConnection): void {
    this.detach();
    this.#connection = connection;
    this.#tunnels = new TcpTunnels((message) => connection.send(message), (host, port, timeoutMs) => this.#shell.connectTcp(host, port, timeoutMs));
    for (const entry of this.#journal.unanswered()) {
      if (entry.result && !this.#running.has(entry.id)) this.#sendResult(entry.id, entry.token, connection.sessionId, entry.result);
    }
  }

  /** The session closed: tunnels die with it, and so does any command still waiting for input. */
  detach(): void {
    this.#connection = undefined;
    this.#tunnels?.closeAll();
    this.#tunnels = undefined;
    for (const command of this.#running.values()) {
      if (command.stdin && !command.stdin.writableEnded) command.stdin.destroy(new Error('the connection to the server closed before the standard input was complete'));
    }
  }

  /** Never throws: a failure becomes a result (or a log line where there is nobody to tell). */
  handle(message: CommandMessage): void {
    try {
      this.#dispatch(message);
    } catch (error) {
      this.#log(`the ${message.type} message for ${message.id} failed: ${describeError(error)}`);
    }
  }

  #dispatch(message: CommandMessage): void {
    switch (message.type) {
      case 'run':
        return this.#run(message);
      case 'stdin': {
        const stdin = this.#waitingForInput(message.id);
        stdin?.write(Buffer.from(message.data, 'base64'));
        return;
      }
      case 'stdin-end':
        this.#waitingForInput(message.id)?.end();
        return;
      case 'cancel':
        this.#running.get(message.id)?.abort.abort();
        return;
      case 'ack':
        this.#acknowledge(message.id);
        return;
      case 'refused':
        this.#log(`the server refused the result of ${message.id}: ${message.reason}`);
        this.#acknowledge(message.id);
        return;
      case 'tcp-open':
        this.#tunnels?.open(message.id, message.host, message.port, message.timeoutMs);
        return;
      case 'tcp-data':
        this.#tunnels?.write(message.id, message.data);
        return;
      case 'tcp-end':
        this.#tunnels?.end(message.id);
        return;
    }
  }

  #acknowledge(id: string): void {
    this.#journal.acknowledge(id).catch((error: unknown) => this.#log(`the answer to ${id} was not written to the attempt journal: ${describeError(error)}`));
  }

  #waitingForInput(id: string): PassThrough | undefined {
    const stdin = this.#running.get(id)?.stdin;
    return stdin && !stdin.writableEnded && !stdin.destroyed ? stdin : undefined;
  }

  #run(message: Extract<CommandMessage, { type: 'run' }>): void {
    const session = this.#connection?.sessionId;
    if (session === undefined) return;
    const running = this.#running.get(message.id);
    if (running) {
      running.session = session;
      return;
    }
    const known = this.#journal.get(message.id);
    if (known) {
      // Within this process an entry without a result is always in #running (see #execute).
      if (known.result) this.#sendResult(message.id, known.token, session, known.result);
      return;
    }
    const command: RunningCommand = { token: message.token, session, abort: new AbortController(), stdin: message.stdin ? new PassThrough() : undefined };
    // Cutting the input (detach) destroys it with an error: local.ts reports that once it runs;
    // before that (the journal write), nobody else listens and the agent must not crash.
    command.stdin?.on('error', () => undefined);
    // The server streams input once: a command first seen on a redelivery will not get it.
    if (message.redelivered) command.stdin?.destroy(new Error('its input was streamed on a connection that dropped before the command reached this agent, and is not sent again'));
    // Before anything is awaited: a redelivery arriving meanwhile must find it running.
    this.#running.set(message.id, command);
    void this.#execute(message.id, message.script, message.timeoutMs, command);
  }

  async #execute(id: string, script: string, timeoutMs: number, command: RunningCommand): Promise<void> {
    let result: CommandResult;
    try {
      await this.#journal.start(id, command.token);
      result = await this.#runScript(id, script, timeoutMs, command);
    } catch (error) {
      // Not run: without its journal entry a restart could not tell it ran, and might run it twice.
      command.stdin?.destroy();
      result = failedResult(`the agent did not run the command: its attempt journal cannot be written: ${describeError(error)}`);
    }
    try {
      await this.#journal.finish(id, command.token, result);
    } catch (error) {
      this.#log(`the result of ${id} was not written to the attempt journal: ${describeError(error)}`);
    }
    // Only now: a redelivery meanwhile moved command.session rather than answering a second time.
    this.#running.delete(id);
    this.#sendResult(id, command.token, command.session, result);
  }

  async #runScript(id: string, script: string, timeoutMs: number, command: RunningCommand): Promise<CommandResult> {
    // The session closed while the journal was written: its input will never be complete.
    if (command.stdin?.destroyed) return failedResult(`the agent did not run the command: ${describeError(command.stdin.errored ?? 'its standard input was cut off')}`);
    try {
      const result = await this.#shell.run(script, {
        ...(command.stdin ? { stdin: command.stdin } : {}),
        timeoutMs,
        signal: command.abort.signal,
        onOutput: (stream, text) => this.#connection?.send({ type: 'output', id, token: command.token, session: command.session, stream, text }),
        onSpawn: (pid) => {
          this.#journal.recordPid(id, pid).catch((error: unknown) => this.#log(`the pid of ${id} was not written to the attempt journal: ${describeError(error)}`));
        },
      });
      return { ...result, interrupted: false };
    } catch (error) {
      return failedResult(`the command failed on the agent: ${describeError(error)}`);
    }
  }

  #sendResult(id: string, token: number, session: string, result: CommandResult): void {
    this.#connection?.send({ type: 'result', id, token, session, result });
  }
}
