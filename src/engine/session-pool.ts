import type { Target } from '../core/model.js';
import type { TargetExecutor, TargetSession } from './ports.js';

/** One open session per target for the length of a run, opened on first use. */
export class SessionPool {
  private readonly sessions = new Map<string, Promise<TargetSession>>();

  constructor(
    private readonly executor: TargetExecutor,
    private readonly connectTimeoutMs: number,
  ) {}

  open(target: Target | string, signal: AbortSignal): Promise<TargetSession> {
    if (typeof target === 'string') return Promise.reject(new Error(`target ${target} is not known to this run`));
    let session = this.sessions.get(target.name);
    if (!session) {
      session = this.executor.open(target, { timeoutMs: this.connectTimeoutMs, signal });
      // A failed connection is not kept: the next step (or rollback) tries again.
      session.catch(() => this.sessions.delete(target.name));
      this.sessions.set(target.name, session);
    }
    return session;
  }

  /** Forgets a target's session (its connection dropped), so the next step connects again. */
  async discard(target: string): Promise<void> {
    const session = this.sessions.get(target);
    this.sessions.delete(target);
    await (await session?.catch(() => undefined))?.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map(async (session) => (await session.catch(() => undefined))?.close().catch(() => undefined)));
  }
}
