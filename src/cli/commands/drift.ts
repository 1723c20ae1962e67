/** `gantry drift [ENV]` and `gantry drift remediate`: configuration drift of targets' live releases (issue 9). */
import type { DriftRecordDto } from '../../client/api-client.js';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatAge, plural } from '../format.js';

function describeRecord(record: DriftRecordDto, now: Date): string[] {
  const head = `${record.target}  ${record.app} ${record.version}  ${record.environment}`;
  if (record.state === 'in_sync') return [`${head}  in sync (checked ${formatAge(record.checkedAt, now)} ago)`];
  const lines: string[] = [];
  if (record.state === 'unknown') lines.push(`${head}  UNKNOWN: ${record.reason ?? 'not checked'} (checked ${formatAge(record.checkedAt, now)} ago)`);
  if (record.firstSeenAt !== null) {
    const flag = record.unauthorised ? 'UNAUTHORISED CHANGE' : 'explained';
    const prefix = record.state === 'drifted' ? `${head}  drifted` : '  last known: drifted';
    lines.push(`${prefix}, first seen ${record.firstSeenAt} (${formatAge(record.firstSeenAt, now)} ago)  ${flag}: ${record.explanation ?? ''}`);
    for (const [kind, paths] of [['changed', record.changed], ['added', record.added], ['removed', record.removed]] as const) {
      for (const path of paths) lines.push(`    ${kind.padEnd(8)} ${JSON.stringify(path).slice(1, -1)}`);
    }
    for (const problem of record.packages) lines.push(`    package  ${problem}`);
  }
  return lines;
}

/** Lists drifted (and unknown) targets × applications; `--check` checks them first, `--all` shows those in sync too. */
export async function showDrift(ctx: CommandContext, environment: string | undefined, options: { target?: string; check?: boolean; all?: boolean; json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const scope = { environment, target: options.target };
  const records = options.check ? await client.checkDrift(scope) : await client.listDrift(scope);
  const shown = options.all ? records : records.filter((record) => record.state !== 'in_sync');
  if (options.json) {
    ctx.output.json({ drift: shown });
    return EXIT_CODES.ok;
  }
  const now = ctx.now();
  for (const record of shown) for (const line of describeRecord(record, now)) ctx.output.line(line);
  const drifted = records.filter((record) => record.state === 'drifted');
  const unauthorised = drifted.filter((record) => record.unauthorised).length;
  const unknown = records.filter((record) => record.state === 'unknown').length;
  if (records.length === 0) ctx.output.line(options.check ? 'nothing to check: no live release in scope' : 'no drift checks yet; run gantry drift --check');
  else
    ctx.output.line(
      `${plural(records.length, 'live release')} checked: ${drifted.length} drifted${unauthorised > 0 ? ` (${unauthorised} unauthorised)` : ''}, ${unknown} unknown, ${records.length - drifted.length - unknown} in sync`,
    );
  return EXIT_CODES.ok;
}

/** Redeploys the live release of each drifted application in the environment or on the target. */
export async function remediateDrift(ctx: CommandContext, environment: string | undefined, options: { target?: string; json?: boolean }): Promise<number> {
  if (environment === undefined && options.target === undefined) throw new GantryError('REQUEST_INVALID', 'name an environment or --target to remediate', { where: 'environment' });
  const { deployments } = await connect(ctx).remediateDrift({ environment, target: options.target });
  if (options.json) ctx.output.json({ deployments });
  else if (deployments.length === 0) ctx.output.line('nothing to remediate: no drifted live release in scope (run gantry drift --check first)');
  else
    for (const { deployment, waitingFor } of deployments) {
      ctx.output.line(`redeploying ${deployment.app} ${deployment.version} to ${deployment.environment}: deployment ${deployment.id} (${deployment.state})${waitingFor.length > 0 ? `, queued behind ${waitingFor.join(', ')}` : ''}`);
    }
  return EXIT_CODES.ok;
}
