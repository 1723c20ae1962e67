/** `gantry audit list | verify | export`. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { plural } from '../format.js';

export interface AuditListFlags {
  readonly after?: number;
  readonly before?: number;
  readonly newestFirst?: boolean;
  readonly actor?: string;
  readonly action?: string;
  readonly from?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly json?: boolean;
}

/** A record's summary of the resource it changed, when it has one (`details.change`). */
const changeSchema = z.object({
  change: z.object({ before: z.record(z.string(), z.unknown()).nullable(), after: z.record(z.string(), z.unknown()).nullable() }),
});
/** The CHANGE cell keeps at most this many characters. */
const MAX_CHANGE_TEXT = 120;

/** `created`, `removed`, or the fields that differ (`state: draft → submitted; revoked: false → true`). */
export function changeText(details: unknown): string {
  const parsed = changeSchema.safeParse(details);
  if (!parsed.success) return '';
  const { before, after } = parsed.data.change;
  let text: string;
  if (before === null) text = after === null ? 'absent' : 'created';
  else if (after === null) text = 'removed';
  else {
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const show = (value: unknown) => (value === undefined ? '-' : JSON.stringify(value));
    const differing = fields.filter((field) => show(before[field]) !== show(after[field]));
    text = differing.length === 0 ? 'unchanged' : differing.map((field) => `${field}: ${show(before[field])} → ${show(after[field])}`).join('; ');
  }
  return text.length > MAX_CHANGE_TEXT ? `${text.slice(0, MAX_CHANGE_TEXT)}…` : text;
}

/** Filters and paging are the server's (`GET /audit`): a bad time is refused there, naming the flag's field. */
export async function listAudit(ctx: CommandContext, options: AuditListFlags): Promise<number> {
  const { after, before, actor, action, from, until, limit } = options;
  const records = await connect(ctx).listAudit({ after, before, actor, action, from, until, limit, order: options.newestFirst ? 'desc' : 'asc' });
  if (options.json) {
    ctx.output.json({ records });
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['SEQ', 'AT', 'ACTOR', 'ACTION', 'RESOURCE', 'OUTCOME', 'CHANGE'],
    records.map((record) => [String(record.seq), record.at, record.actor, record.action, record.resource, record.outcome, changeText(record.details)]),
  );
  return EXIT_CODES.ok;
}

/** Exit 0 when the chain and its head are intact; 1 (a check that failed) naming the first broken record. */
export async function verifyAudit(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const verdict = await connect(ctx).verifyAudit();
  if (options.json) ctx.output.json(verdict);
  else if (verdict.ok) ctx.output.line(`audit log intact: ${plural(verdict.checked, 'record')}, head ${verdict.head ? `${verdict.head.seq} ${verdict.head.hash}` : 'none (the log is empty)'}`);
  else ctx.output.line(`audit log broken at record ${verdict.firstBroken.seq}: ${verdict.firstBroken.problem}`);
  return verdict.ok ? EXIT_CODES.ok : EXIT_CODES.failed;
}

export async function exportAudit(ctx: CommandContext, options: { output?: string | undefined }): Promise<number> {
  const ndjson = await connect(ctx).exportAudit();
  if (options.output === undefined) {
    ctx.output.raw(ndjson);
    return EXIT_CODES.ok;
  }
  const file = resolve(ctx.cwd, options.output);
  await writeFile(file, ndjson, { mode: 0o600 });
  const count = ndjson.split('\n').filter((line) => line !== '').length;
  ctx.output.notice(`wrote ${plural(count, 'audit record')} to ${file}`);
  return EXIT_CODES.ok;
}
