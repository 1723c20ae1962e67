import { z } from 'zod';
import { labelsSchema, nameSchema } from '../names.js';
import { normaliseMount, parseAgentVersion } from './evaluate.js';
import type { Policy, PolicyRule } from './model.js';

/**
 * A compliance policy as people write it (YAML or JSON):
 *
 * ```yaml
 * name: baseline
 * targets: { env: prod }
 * rules:
 *   - package: telnetd
 *     present: false
 *   - package: openssl
 *     minVersion: 3.0.15-1~deb12u1
 *   - os: { ids: [debian], versions: ["12"] }
 *   - agentVersion: { min: 0.2.0 }
 *   - diskFree: { mount: /, minPercent: 10 }
 *   - file: { path: /etc/ssh/sshd_config, mode: "0600", owner: root, contains: "^PermitRootLogin no" }
 *   - service: { name: auditd }
 * ```
 *
 * Each rule checks one thing, named by its one key; `toPolicy` turns the parsed input into a
 * `Policy` with every default filled in.
 */

export const RULE_KINDS = ['package', 'os', 'agentVersion', 'diskFree', 'file', 'service'] as const;
export const MAX_RULES = 50;

const RULE_KIND_LIST = 'package, os, agentVersion, diskFree, file or service';
/** The keys a rule may have beside its kind key. */
const PACKAGE_OPTIONS = ['present', 'minVersion'] as const;

/**
 * YAML reads `12` and `22.10` as numbers (22.10 becomes 22.1), so versions must be quoted. A
 * custom issue rather than `z.string()`'s type error, which `readYamlInput` words as a bare
 * "expected string" and would lose the hint.
 */
const versionString = (what: string, string: z.ZodString = z.string()) =>
  z
    .custom<string>((value) => typeof value === 'string', { message: `${what} must be a string: quote version numbers ("12", "22.04"), YAML reads 22.10 as the number 22.1` })
    .pipe(string.min(1, `${what} must not be empty`).max(200, `${what} must be at most 200 characters`));

/** os-release `ID` and `VERSION_ID`: lower case letters, digits, `.`, `_` and `-`. */
const OS_RELEASE_VALUE = /^[a-z0-9._-]{1,64}$/;

const osSchema = z
  .object({
    ids: z
      .array(z.string().regex(OS_RELEASE_VALUE, 'os-release IDs are lower case letters, digits, ".", "_" or "-" (debian, ubuntu, rocky)'))
      .min(1, 'name at least one os-release ID (debian, ubuntu, rocky)')
      .max(50, 'at most 50 IDs'),
    /** VERSION_ID prefixes; empty or absent = any version. */
    versions: z
      .array(versionString('a version', z.string().regex(OS_RELEASE_VALUE, 'VERSION_IDs are lower case letters, digits, ".", "_" or "-" ("12", "22.04", "9")')))
      .max(50, 'at most 50 versions')
      .optional(),
  })
  .strict();

const agentVersionSchema = z
  .object({
    min: versionString('the minimum agent version').refine((version) => parseAgentVersion(version) !== null, {
      message: 'must be dotted numbers with an optional pre-release suffix (0.2.0, 1.10, 1.2.0-rc1)',
    }),
  })
  .strict();

const diskFreeSchema = z
  .object({
    mount: z
      .string({ error: 'mount must be a string: the mount point, e.g. "/" or "/var"' })
      .regex(/^\/[^\0\n]{0,999}$/, 'mount must be an absolute path (the mount point, e.g. "/" or "/var")'),
    minPercent: z
      .number({ error: 'minPercent must be a number from 0 to 100' })
      .min(0, 'minPercent must be from 0 to 100')
      .max(100, 'minPercent must be from 0 to 100'),
  })
  .strict();

const fileSchema = z
  .object({
    path: z.string({ error: 'path must be a string: an absolute file path' }).regex(/^\/[^\0\n\t]{0,999}$/, 'path must be an absolute file path (one line, no tabs)'),
    exists: z.boolean({ error: 'exists must be true or false' }).optional(),
    mode: z
      .custom<string>((value) => typeof value === 'string', { message: 'mode must be a quoted octal string such as "0644" (YAML reads 0644 as a number)' })
      .pipe(z.string().regex(/^0?[0-7]{3,4}$/, 'mode must be octal permission bits such as "0644" or "0600"'))
      .transform((mode) => mode.padStart(4, '0'))
      .optional(),
    owner: z.string().regex(/^[A-Za-z_][A-Za-z0-9._-]{0,31}$/, 'owner must be a user name').optional(),
    contains: z
      .string()
      .min(1)
      .max(500, 'contains must be at most 500 characters')
      .refine((pattern) => !/[\n\t\0]/.test(pattern), 'contains must be one line without tabs')
      .optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    if (file.exists === false && (file.mode !== undefined || file.owner !== undefined || file.contains !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a file that must not exist has no mode, owner or contents to check: drop them, or drop `exists: false`' });
    }
  });

const serviceSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9@._:-]{0,199}$/, 'name must be a service name (letters, digits, @ . _ : -)'),
    running: z.boolean({ error: 'running must be true or false' }).optional(),
  })
  .strict();

