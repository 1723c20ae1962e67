import type { AppDeps } from '../app/app-deps.js';
import type { ProgressHub } from '../app/progress-hub.js';
import type { AgentCommands } from './agent-commands.js';
import type { AgentRelayHost } from './agent-relay.js';
import type { AgentSessions } from './agent-sessions.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { OidcClient } from './oidc.js';

export interface ServerContext {
  readonly app: AppDeps;
  readonly progress: ProgressHub;
  /** How long an SSE stream waits for a progress signal before it looks at the store anyway. */
  readonly streamPollMs: number;
  /** The agents connected to this server. */
  readonly agentSessions: AgentSessions;
  /** Deployment steps in flight on agents. */
  readonly agentCommands: AgentCommands;
  /** How often agents and the server exchange heartbeats. */
  readonly agentHeartbeatMs: number;
  /** Agents' sessions seen by the other nodes: where each agent is, and relaying to those here. */
  readonly agentRelay: AgentRelayContext;
  /** Refuses addresses that keep failing authentication. */
  readonly authThrottle: AuthThrottle;
  /** Single sign-on, when configured. */
  readonly oidc?: OidcClient | null;
  /** The built web UI's directory (dist/ui), or null when it was not built. */
  readonly webUi?: string | null;
}

export interface AgentRelayContext {
  readonly host: AgentRelayHost;
  /** Whether the credential is this installation's node credential. */
  isNode(credential: string | string[] | undefined): boolean;
}
