/** `gantry retention show|set|preview|apply`: what is kept of deployment logs, releases and their archives (issue 10). */
import type { RetentionPolicyDto, RetentionPreviewDto } from '../../client/api-client.js';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext, Stdin } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

type Rules = RetentionPolicyDto['installation'];
type RuleName = keyof Rules;

/** Flag of each rule, as `set` takes it. */
const RULE_FLAGS: readonly (readonly [RuleName, string])[] = [
  ['keepReleases', '--keep-releases'],
  ['keepReleaseDays', '--keep-release-days'],
  ['keepLogDays', '--keep-logs-days'],
  ['keepLogDeployments', '--keep-log-deployments'],
];

const describeRules = (rules: Partial<Rules>) =>
  [
    rules.keepReleases !== undefined && `last ${rules.keepReleases} releases per environment`,
    rules.keepReleaseDays !== undefined && `releases created or deployed within ${rules.keepReleaseDays} days`,
    rules.keepLogDays !== undefined && `logs for ${rules.keepLogDays} days`,
    rules.keepLogDeployments !== undefined && `logs of the last ${rules.keepLogDeployments} deployments per environment`,
  ]
    .filter(Boolean)
    .join('; ') || '(inherits everything)';

function printPolicy(ctx: CommandContext, policy: RetentionPolicyDto): void {
  ctx.output.table(
    ['SCOPE', 'KEEPS'],
    [['installation', describeRules(policy.installation)], ...Object.entries(policy.overrides).map(([app, rules]) => [`app ${app}`, describeRules(rules)])],
  );
  ctx.output.line(policy.updatedAt === null ? 'never set: these are the defaults' : `set by ${policy.updatedBy ?? NONE} at ${policy.updatedAt}`);
}

export async function showRetentionPolicy(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const policy = await connect(ctx).getRetentionPolicy();
  if (options.json) ctx.output.json(policy);
  else printPolicy(ctx, policy);
  return EXIT_CODES.ok;
}

export interface RetentionSetOptions {
  readonly app?: string;
  /** With --app: drop the application's override (it follows the installation's rules again). */
  readonly inherit?: boolean;
  readonly keepReleases?: string;
  readonly keepReleaseDays?: string;
  readonly keepLogsDays?: string;
  readonly keepLogDeployments?: string;
  readonly json?: boolean;
}

function ruleValue(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new GantryError('REQUEST_INVALID', `${flag} must be a whole number, not ${JSON.stringify(text)}`, { where: flag });
  return Number(text);
}

/** Changes some rules of the installation (or of one application, with --app); the others stay as they are. */
export async function setRetentionPolicy(ctx: CommandContext, options: RetentionSetOptions): Promise<number> {
  const given: Partial<Record<RuleName, number>> = {};
  const texts: Record<RuleName, string | undefined> = { keepReleases: options.keepReleases, keepReleaseDays: options.keepReleaseDays, keepLogDays: options.keepLogsDays, keepLogDeployments: options.keepLogDeployments };
  for (const [name, flag] of RULE_FLAGS) if (texts[name] !== undefined) given[name] = ruleValue(flag, texts[name]);
  if (options.inherit && options.app === undefined) throw new GantryError('REQUEST_INVALID', '--inherit drops an application’s override: name it with --app', { where: '--inherit' });
  if (!options.inherit && Object.keys(given).length === 0) {
    throw new GantryError('REQUEST_INVALID', `nothing to set: give at least one of ${RULE_FLAGS.map(([, flag]) => flag).join(', ')}${options.app ? ', or --inherit' : ''}`, { where: 'options' });
  }
  const client = connect(ctx);
  const current = await client.getRetentionPolicy();
  const overrides = { ...current.overrides };
  let installation: Partial<Rules> = {};
  if (options.app === undefined) installation = given;
  else if (options.inherit) delete overrides[options.app];
  else overrides[options.app] = { ...overrides[options.app], ...given };
  const updated = await client.setRetentionPolicy({ installation, overrides });
  if (options.json) ctx.output.json(updated);
  else printPolicy(ctx, updated);
  return EXIT_CODES.ok;
}

