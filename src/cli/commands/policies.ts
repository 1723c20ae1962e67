/** `gantry policy apply|list|results|history|delete`: endpoint compliance policies (issue 9). */
import type { PolicyDto, PolicyInputBody } from '../../client/api-client.js';
import { policyInputSchema } from '../../core/policy/policy-schema.js';
import { connect } from '../connect.js';
import { readInputFile } from '../input-file.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

const MAX_POLICY_BYTES = 256 * 1024;

/** A policy file, checked as the server will check it (see readInputFile); sent as written. */
export async function readPolicyFile(cwd: string, file: string): Promise<PolicyInputBody & { name: string }> {
  const { raw, data } = await readInputFile(cwd, file, { what: 'policy', flag: '--file', schema: policyInputSchema, maxBytes: MAX_POLICY_BYTES });
  return { ...(raw as PolicyInputBody), name: data.name };
}

function describeRule(rule: PolicyDto['rules'][number]): string {
  switch (rule.kind) {
    case 'package':
      return rule.present ? `package ${rule.name}${rule.minVersion ? ` ≥ ${rule.minVersion}` : ''}` : `no package ${rule.name}`;
    case 'os':
      return `os ${rule.ids.join('|')}${rule.versions.length > 0 ? ` ${rule.versions.join('|')}` : ''}`;
    case 'agentVersion':
      return `agent ≥ ${rule.min}`;
    case 'diskFree':
      return `${rule.mount} ≥ ${rule.minPercent}% free`;
    case 'file': {
      if (!rule.exists) return `no file ${rule.path}`;
      const details = [rule.mode && `mode ${rule.mode}`, rule.owner && `owner ${rule.owner}`, rule.contains && `contains /${rule.contains}/`].filter(Boolean);
      return `file ${rule.path}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
    }
    case 'service':
      return rule.running ? `service ${rule.name} running` : `service ${rule.name} stopped`;
  }
}

const selector = (labels: Record<string, string>) => Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',') || '(all)';

export async function applyPolicyFile(ctx: CommandContext, options: { file: string; json?: boolean }): Promise<number> {
  const policy = await readPolicyFile(ctx.cwd, options.file);
  const applied = await connect(ctx).applyPolicy(policy.name, policy);
  if (options.json) ctx.output.json(applied);
  else ctx.output.line(`applied policy ${applied.name} (${applied.rules.length} rule${applied.rules.length === 1 ? '' : 's'}, targets ${selector(applied.targets)}); see gantry policy results`);
  return EXIT_CODES.ok;
}

export async function listPolicies(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const policies = await connect(ctx).listPolicies();
  if (options.json) ctx.output.json({ policies });
  else
    ctx.output.table(
      ['POLICY', 'TARGETS', 'RULES', 'DESCRIPTION', 'UPDATED'],
      policies.map((policy) => [policy.name, selector(policy.targets), policy.rules.map(describeRule).join('; '), policy.description || NONE, policy.updatedAt]),
    );
  return EXIT_CODES.ok;
}

const percent = (value: number | null) => (value === null ? NONE : `${value}%`);

export async function showPolicyResults(ctx: CommandContext, environment: string | undefined, options: { json?: boolean }): Promise<number> {
  const report = await connect(ctx).policyResults({ environment });
  if (options.json) {
    ctx.output.json(report);
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['TARGET', 'ENVIRONMENTS', 'POLICY', 'STATE', 'SINCE', 'REASONS'],
    report.results.filter((row) => row.state !== 'not_applicable').map((row) => [row.target, row.environments.join(','), row.policy, row.state, row.since, row.reasons.join('; ') || NONE]),
  );
  ctx.output.line('');
  ctx.output.table(
    ['ENVIRONMENT', 'POLICY', 'CHECKS', 'PASS', 'FAIL', 'UNKNOWN'],
    report.environments.flatMap((entry) => [
      ...entry.policies.filter((counts) => counts.total > 0).map((counts) => [entry.environment, counts.policy, String(counts.total), percent(counts.passPercent), percent(counts.failPercent), percent(counts.unknownPercent)]),
      [entry.environment, '(all)', String(entry.overall.total), percent(entry.overall.passPercent), percent(entry.overall.failPercent), percent(entry.overall.unknownPercent)],
    ]),
  );
  return EXIT_CODES.ok;
}

export async function showPolicyHistory(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  const flips = await connect(ctx).policyHistory(name);
  if (options.json) ctx.output.json({ policy: name, flips });
  else ctx.output.table(['AT', 'TARGET', 'FROM', 'TO', 'REASONS'], flips.map((flip) => [flip.at, flip.target, flip.from ?? NONE, flip.to, flip.reasons.join('; ') || NONE]));
  return EXIT_CODES.ok;
}

export async function deletePolicy(ctx: CommandContext, name: string): Promise<number> {
  await connect(ctx).deletePolicy(name);
  ctx.output.line(`deleted policy ${name} with its results and history`);
  return EXIT_CODES.ok;
}

/** `gantry policy check [--target T]`: exit 1 when some target could not be looked at. */
export async function checkPolicies(ctx: CommandContext, options: { target?: string; json?: boolean }): Promise<number> {
  const { checked } = await connect(ctx).checkPolicies(options.target);
  if (options.json) ctx.output.json({ checked });
  else if (checked.length === 0) ctx.output.line('no policy names a file or service for these targets');
  else ctx.output.table(['TARGET', 'CHECKED'], checked.map((entry) => [entry.target, entry.error === null ? 'yes' : `no: ${entry.error}`]));
  return checked.some((entry) => entry.error !== null) ? EXIT_CODES.failed : EXIT_CODES.ok;
}
