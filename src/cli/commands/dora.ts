/** `gantry metrics dora`: the four DORA figures (issue 10), with the deployments behind each on --details. */
import type { DoraQuery, DoraReportDto } from '../../client/api-client.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE, plural } from '../format.js';

export interface DoraFlags {
  readonly app?: string;
  readonly tier?: string;
  readonly since?: string;
  readonly until?: string;
  readonly window?: string;
  readonly details?: boolean;
  readonly json?: boolean;
}

/** A span in its two largest units: `45s`, `12m 5s`, `22h`, `1d 1h`. */
function formatSpan(ms: number | null): string {
  if (ms === null) return NONE;
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const index = units.findIndex(([, size]) => ms >= size);
  if (index === -1) return `${Math.round(ms)}ms`;
  const [unit, size] = units[index]!;
  const whole = Math.floor(ms / size);
  const next = units[index + 1];
  const rest = next ? Math.floor((ms - whole * size) / next[1]) : 0;
  return rest > 0 && next ? `${whole}${unit} ${rest}${next[0]}` : `${whole}${unit}`;
}

/** At most two decimals, no trailing zeros: 2.5, 0.36, 14. */
const rate = (value: number) => String(Number(value.toFixed(2)));

function printFigures(ctx: CommandContext, report: DoraReportDto): void {
  const { deploymentFrequency: frequency, leadTime, changeFailureRate: failures, timeToRestore: restore } = report;
  const unknown = leadTime.unknown.length > 0 ? `; lead time unknown for ${plural(leadTime.unknown.length, 'deployment')} (release without commits)` : '';
  ctx.output.line(`DORA metrics for ${report.app ?? 'every application'}, ${report.tier} tier, ${report.since} to ${report.until}`);
  ctx.output.fields([
    ['deployment frequency', `${rate(frequency.perDay)}/day, ${rate(frequency.perWeek)}/week (${plural(frequency.count, 'successful deployment')} in ${rate(frequency.days)} day${frequency.days === 1 ? '' : 's'})`],
    ['lead time for changes', `${formatSpan(leadTime.medianMs)} median over ${plural(leadTime.commits.length, 'commit')}${unknown}`],
    ['change failure rate', failures.rate === null ? `${NONE} (no deployments)` : `${Math.round(failures.rate * 1000) / 10}% (${failures.failed} of ${failures.total})`],
    ['time to restore', `${formatSpan(restore.medianMs)} median over ${plural(restore.restores.length, 'failure')}${restore.notRestored.length > 0 ? `; ${restore.notRestored.length} not restored yet` : ''}`],
  ]);
}

function printDetails(ctx: CommandContext, report: DoraReportDto): void {
  const { deploymentFrequency: frequency, leadTime, changeFailureRate: failures, timeToRestore: restore } = report;
  ctx.output.line('');
  ctx.output.line('Deployments (frequency):');
  ctx.output.table(['DEPLOYMENT', 'APP', 'ENVIRONMENT', 'VERSION', 'FINISHED'], frequency.deployments.map((d) => [d.id, d.app, d.environment, d.version, d.finishedAt]));
  ctx.output.line('');
  ctx.output.line('Commits (lead time):');
  ctx.output.table(['COMMIT', 'APP', 'COMMITTED', 'SHIPPED BY', 'LEAD TIME', 'SUBJECT'], leadTime.commits.map((c) => [c.sha.slice(0, 12), c.app, c.committedAt, c.deploymentId, formatSpan(c.leadTimeMs), c.subject]));
  for (const d of leadTime.unknown) ctx.output.line(`lead time unknown: ${d.id} (${d.app} ${d.version}) has no commits recorded`);
  ctx.output.line('');
  ctx.output.line('Failures (change failure rate):');
  ctx.output.table(['DEPLOYMENT', 'APP', 'ENVIRONMENT', 'VERSION', 'STATE', 'WHY'], failures.failures.map((f) => [f.deployment.id, f.deployment.app, f.deployment.environment, f.deployment.version, f.deployment.state, f.reasons.map((r) => r.text).join('; ')]));
  for (const outside of failures.incidentsOutsideWindow) ctx.output.line(`not counted: incident ${outside.incidentId} on ${outside.deploymentId} opened ${outside.openedAt}, after the window`);
  ctx.output.line('');
  ctx.output.line('Restores (time to restore):');
  ctx.output.table(
    ['DEPLOYMENT', 'DETECTED', 'BY', 'RESTORED', 'BY', 'TOOK'],
    [
      ...restore.restores.map((r) => [r.deploymentId, r.detectedAt, r.detectedBy, r.restoredAt, r.restoredBy, formatSpan(r.durationMs)]),
      ...restore.notRestored.map((r) => [r.deploymentId, r.detectedAt, r.detectedBy, NONE, 'not restored yet', NONE]),
    ],
  );
}

export async function showDora(ctx: CommandContext, flags: DoraFlags): Promise<number> {
  const query: DoraQuery = {
    ...(flags.app === undefined ? {} : { app: flags.app }),
    ...(flags.tier === undefined ? {} : { tier: flags.tier as DoraQuery['tier'] }),
    ...(flags.since === undefined ? {} : { since: flags.since }),
    ...(flags.until === undefined ? {} : { until: flags.until }),
    ...(flags.window === undefined ? {} : { window: flags.window }),
  };
  const report = await connect(ctx).doraMetrics(query);
  if (flags.json) {
    ctx.output.json(report);
    return EXIT_CODES.ok;
  }
  printFigures(ctx, report);
  if (flags.details) printDetails(ctx, report);
  return EXIT_CODES.ok;
}
