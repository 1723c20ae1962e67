/** `gantry advisories import|list` and `gantry patch status|exposure`: patch management (issue 9). */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { PatchPlanDto } from '../../client/api-client.js';
import { NONE } from '../format.js';

/** What one request carries at most; a larger feed goes in several (each checked whole before it is stored). */
const ADVISORIES_PER_REQUEST = 500;

/** The OSV records in a file (one record, or an array of them) or in the `.json` files of a folder. */
async function readOsvRecords(cwd: string, path: string): Promise<{ where: string; record: unknown }[]> {
  const full = resolve(cwd, path);
  let isFolder: boolean;
  try {
    isFolder = (await stat(full)).isDirectory();
  } catch (cause) {
    throw new GantryError('REQUEST_INVALID', `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : 'unreadable'}`, { where: path }, { cause });
  }
  const files = isFolder ? (await readdir(full)).filter((name) => name.endsWith('.json')).sort().map((name) => join(path, name)) : [path];
  const records: { where: string; record: unknown }[] = [];
  for (const file of files) {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(resolve(cwd, file), 'utf8'));
    } catch (cause) {
      throw new GantryError('REQUEST_INVALID', `${file}: not a JSON file (${cause instanceof Error ? cause.message.split('\n')[0] : 'unreadable'})`, { where: file }, { cause });
    }
    if (Array.isArray(value)) value.forEach((record, index) => records.push({ where: `${file}[${index}]`, record }));
    else records.push({ where: file, record: value });
  }
  if (records.length === 0) throw new GantryError('REQUEST_INVALID', `${path}: no OSV records (.json files) found`, { where: path });
  return records;
}

export async function importAdvisoryFiles(ctx: CommandContext, path: string, options: { json?: boolean }): Promise<number> {
  const records = await readOsvRecords(ctx.cwd, path);
  const client = connect(ctx);
  const outcome = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
  for (let start = 0; start < records.length; start += ADVISORIES_PER_REQUEST) {
    const answer = await client.importAdvisories(records.slice(start, start + ADVISORIES_PER_REQUEST));
    outcome.created.push(...answer.created);
    outcome.updated.push(...answer.updated);
    outcome.unchanged.push(...answer.unchanged);
  }
  if (options.json) ctx.output.json(outcome);
  else ctx.output.line(`imported ${records.length} advisories: ${outcome.created.length} new, ${outcome.updated.length} updated, ${outcome.unchanged.length} unchanged`);
  return EXIT_CODES.ok;
}

export async function listAdvisories(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const advisories = await connect(ctx).listAdvisories();
  if (options.json) ctx.output.json({ advisories });
  else
    ctx.output.table(
      ['ADVISORY', 'SEVERITY', 'CVSS', 'ALIASES', 'PACKAGES', 'PUBLISHED'],
      advisories.map((advisory) => [advisory.id, advisory.severity, advisory.cvssScore?.toFixed(1) ?? NONE, advisory.aliases.join(',') || NONE, [...new Set(advisory.packages.map((pkg) => pkg.name))].join(',') || NONE, advisory.published ?? NONE]),
    );
  return EXIT_CODES.ok;
}

export async function showExposure(ctx: CommandContext, environment: string | undefined, options: { json?: boolean; all?: boolean }): Promise<number> {
  const exposure = await connect(ctx).patchExposure({ environment, all: options.all ?? false });
  if (options.json) ctx.output.json({ exposure });
  else
    ctx.output.table(
      ['TARGET', 'ENVIRONMENTS', 'ADVISORY', 'SEVERITY', 'STATE', 'PACKAGES'],
      exposure.map((row) => [row.target, row.environments.join(','), row.advisory, row.severity, row.state, row.packages.map((pkg) => `${pkg.name} ${pkg.installed}${pkg.fixedIn ? ` → ${pkg.fixedIn}` : ''}`).join(', ') || NONE]),
    );
  return EXIT_CODES.ok;
}

const percent = (value: number | null) => (value === null ? NONE : `${value}%`);

