/**
 * How the agent ends when it cannot go on: a stable code for the one `error[CODE]: message` line
 * it prints, and the exit code (the same numbers as the rest of the CLI, docs/cli.md).
 */
export const AGENT_EXIT_CODES = {
  /** Stopped by SIGINT or SIGTERM. */
  ok: 0,
  failed: 1,
  /** A bad option, or an agent directory that cannot be used. */
  invalid: 2,
  /** The name is taken by another target. */
  conflict: 4,
  /** The enrolment token was refused, the agent was revoked, or the server does not know it. */
  denied: 5,
  /** The server cannot be reached for enrolment. */
  unavailable: 6,
} as const;

export class AgentFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentFailure';
  }
}

export function isAgentFailure(value: unknown): value is AgentFailure {
  return value instanceof AgentFailure;
}
