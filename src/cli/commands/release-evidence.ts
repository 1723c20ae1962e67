/** `gantry release attest|evidence`: evidence a release carries (issue 11). */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EvidenceDto } from '../../client/api-client.js';
import { GantryError } from '../../core/errors.js';
import { EVIDENCE_TYPES, MAX_EVIDENCE_BYTES } from '../../core/evidence/model.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatBytes } from '../format.js';

async function readEvidenceFile(cwd: string, file: string): Promise<Buffer> {
  const path = resolve(cwd, file);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new GantryError('REQUEST_INVALID', `--file: ${file} is not a regular file`, { where: '--file' });
    if (info.size > MAX_EVIDENCE_BYTES) throw new GantryError('EVIDENCE_INVALID', `${file}: ${formatBytes(info.size)} is more than the ${formatBytes(MAX_EVIDENCE_BYTES)} evidence may have`, { where: file });
    return await readFile(path);
  } catch (error) {
    if (error instanceof GantryError) throw error;
    throw new GantryError('REQUEST_INVALID', `--file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { where: '--file' }, { cause: error });
  }
}

export async function attestRelease(ctx: CommandContext, app: string, version: string, options: { type: string; file: string; name?: string; json?: boolean }): Promise<number> {
  if (!(EVIDENCE_TYPES as readonly string[]).includes(options.type)) {
    throw new GantryError('REQUEST_INVALID', `--type: ${JSON.stringify(options.type)} is not one of ${EVIDENCE_TYPES.join(', ')}`, { where: '--type' });
  }
  const content = await readEvidenceFile(ctx.cwd, options.file);
  const attached = await connect(ctx).attachReleaseEvidence(app, version, { type: options.type, name: options.name, file: options.file, content: new Uint8Array(content) });
  if (options.json) ctx.output.json(attached);
  else ctx.output.line(`attached to ${app} ${version}${attached.replaced ? ` (replacing ${attached.replaced})` : ''}: ${attached.description} [${attached.id}]`);
  return EXIT_CODES.ok;
}

function details(evidence: EvidenceDto): string[] {
  const summary = evidence.summary;
  if (summary.type === 'junit') {
    const lines = summary.failingCases.map((testCase) => `    ${testCase.outcome}: ${testCase.suite ? `${testCase.suite} › ` : ''}${testCase.name}`);
    if (summary.failingCasesTruncated) lines.push('    … more failing cases in the report');
    return lines;
  }
  if (summary.type === 'sarif') return summary.rules.filter((rule) => rule.level === 'error').map((rule) => `    error: ${rule.tool} ${rule.rule} ×${rule.count}`);
  return [];
}

export async function showReleaseEvidence(ctx: CommandContext, app: string, version: string, options: { json?: boolean }): Promise<number> {
  const evidence = await connect(ctx).listReleaseEvidence(app, version);
  if (options.json) {
    ctx.output.json({ evidence });
    return EXIT_CODES.ok;
  }
  if (evidence.length === 0) {
    ctx.output.line(`${app} ${version} carries no evidence; attach some with gantry release attest`);
    return EXIT_CODES.ok;
  }
  for (const entry of evidence) {
    ctx.output.line(`${entry.description}  (${entry.id}, sha256 ${entry.sha256.slice(0, 12)}, by ${entry.attachedBy} at ${entry.attachedAt})`);
    for (const line of details(entry)) ctx.output.line(line);
  }
  return EXIT_CODES.ok;
}
