import { formatDuration } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import type { Slot, TrafficDefinition } from '../core/manifest/schema.js';
import type { Target } from '../core/model.js';
import { renderNginxUpstream } from '../core/traffic/nginx-upstream.js';
import type { RunContext } from './run-context.js';
import type { TargetWork } from './target-work.js';

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
    // Recorded once the load balancer took them out: the deployment's time out of rotation starts here.
    await this.ctx.recordDeployment({}, [{ type: 'traffic:drained', data: { targets: [...targets] } }]);
    await this.settle();
  }

  /** Waits `drainDelay`: requests under way finish, and the load balancer's reload takes effect. */
  private async settle(): Promise<void> {
    if (this.definition.drainDelay <= 0) return;
    this.ctx.logs.note(null, 'traffic', `waiting ${formatDuration(this.definition.drainDelay)} for requests under way to finish`);
    await this.ctx.deps.clock.sleep(this.definition.drainDelay, this.ctx.signal).catch(() => undefined);
  }

  /** Puts the targets back in rotation. */
  async undrain(targets: readonly string[]): Promise<void> {
    if (targets.length === 0) return;
    for (const target of targets) this.out.delete(target);
    this.ctx.logs.note(null, 'traffic', `back in rotation: ${targets.join(', ')}`);
    await this.apply('undrain', targets);
    await this.ctx.recordDeployment({}, [{ type: 'traffic:undrained', data: { targets: [...targets] } }]);
  }

  /** Blue-green: every target at its address in the given slot's values (those in `out` stay out of rotation), then `drainDelay`. */
  async serve(slot: Slot, work: ReadonlyMap<string, TargetWork>, out: readonly string[]): Promise<void> {
    this.out.clear();
    for (const target of out) this.out.add(target);
    this.ctx.logs.note(null, 'traffic', `switching to the ${slot} slot${out.length > 0 ? ` (out of rotation: ${out.join(', ')})` : ''}`);
    await this.apply('switch', [...work.keys()].sort(), work, slot);
    await this.ctx.recordDeployment({}, [{ type: 'traffic:switched', data: { slot, out: [...out] } }]);
    await this.settle();
  }

  private async apply(action: 'drain' | 'undrain' | 'switch', targets: readonly string[], work = this.ctx.work, slot?: Slot): Promise<void> {
    const { ctx, definition } = this;
    const serverOf = (target: string): string => {
      const server = work.get(target)?.trafficServer;
      if (!server) throw new GantryError('MANIFEST_INVALID', `target ${target} has no traffic server address`, { where: 'traffic.server' });
      return server;
    };
    const session = await ctx.sessions.open(this.balancer, ctx.signal);
    const options = { timeoutMs: definition.timeout, signal: ctx.signal, onOutput: (stream: 'stdout' | 'stderr', text: string) => ctx.logs.write(this.balancer.name, 'traffic', stream, text) };
    const names = [...ctx.work.keys()].sort();
    if (definition.nginx) {
      const servers = names.map((target) => ({ target, address: serverOf(target), inRotation: !this.out.has(target) }));
      const content = renderNginxUpstream({
        upstream: definition.nginx.upstream,
        servers,
        header: `Written by Gantry for ${ctx.deployment.app} in ${ctx.deployment.environment} (deployment ${ctx.deployment.id}${slot ? `, ${slot} slot` : ''}). Do not edit: the next deployment replaces it.`,
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
      GANTRY_SERVERS: targets.map(serverOf).join(' '),
      GANTRY_IN_ROTATION: names.filter((target) => !this.out.has(target)).join(' '),
      ...(slot ? { GANTRY_SLOT: slot } : {}),
    };
    // The manifest requires `switch` with blue-green; the check is repeated for the type.
    const command = action === 'switch' ? hooks.switch : hooks[action];
    if (!command) throw new GantryError('MANIFEST_INVALID', 'traffic.hooks has no switch hook', { where: 'traffic.hooks.switch' });
    await session.runTrafficHook({ command, env }, options);
  }
}
