import type { AppDeps } from '../app/app-deps.js';
import type { ProgressHub } from '../app/progress-hub.js';

export interface ServerContext {
  readonly app: AppDeps;
  readonly progress: ProgressHub;
  /** How long an SSE stream waits for a progress signal before it looks at the store anyway. */
  readonly streamPollMs: number;
}