const nothingToDelete = (preview: RetentionPreviewDto) => preview.pruneReleases.length === 0 && preview.deleteArchives.length === 0 && preview.deleteLogs.length === 0;

function printPreview(ctx: CommandContext, preview: RetentionPreviewDto, options: { kept: boolean }): void {
  if (nothingToDelete(preview)) ctx.output.line('nothing to delete');
  if (preview.pruneReleases.length > 0) {
    ctx.output.line('releases whose archive goes (the release stays listed, marked archive pruned):');
    ctx.output.table(['APP', 'VERSION', 'WHY'], preview.pruneReleases.map((verdict) => [verdict.app, verdict.version, verdict.reasons.join('; ')]));
  }
  if (preview.deleteArchives.length > 0) {
    ctx.output.line('archives deleted (no remaining release uses them):');
    ctx.output.table(['DIGEST', 'RELEASES'], preview.deleteArchives.map((archive) => [archive.digest.slice(0, 12), archive.releases.join(', ')]));
  }
  if (preview.deleteLogs.length > 0) {
    ctx.output.line('deployment logs deleted (their events stay):');
    ctx.output.table(['DEPLOYMENT', 'APP', 'ENVIRONMENT', 'VERSION', 'LINES'], preview.deleteLogs.map((verdict) => [verdict.deploymentId, verdict.app, verdict.environment, verdict.version, String(verdict.lines)]));
  }
  if (options.kept && preview.keptReleases.length > 0) {
    ctx.output.line('releases kept:');
    ctx.output.table(['APP', 'VERSION', 'WHY'], preview.keptReleases.map((verdict) => [verdict.app, verdict.version, verdict.reasons.join('; ')]));
  }
}

export async function previewRetention(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const preview = await connect(ctx).previewRetention();
  if (options.json) ctx.output.json(preview);
  else printPreview(ctx, preview, { kept: true });
  return EXIT_CODES.ok;
}

/** The first line typed on the terminal. */
async function readAnswer(stdin: Stdin): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n') || text.length > 100) break;
  }
  return (text.split('\n')[0] ?? '').trim();
}

/**
 * Deletes what the preview lists. Without --yes it shows the preview first and asks at a terminal;
 * when standard input is not a terminal it refuses, so a script never deletes by accident.
 */
export async function applyRetention(ctx: CommandContext, options: { yes?: boolean; json?: boolean }): Promise<number> {
  const client = connect(ctx);
  if (!options.yes) {
    const stdin = ctx.stdin;
    if (!stdin?.isTTY) throw new GantryError('REQUEST_INVALID', 'gantry retention apply deletes data: pass --yes to confirm (standard input is not a terminal, so it cannot ask); see gantry retention preview first', { where: '--yes' });
    const preview = await client.previewRetention();
    printPreview(ctx, preview, { kept: false });
    if (nothingToDelete(preview)) return EXIT_CODES.ok;
    ctx.output.raw('Delete these? Type "yes" to go on: ', 'stderr');
    if ((await readAnswer(stdin)).toLowerCase() !== 'yes') {
      ctx.output.notice('nothing was deleted');
      return EXIT_CODES.failed;
    }
  }
  const outcome = await client.applyRetention();
  if (options.json) ctx.output.json(outcome);
  else
    ctx.output.line(
      `pruned ${outcome.prunedReleases.length} release${outcome.prunedReleases.length === 1 ? '' : 's'}, deleted ${outcome.deletedArchives.length} archive${outcome.deletedArchives.length === 1 ? '' : 's'} and ${outcome.deletedLogLines} log line${outcome.deletedLogLines === 1 ? '' : 's'} of ${outcome.deletedLogDeployments} deployment${outcome.deletedLogDeployments === 1 ? '' : 's'}`,
    );
  return EXIT_CODES.ok;
}