export async function showCompliance(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const report = await connect(ctx).patchCompliance();
  if (options.json) {
    ctx.output.json(report);
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['ENVIRONMENT', 'SEVERITY', 'TARGETS', 'COMPLIANT', 'NON-COMPLIANT', 'UNKNOWN'],
    report.environments.flatMap((environment) =>
      (['critical', 'high', 'medium', 'low', 'unknown'] as const)
        .map((severity) => [severity, environment.severities[severity]] as const)
        .filter(([, counts]) => counts.total > 0)
        .map(([severity, counts]) => [environment.environment, severity, String(counts.total), percent(counts.compliantPercent), percent(counts.noncompliantPercent), percent(counts.unknownPercent)]),
    ),
  );
  if (report.overdue.length > 0) {
    ctx.output.line('');
    ctx.output.line(`past the deadline (SLA days: critical ${report.sla.critical ?? NONE}, high ${report.sla.high ?? NONE}, medium ${report.sla.medium ?? NONE}, low ${report.sla.low ?? NONE}):`);
    ctx.output.table(
      ['ENVIRONMENT', 'TARGET', 'ADVISORY', 'SEVERITY', 'STATE', 'DUE', 'DAYS OVERDUE'],
      report.overdue.map((row) => [row.environment, row.target, row.advisory, row.severity, row.state, row.dueAt, String(row.daysOverdue)]),
    );
  }
  return EXIT_CODES.ok;
}

export interface PatchPlanOptions {
  advisory?: string;
  severity?: 'critical' | 'high' | 'medium' | 'low';
  app?: string;
  start?: boolean;
  change?: string;
  json?: boolean;
}

/** `gantry patch plan ENV --advisory ID|--severity S [--app A] [--start [--change C]]`. */
export async function planPatch(ctx: CommandContext, environment: string, options: PatchPlanOptions): Promise<number> {
  const client = connect(ctx);
  const selection = { environment, ...(options.advisory ? { advisory: options.advisory } : {}), ...(options.severity ? { severity: options.severity } : {}), ...(options.app ? { app: options.app } : {}) };
  if (!options.start) {
    const plan = await client.planPatch(selection);
    if (options.json) ctx.output.json(plan);
    else printPlan(ctx, plan);
    return EXIT_CODES.ok;
  }
  const { plan, deployments } = await client.startPatchRollout({ ...selection, ...(options.change ? { change: options.change } : {}) });
  if (options.json) {
    ctx.output.json({ plan, deployments });
    return EXIT_CODES.ok;
  }
  printPlan(ctx, plan);
  ctx.output.line('');
  for (const { deployment, waitingFor } of deployments) {
    ctx.output.line(`started ${deployment.id}: patching ${Object.keys(deployment.patch?.targets ?? {}).length} target(s) of ${deployment.app} in ${deployment.environment}${waitingFor.length > 0 ? `, after ${waitingFor.join(', ')}` : ''} (gantry status ${deployment.id})`);
  }
  return EXIT_CODES.ok;
}

function printPlan(ctx: CommandContext, plan: PatchPlanDto): void {
  ctx.output.line(`patch ${plan.environment} for ${plan.selection}: ${plan.advisories.length} advisor${plan.advisories.length === 1 ? 'y' : 'ies'}`);
  const rows = plan.applications.flatMap((application) =>
    application.targets.map((entry) => [
      application.app,
      entry.target,
      entry.upgrades.map((upgrade) => `${upgrade.name} ${upgrade.from} → ${upgrade.to}`).join(', '),
      [...new Set(entry.upgrades.flatMap((upgrade) => upgrade.advisories))].join(','),
    ]),
  );
  if (rows.length === 0) ctx.output.line('nothing to upgrade');
  else ctx.output.table(['APPLICATION', 'TARGET', 'UPGRADES', 'ADVISORIES'], rows);
  for (const application of plan.applications.filter((entry) => entry.targets.length > 0)) {
    ctx.output.line(`${application.app}: ${application.version === null ? 'nothing live, so it cannot be patched yet' : `health checks of ${application.version} follow the upgrade`}${application.protected ? '; protected, so a change must authorise it' : ''}`);
  }
  if (plan.withoutFix.length > 0) ctx.output.line(`affected, no fix published yet: ${plan.withoutFix.map((entry) => `${entry.target} (${entry.advisories.join(',')})`).join(', ')}`);
  if (plan.unknown.length > 0) ctx.output.line(`unknown (no recent facts; gantry target probe NAME): ${plan.unknown.join(', ')}`);
}
