/** `gantry ci add|set|list|show|delete|import|export|relate` and `gantry impact`: the inventory (issue 9). */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CiDto, CiInputBody, ImpactStepDto, ManualCiDto } from '../../client/api-client.js';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

/** The manual CI fields a flag can set, by flag (commander's camelCase of `--purchase-date` and so on). */
const FIELDS = ['class', 'owner', 'lifecycle', 'serial', 'model', 'location', 'purchaseDate', 'warrantyUntil', 'costCentre', 'description'] as const;
export type CiFlags = { readonly [F in (typeof FIELDS)[number]]?: string };

function fieldsOf(flags: CiFlags): CiInputBody {
  return Object.fromEntries(FIELDS.filter((field) => flags[field] !== undefined).map((field) => [field, flags[field]]));
}

function manualFields(ci: ManualCiDto): CiInputBody {
  return Object.fromEntries(FIELDS.map((field) => [field, ci[field] ?? '']));
}

function detailsOf(ci: CiDto): string {
  if (ci.manual) return [ci.manual.class, ci.manual.lifecycle, ci.manual.owner ? `owner ${ci.manual.owner}` : null].filter(Boolean).join(', ');
  if (ci.target) {
    const facts = ci.target.os === null ? 'no facts' : `${ci.target.os}, ${ci.target.packageCount ?? 0} packages`;
    return `${ci.target.transport}, ${facts}, last seen ${ci.target.lastSeenAt ?? ci.target.factsReportedAt ?? NONE}`;
  }
  if (ci.kind === 'app') return `environments ${ci.environments.join(',') || NONE}`;
  return `applications ${ci.applications.join(',') || NONE}`;
}

export async function addCi(ctx: CommandContext, name: string, flags: CiFlags & { json?: boolean }): Promise<number> {
  const ci = await connect(ctx).createCi({ ...fieldsOf(flags), name });
  if (flags.json) ctx.output.json(ci);
  else ctx.output.line(`added ${ci.ref} (${detailsOf(ci)})`);
  return EXIT_CODES.ok;
}

