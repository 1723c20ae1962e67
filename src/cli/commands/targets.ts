/** `gantry target add | list | show | remove`. */
import type { TargetDto } from '../../client/api-client.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatAge, NONE } from '../format.js';
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
    ['NAME', 'TRANSPORT', 'ADDRESS', 'ROOT', 'LABELS', 'AGE'],
    targets.map((target) => [target.name, target.transport, target.address, target.root, formatLabels(target.labels), formatAge(target.createdAt, now)]),
  );
  return EXIT_CODES.ok;
}

export async function showTarget(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const target: TargetDto = await connect(ctx).getTarget(name);
  if (options.json) {
    ctx.output.json(target);
    return EXIT_CODES.ok;
  }
  ctx.output.fields([
    ['name', target.name],
    ['transport', target.transport],
    ['address', target.address],
    ['root', target.root],
    ['labels', formatLabels(target.labels)],
    ['host key', target.hostKeySha256 ?? NONE],
    ['created', target.createdAt],
  ]);
  return EXIT_CODES.ok;
}

export async function removeTarget(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  await connect(ctx).removeTarget(name);
  if (options.json) ctx.output.json({ removed: name });
  else ctx.output.line(`removed target ${name}`);
  return EXIT_CODES.ok;
}
