/** `gantry target add | list | show | remove`. */
import type { FactChangeDto, TargetDto } from '../../client/api-client.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { factFields, formatAge, formatFactChange, formatTargetPresence, formatTargetStatus, NONE } from '../format.js';
import { buildAddTargetRequest, type TargetAddOptions } from '../target-args.js';

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  return pairs.length > 0 ? pairs.join(',') : NONE;
}

export async function addTarget(ctx: CommandContext, name: string, options: TargetAddOptions & { json?: boolean }): Promise<number> {
  const request = buildAddTargetRequest(name, options, ctx.cwd);
  const target = await connect(ctx).addTarget(request);
  if (options.json) {
    ctx.output.json(target);
    return EXIT_CODES.ok;
  }
  ctx.output.line(`added target ${target.name} (${target.transport} ${target.address}, root ${target.root})`);
  if (target.hostKeySha256) ctx.output.line(`host key: ${target.hostKeySha256}`);
  return EXIT_CODES.ok;
}

export async function listTargets(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const targets = await connect(ctx).listTargets();
  if (options.json) {
    ctx.output.json({ targets });
    return EXIT_CODES.ok;
  }
  const now = ctx.now();
  ctx.output.table(
    ['NAME', 'TRANSPORT', 'ADDRESS', 'ROOT', 'LABELS', 'STATUS', 'SEEN', 'AGE'],
    targets.map((target) => [
      target.name,
      target.transport,
      target.address,
      target.root || NONE,
      formatLabels(target.labels),
      formatTargetStatus(target),
      target.transport === 'agent' ? formatAge(target.lastSeenAt, now) : NONE,
      formatAge(target.createdAt, now),
    ]),
  );
  return EXIT_CODES.ok;
}

/** How many fact changes `target show` includes for an agent, newest first. */
export const FACT_CHANGES_SHOWN = 5;

export async function showTarget(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const target: TargetDto = await client.getTarget(name);
  const factChanges: FactChangeDto[] | undefined = target.transport === 'agent' ? (await client.getFactHistory(target.name)).slice(0, FACT_CHANGES_SHOWN) : undefined;
  if (options.json) {
    ctx.output.json(factChanges ? { ...target, factChanges } : target);
    return EXIT_CODES.ok;
  }
  const now = ctx.now();
  ctx.output.fields([
    ['name', target.name],
    ['transport', target.transport],
    ['address', target.address],
    ['root', target.root || NONE],
    ['labels', formatLabels(target.labels)],
    ...(target.transport === 'agent' ? [['status', formatTargetPresence(target, now)] as [string, string]] : []),
    ['host key', target.hostKeySha256 ?? NONE],
    ...Object.entries(target.packageCommands ?? {}).map(([which, command]) => [`package ${which}`, command] as [string, string]),
    ['created', target.createdAt],
    ...(target.facts ? factFields(target.facts, target.factsReportedAt, now) : target.transport === 'agent' ? [['facts', 'none reported yet'] as [string, string]] : []),
  ]);
  if (factChanges) {
    if (factChanges.length === 0) {
      ctx.output.line('fact changes: none recorded');
    } else {
      ctx.output.line(`fact changes (last ${factChanges.length}, newest first):`);
      for (const change of factChanges) for (const line of formatFactChange(change, now)) ctx.output.line(`  ${line}`);
    }
  }
  return EXIT_CODES.ok;
}

export async function removeTarget(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  await connect(ctx).removeTarget(name);
  if (options.json) ctx.output.json({ removed: name });
  else ctx.output.line(`removed target ${name}`);
  return EXIT_CODES.ok;
}

/** `gantry target probe NAME`: asks the machine what it is and records it as the target's facts. */
export async function probeTarget(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const target = await connect(ctx).probeTarget(name);
  if (options.json) ctx.output.json(target);
  else if (target.facts) ctx.output.fields(factFields(target.facts, target.factsReportedAt, ctx.now()));
  return EXIT_CODES.ok;
}

/** `gantry target packages NAME [--list CMD] [--upgrade CMD] [--reboot-check CMD]`: none given goes back to the defaults. */
export async function setPackageCommands(ctx: CommandContext, name: string, options: { list?: string; upgrade?: string; rebootCheck?: string; json?: boolean }): Promise<number> {
  const { list, upgrade, rebootCheck } = options;
  const target = await connect(ctx).setPackageCommands(name, { ...(list ? { list } : {}), ...(upgrade ? { upgrade } : {}), ...(rebootCheck ? { rebootCheck } : {}) });
  if (options.json) ctx.output.json(target);
  else ctx.output.line(target.packageCommands ? `${name}: its own package commands are set (${Object.keys(target.packageCommands).join(', ')})` : `${name}: the defaults of its package format`);
  return EXIT_CODES.ok;
}
