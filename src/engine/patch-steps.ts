/**
 * The steps of a patch rollout on one target (PATCH_STEPS): upgrade its packages with the
 * target's package commands, run the live release's health checks, then read back the versions
 * now installed and whether the machine needs a reboot, and record them in its inventory.
 */
import type { PatchStep } from '../core/deployment/task-machine.js';
import { GantryError } from '../core/errors.js';
import { parsePackageLines } from '../core/inventory/fact-parsers.js';
import type { Task } from '../core/model.js';
import { packageCommandsFor } from '../core/patch/package-commands.js';
import { upgradeWords } from '../core/patch/upgrade-plan.js';
import { compareVersions } from '../core/patch/versions.js';
import { runHealthChecks } from './health-checks.js';
import { hookEnvironment } from './hook-environment.js';
import type { CommandOptions, TargetSession } from './ports.js';
import type { RunContext } from './run-context.js';

/** Package managers can take a while: downloads, maintainer scripts. */
const UPGRADE_TIMEOUT_MS = 30 * 60_000;
const COMMAND_TIMEOUT_MS = 2 * 60_000;
const MAX_LISTING_CHARS = 4 * 1024 * 1024;

export async function runPatchStep(ctx: RunContext, task: Task, step: PatchStep, attempt: number): Promise<void> {
  const { deployment } = ctx;
  const work = ctx.work.get(task.target);
  if (!work || !deployment.patch) throw new Error(`no prepared patch work for target ${task.target}`);
  const order = deployment.patch.targets[task.target];
  if (!order) throw new Error(`target ${task.target} is not in the patch order`);
  const { upgrades, format } = order;
  const session = await ctx.session(task.target);
  const stepAttempt = ctx.stepAttempt(task.target, step, attempt);
  const log = (text: string) => ctx.logs.note(task.target, step, text);
  // The target's own commands win over the defaults of the format its facts reported.
  const commands = packageCommandsFor(format, work.target.packageCommands);
  const options = (timeoutMs: number, onOutput: CommandOptions['onOutput']): CommandOptions => ({ timeoutMs, signal: ctx.signal, onOutput, attempt: stepAttempt });
  const logged: CommandOptions['onOutput'] = (stream, text) => ctx.logs.write(task.target, step, stream, text);
  switch (step) {
    case 'upgrade': {
      if (upgrades.length === 0) return log('nothing to upgrade here');
      const words = upgradeWords(upgrades);
      log(`upgrading ${upgrades.map((upgrade) => `${upgrade.name} ${upgrade.from} → ${upgrade.to}`).join(', ')}`);
      const result = await session.runCommand({ command: commands.upgrade, env: { GANTRY_UPGRADES: words } }, options(UPGRADE_TIMEOUT_MS, logged));
      if (result.exitCode !== 0) throw new GantryError('STEP_FAILED', `the package upgrade on ${task.target} exited with code ${result.exitCode}`, { target: task.target, exitCode: result.exitCode });
      return;
    }
    case 'verify':
      await runHealthChecks(work.healthChecks, {
        session,
        app: deployment.app,
        version: deployment.version,
        env: hookEnvironment({ app: deployment.app, environment: deployment.environment, version: deployment.version, target: work.target, previousVersion: null, attempt, variables: work.variables, slot: null }),
        clock: ctx.deps.clock,
        signal: ctx.signal,
        attempt: stepAttempt,
        log,
      });
      return;
    case 'inventory': {
      const names = upgrades.map((upgrade) => upgrade.name);
      const packages = parsePackageLines(await readOutput(session, commands.list, { GANTRY_PACKAGES: names.join(' ') }, options));
      const behind = upgrades.filter((upgrade) => !packages.some((pkg) => pkg.name === upgrade.name && compareVersions(format, pkg.version, upgrade.to) >= 0));
      log(`now installed: ${names.map((name) => `${name} ${packages.find((pkg) => pkg.name === name)?.version ?? '(not listed)'}`).join(', ') || 'nothing asked'}`);
      const reboot = await session.runCommand({ command: commands.rebootCheck, env: {} }, options(COMMAND_TIMEOUT_MS, undefined));
      const rebootRequired = reboot.exitCode === 0 ? true : reboot.exitCode === 1 ? false : null;
      if (rebootRequired) {
        log('this machine needs a reboot to finish the upgrade');
        await ctx.recordTask(task.target, {}, [{ type: 'task:reboot-required' }]);
      } else if (rebootRequired === null) log(`whether a reboot is needed is unknown (the check exited with code ${reboot.exitCode})`);
      await ctx.deps.inventory.recordPackages(task.target, { packages, rebootRequired });
      if (behind.length > 0) {
        throw new GantryError('STEP_FAILED', `the upgrade left ${behind.map((upgrade) => `${upgrade.name} at ${upgrade.from}`).join(', ')} on ${task.target}`, { target: task.target });
      }
      return;
    }
  }
}

/** A command's standard output, kept up to a limit. */
async function readOutput(session: TargetSession, command: string, env: Record<string, string>, options: (timeoutMs: number, onOutput: CommandOptions['onOutput']) => CommandOptions): Promise<string> {
  let output = '';
  const result = await session.runCommand({ command, env }, options(COMMAND_TIMEOUT_MS, (stream, text) => {
    if (stream === 'stdout' && output.length < MAX_LISTING_CHARS) output += text;
  }));
  if (result.exitCode !== 0 && output === '') throw new GantryError('STEP_FAILED', `listing packages exited with code ${result.exitCode}`, { exitCode: result.exitCode });
  return output;
}
