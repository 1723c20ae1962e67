import type { EngineDeps } from './engine-deps.js';
import { runDeployment, type DeploymentRun } from './run-deployment.js';

/**
 * Claims deployments and advances them. A node's owner name is `<node id>/<boot id>`: on start
 * the node expires the leases its previous incarnation held, so a restart resumes at once
 * instead of waiting out the lease.
 */
export class Engine {
  private readonly runs = new Map<string, DeploymentRun>();
  private stopped = false;
  private wake: (() => void) | undefined;
  private wokenWhileBusy = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly deps: EngineDeps,
    private readonly nodeId: string,
    private readonly bootId: string,
  ) {}

  get owner(): string {
    return `${this.nodeId}/${this.bootId}`;
  }

  async start(): Promise<void> {
    const expired = await this.deps.store.expireLeases(`${this.nodeId}/`, this.deps.clock.now().toISOString());
    if (expired > 0) this.deps.log.info({ deployments: expired }, 'resuming deployments interrupted by the last shutdown');
    this.loop = this.claimLoop();
  }

  /** Something changed (a deployment queued, a cancel or abort requested): look now, not at the next poll. */
  poke(): void {
    for (const run of this.runs.values()) run.checkControl();
    if (this.wake) this.wake();
    else this.wokenWhileBusy = true;
  }

  /** Stops claiming and stops running deployments where they are; another start resumes them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    for (const run of this.runs.values()) run.stop('shutdown');
    await Promise.all([...this.runs.values()].map((run) => run.done));
    await this.loop;
    await this.deps.store.expireLeases(`${this.owner}`, this.deps.clock.now().toISOString()).catch(() => 0);
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopped) {
      let claimed = false;
      if (this.runs.size < this.deps.settings.maxConcurrentDeployments) {
        try {
          const lease = await this.deps.store.claimDeployment(this.owner, () => {
            const now = this.deps.clock.now();
            return { now: now.toISOString(), leaseExpiresAt: new Date(now.getTime() + this.deps.settings.leaseMs).toISOString() };
          });
          if (lease && !this.stopped) {
            claimed = true;
            const run = runDeployment(this.deps, lease);
            this.runs.set(lease.deploymentId, run);
            void run.done.finally(() => {
              this.runs.delete(lease.deploymentId);
              this.wake?.();
            });
          }
        } catch (error) {
          this.deps.log.warn({ err: error }, 'could not claim work; will retry');
        }
      }
      if (!claimed) await this.idle();
    }
  }

  private idle(): Promise<void> {
    if (this.wokenWhileBusy) {
      this.wokenWhileBusy = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.deps.settings.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