/** The values of every kind; which keys may appear together is checked before (see `ruleSchema`). */
const ruleFieldsSchema = z
  .object({
    package: nameSchema.optional(),
    present: z.boolean({ error: 'present must be true or false' }).optional(),
    minVersion: versionString('minVersion').optional(),
    os: osSchema.optional(),
    agentVersion: agentVersionSchema.optional(),
    diskFree: diskFreeSchema.optional(),
    file: fileSchema.optional(),
    service: serviceSchema.optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.minVersion !== undefined && rule.present === false) {
      ctx.addIssue({ code: 'custom', path: ['minVersion'], message: 'minVersion applies only to a package that must be present: drop it, or drop `present: false`' });
    }
  });

/**
 * One rule: exactly one of the kind keys (`package` with its `present` and `minVersion`). The
 * keys are checked first, so a misspelt or doubled kind gets one message that says what a rule
 * may be, rather than a message per possible kind.
 */
const ruleSchema = z
  .record(z.string(), z.unknown(), { error: `a rule is an object with one of ${RULE_KIND_LIST}` })
  .superRefine((rule, ctx) => {
    const keys = Object.keys(rule);
    const kinds = keys.filter((key): key is (typeof RULE_KINDS)[number] => (RULE_KINDS as readonly string[]).includes(key));
    const unknown = keys.filter((key) => !(RULE_KINDS as readonly string[]).includes(key) && !(PACKAGE_OPTIONS as readonly string[]).includes(key));
    for (const key of unknown) {
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown key "${key}": a rule is one of ${RULE_KIND_LIST} (a package rule may add present and minVersion)` });
    }
    if (kinds.length > 1) {
      ctx.addIssue({ code: 'custom', message: `has ${kinds.join(' and ')}: a rule checks one thing, write one rule for each` });
    } else if (kinds.length === 0 && unknown.length === 0) {
      ctx.addIssue({ code: 'custom', message: `needs one of ${RULE_KIND_LIST}` });
    }
    if (kinds.length === 1 && kinds[0] !== 'package') {
      for (const key of PACKAGE_OPTIONS.filter((option) => option in rule)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} belongs to a package rule, not to ${kinds[0]}` });
      }
    }
  })
  .pipe(ruleFieldsSchema);

export const policyInputSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(2000, 'description must be at most 2000 characters').optional(),
    /** What to do when the policy fails, shown with the result. */
    resolution: z.string().max(2000, 'resolution must be at most 2000 characters').optional(),
    /** Label selector: the targets whose labels match; absent = every target. */
    targets: labelsSchema.optional(),
    rules: z
      .array(ruleSchema, { error: 'rules must be a list' })
      .min(1, 'a policy needs at least one rule')
      .max(MAX_RULES, `a policy has at most ${MAX_RULES} rules`),
  })
  .strict();

export type PolicyInput = z.output<typeof policyInputSchema>;
type RuleInput = PolicyInput['rules'][number];

/** The parsed input as a `Policy`: empty description, resolution and selector; packages must be present; any OS version. */
export function toPolicy(input: PolicyInput): Policy {
  return {
    name: input.name,
    description: input.description ?? '',
    resolution: input.resolution ?? '',
    targets: { ...(input.targets ?? {}) },
    rules: input.rules.map(toRule),
  };
}

function toRule(rule: RuleInput): PolicyRule {
  if (rule.package !== undefined) return { kind: 'package', name: rule.package, present: rule.present ?? true, minVersion: rule.minVersion ?? null };
  if (rule.os !== undefined) return { kind: 'os', ids: [...rule.os.ids], versions: [...(rule.os.versions ?? [])] };
  if (rule.agentVersion !== undefined) return { kind: 'agentVersion', min: rule.agentVersion.min };
  if (rule.diskFree !== undefined) return { kind: 'diskFree', mount: normaliseMount(rule.diskFree.mount), minPercent: rule.diskFree.minPercent };
  if (rule.file !== undefined) {
    const { path, exists, mode, owner, contains } = rule.file;
    return { kind: 'file', path, exists: exists ?? true, mode: mode ?? null, owner: owner ?? null, contains: contains ?? null };
  }
  if (rule.service !== undefined) return { kind: 'service', name: rule.service.name, running: rule.service.running ?? true };
  // The schema lets no other rule through.
  throw new Error(`a policy rule has none of ${RULE_KIND_LIST}`);
}