/** Changes the fields given, keeping the others as recorded. */
export async function setCi(ctx: CommandContext, name: string, flags: CiFlags & { json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const { ci: current } = await client.getCi(`ci:${name}`);
  if (!current.manual) throw new GantryError('CI_NOT_FOUND', `ci:${name} does not exist`, { where: 'name' });
  const ci = await client.putCi(name, { ...manualFields(current.manual), ...fieldsOf(flags), name });
  if (flags.json) ctx.output.json(ci);
  else ctx.output.line(`updated ${ci.ref} (${detailsOf(ci)})`);
  return EXIT_CODES.ok;
}

export async function listCis(ctx: CommandContext, flags: { kind?: string; class?: string; lifecycle?: string; json?: boolean }): Promise<number> {
  const cis = await connect(ctx).listCis(flags);
  if (flags.json) ctx.output.json({ cis });
  else ctx.output.table(['CI', 'SOURCE', 'DETAILS'], cis.map((ci) => [ci.ref, ci.source, detailsOf(ci)]));
  return EXIT_CODES.ok;
}

export async function showCi(ctx: CommandContext, ref: string, flags: { json?: boolean }): Promise<number> {
  const detail = await connect(ctx).getCi(ref);
  if (flags.json) {
    ctx.output.json(detail);
    return EXIT_CODES.ok;
  }
  const { ci } = detail;
  const pairs: [string, string][] = [
    ['CI', ci.ref],
    ['Source', ci.source],
  ];
  if (ci.manual) {
    const m = ci.manual;
    const dates = Object.entries(m.lifecycleDates).map(([state, at]) => `${state} ${at}`).join(', ');
    pairs.push(['Class', m.class], ['Owner', m.owner ?? NONE], ['Lifecycle', `${m.lifecycle} (${dates})`], ['Serial', m.serial ?? NONE], ['Model', m.model ?? NONE], ['Location', m.location ?? NONE]);
    pairs.push(['Purchased', m.purchaseDate ?? NONE], ['Warranty until', m.warrantyUntil ?? NONE], ['Cost centre', m.costCentre ?? NONE], ['Description', m.description ?? NONE]);
  }
  if (ci.target) {
    const labels = Object.entries(ci.target.labels).map(([key, value]) => `${key}=${value}`).join(',');
    pairs.push(['Transport', ci.target.transport], ['Labels', labels || NONE], ['OS', ci.target.os ?? NONE], ['Packages', ci.target.packageCount === null ? NONE : String(ci.target.packageCount)]);
    pairs.push(['Last seen', ci.target.lastSeenAt ?? NONE], ['Facts reported', ci.target.factsReportedAt ?? NONE]);
  }
  if (ci.kind !== 'ci' && ci.kind !== 'app') pairs.push(['Applications', ci.applications.join(', ') || NONE]);
  if (ci.kind !== 'ci' && ci.kind !== 'environment') pairs.push(['Environments', ci.environments.join(', ') || NONE]);
  ctx.output.fields(pairs);
  ctx.output.line('');
  ctx.output.table(['FROM', 'TYPE', 'TO', 'SOURCE'], detail.relationships.map((relationship) => [relationship.from, relationship.type, relationship.to, relationship.source]));
  return EXIT_CODES.ok;
}

export async function deleteCi(ctx: CommandContext, name: string): Promise<number> {
  await connect(ctx).deleteCi(name);
  ctx.output.line(`deleted ci:${name} and the relationships recorded with it`);
  return EXIT_CODES.ok;
}

export async function importCiFile(ctx: CommandContext, file: string, flags: { json?: boolean }): Promise<number> {
  let csv: string;
  try {
    csv = await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new GantryError('REQUEST_INVALID', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : 'unreadable'}`, { where: file }, { cause });
  }
  const outcome = await connect(ctx).importCis(file, csv);
  if (flags.json) ctx.output.json(outcome);
  else ctx.output.line(`imported ${file}: ${outcome.created.length} new, ${outcome.updated.length} updated, ${outcome.unchanged.length} unchanged`);
  return EXIT_CODES.ok;
}

export async function exportCis(ctx: CommandContext, flags: { output?: string }): Promise<number> {
  const csv = await connect(ctx).exportCis();
  if (flags.output === undefined) ctx.output.raw(csv);
  else {
    await writeFile(resolve(ctx.cwd, flags.output), csv);
    ctx.output.notice(`wrote ${flags.output}`);
  }
  return EXIT_CODES.ok;
}

export async function relateCis(ctx: CommandContext, from: string, type: string, to: string, flags: { remove?: boolean; json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const relationship = { from, type, to };
  if (flags.remove) {
    const removed = await client.unrelate(relationship);
    if (flags.json) ctx.output.json({ removed });
    else ctx.output.line(removed ? `removed ${from} ${type} ${to}` : `${from} ${type} ${to} was not recorded; nothing to remove`);
    return EXIT_CODES.ok;
  }
  const answer = await client.relate(relationship);
  if (flags.json) ctx.output.json(answer);
  else ctx.output.line(answer.created ? `recorded ${answer.relationship.from} ${type} ${answer.relationship.to}` : `${answer.relationship.from} ${type} ${answer.relationship.to} was recorded already`);
  return EXIT_CODES.ok;
}

export async function showImpact(ctx: CommandContext, ref: string, flags: { depth?: number; json?: boolean }): Promise<number> {
  const impact = await connect(ctx).impact(ref, flags.depth);
  if (flags.json) {
    ctx.output.json(impact);
    return EXIT_CODES.ok;
  }
  const groups: [string, ImpactStepDto[]][] = [
    ['Applications', impact.applications],
    ['Environments', impact.environments],
    ['Targets', impact.targets],
    ['Other CIs', impact.others],
  ];
  const count = groups.reduce((sum, [, steps]) => sum + steps.length, 0);
  ctx.output.line(`If ${impact.ci} changes or fails, ${count} CI${count === 1 ? '' : 's'} within ${impact.depth} hop${impact.depth === 1 ? '' : 's'} are affected:`);
  for (const [title, steps] of groups) {
    ctx.output.line('');
    ctx.output.line(`${title} (${steps.length}):`);
    for (const step of steps) ctx.output.line(`  ${step.ref}  (${step.because})`);
  }
  if (impact.beyondDepth > 0) {
    ctx.output.line('');
    ctx.output.line(`${impact.beyondDepth} more CI${impact.beyondDepth === 1 ? '' : 's'} lie beyond depth ${impact.depth}, not listed (raise --depth to see them)`);
  }
  ctx.output.line('');
  ctx.output.line(`Open and scheduled changes (${impact.changes.length}):`);
  for (const change of impact.changes) {
    const window = change.window ? ` ${change.window.start} → ${change.window.end}` : '';
    ctx.output.line(`  ${change.id} ${change.state} ${change.app} in ${change.environment}${window}: "${change.title}" (touches ${change.because.join(', ')})`);
  }
  return EXIT_CODES.ok;
}
