import { formatDuration } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import type { TrafficDefinition } from '../core/manifest/schema.js';
import type { Target } from '../core/model.js';
import { renderNginxUpstream } from '../core/traffic/nginx-upstream.js';
import type { RunContext } from './run-context.js';

/**
 * The environment's load balancer, as one run sees it: batches leave the rotation before they
 * are switched and come back once healthy. Which targets are out follows from the tasks — a
 * failed target stays out until it is rolled back — so a resumed run rebuilds the same rotation.
 * The nginx switcher rewrites the whole upstream each time, so every change is idempotent.
 */
export class TrafficRotation {
  private readonly out: Set<string>;

  constructor(
    private readonly ctx: RunContext,
    private readonly definition: TrafficDefinition,
    private readonly balancer: Target,
  ) {
    this.out = new Set(ctx.allTasks().filter((task) => task.state === 'failed').map((task) => task.target));
  }

  /** Takes the targets out of rotation, then waits `drainDelay` for requests under way to finish. */
  async drain(targets: readonly string[]): Promise<void> {
    if (targets.length === 0) return;
    for (const target of targets) this.out.add(target);
    const everything = [...this.ctx.work.keys()].every((target) => this.out.has(target));
    this.ctx.logs.note(null, 'traffic', `out of rotation: ${targets.join(', ')}${everything ? ' (every target: requests fail until one is back)' : ''}`);
    await this.apply('drain', targets);
    if (this.definition.drainDelay > 0) {
      this.ctx.logs.note(null, 'traffic', `waiting ${formatDuration(this.definition.drainDelay)} for requests under way to finish`);
      await this.ctx.deps.clock.sleep(this.definition.drainDelay, this.ctx.signal).catch(() => undefined);
    }
  }

  /** Puts the targets back in rotation. */
  async undrain(targets: readonly string[]): Promise<void> {
    if (targets.length === 0) return;
    for (const target of targets) this.out.delete(target);
    this.ctx.logs.note(null, 'traffic', `back in rotation: ${targets.join(', ')}`);
    await this.apply('undrain', targets);
  }

  private async apply(action: 'drain' | 'undrain', targets: readonly string[]): Promise<void> {
    const { ctx, definition } = this;
    const session = await ctx.sessions.open(this.balancer, ctx.signal);
    const options = { timeoutMs: definition.timeout, signal: ctx.signal, onOutput: (stream: 'stdout' | 'stderr', text: string) => ctx.logs.write(this.balancer.name, 'traffic', stream, text) };
    const names = [...ctx.work.keys()].sort();
    if (definition.nginx) {
      const servers = names.map((target) => ({ target, address: this.serverOf(target), inRotation: !this.out.has(target) }));
      const content = renderNginxUpstream({
        upstream: definition.nginx.upstream,
        servers,
        header: `Written by Gantry for ${ctx.deployment.app} in ${ctx.deployment.environment} (deployment ${ctx.deployment.id}). Do not edit: the next deployment replaces it.`,
      });
      await session.applyTrafficConfig({ path: definition.nginx.file, content, test: definition.nginx.test, reload: definition.nginx.reload }, options);
      return;
    }
    const hooks = definition.hooks!;
    const env = {
      GANTRY_APP: ctx.deployment.app,
      GANTRY_ENV: ctx.deployment.environment,
      GANTRY_RELEASE: ctx.deployment.version,
      GANTRY_TARGETS: targets.join(' '),
      GANTRY_SERVERS: targets.map((target) => this.serverOf(target)).join(' '),
      GANTRY_IN_ROTATION: names.filter((target) => !this.out.has(target)).join(' '),
    };
    await session.runTrafficHook({ command: action === 'drain' ? hooks.drain : hooks.undrain, env }, options);
  }

  private serverOf(target: string): string {
    const server = this.ctx.work.get(target)?.trafficServer;
    if (!server) throw new GantryError('MANIFEST_INVALID', `target ${target} has no traffic server address`, { where: 'traffic.server' });
    return server;
  }
}
