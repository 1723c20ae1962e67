import type { AppDeps } from '../app/app-deps.js';
import type { ProgressHub } from '../app/progress-hub.js';
import type { AgentSessions } from './agent-sessions.js';

export interface ServerContext {
  readonly app: AppDeps;
  readonly progress: ProgressHub;
  /** How long an SSE stream waits for a progress signal before it looks at the store anyway. */
  readonly streamPollMs: number;
  /** The agents connected to this server. */
  readonly agentSessions: AgentSessions;
  /** How often agents and the server exchange heartbeats. */
  readonly agentHeartbeatMs: number;
}
