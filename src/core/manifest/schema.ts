import { z } from 'zod';
import { ENVIRONMENT_CRITICALITIES, type EnvironmentCriticality } from '../change/risk-config.js';
import { globProblem } from '../drift/ignore-globs.js';
import { ENVIRONMENT_TIERS } from './environment-tier.js';
import { durationSchema } from '../duration.js';
import { labelsSchema, nameSchema } from '../names.js';
import { analysisArgProblems } from '../analysis/render-query.js';
import { analysisTemplatesSchema, type AnalysisTemplates } from '../analysis/template-schema.js';
import { canaryStepsProblem, type CanaryStep } from '../rollout/plan-canary.js';
import { quantitySchema } from '../rollout/quantity.js';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_PREFIX = 'GANTRY_';

/** A variable: one value, or values by specificity (target beats environment beats default). */
const variableSchema = z.union([
  z.string(),
  z
    .object({
      default: z.string().optional(),
      environments: z.record(nameSchema, z.string()).optional(),
      targets: z.record(nameSchema, z.string()).optional(),
    })
    .strict(),
]);

const hookSchema = z.union([
  z.string().min(1),
  z.object({ run: z.string().min(1), timeout: durationSchema.optional() }).strict(),
]);

const checkTiming = {
  timeout: durationSchema.default(5000),
  retries: z.number().int().min(0).max(1000).default(3),
  interval: durationSchema.default(1000),
};

const healthCheckSchema = z.union([
  z.object({ command: z.string().min(1), ...checkTiming }).strict(),
  z
    .object({
      http: z
        .object({
          url: z.string().min(1),
          expect: z.number().int().min(100).max(599).default(200),
        })
        .strict(),
      ...checkTiming,
    })
    .strict(),
  z
    .object({
      tcp: z.object({ host: z.string().default('127.0.0.1'), port: z.union([z.number().int(), z.string()]) }).strict(),
      ...checkTiming,
    })
    .strict(),
]);

const allAtOnceSchema = z
  .object({
    type: z.literal('allAtOnce'),
    maxFailures: quantitySchema.default({ count: 0 }),
    onFailure: z.enum(['rollback', 'halt']).default('rollback'),
  })
  .strict();

const rollingSchema = z
  .object({
    type: z.literal('rolling'),
    batch: quantitySchema.default({ percent: 25 }),
    maxFailures: quantitySchema.default({ count: 0 }),
    pauseBetweenBatches: durationSchema.default(0),
    onFailure: z.enum(['rollback', 'halt']).default('rollback'),
  })
  .strict();

/** A package name as package managers spell them (Debian policy, RPM): no spaces, quotes or leading `-`. */
const packageNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+._-]{0,199}$/, 'must be a package name (letters, digits, + . _ -)');

/** `nginx`, or `{ name: openssl, minVersion: "3.0.15-1~deb12u1" }` (compared by the target's package manager's rules). */
const declaredPackageSchema = z
  .union([packageNameSchema, z.object({ name: packageNameSchema, minVersion: z.string().min(1).max(200).optional() }).strict()])
  .transform((entry) => (typeof entry === 'string' ? { name: entry, minVersion: null } : { name: entry.name, minVersion: entry.minVersion ?? null }));
export type DeclaredPackage = z.output<typeof declaredPackageSchema>;

/** An analysis to run: a template of the manifest's `analysis`, with the arguments it declares. */
const analysisRunSchema = z.object({ template: nameSchema, args: z.record(z.string(), z.string().max(1000)).default({}) }).strict();

const canaryStepSchema = z.union([
  z.object({ targets: quantitySchema }).strict(),
  z.object({ pause: z.object({ duration: durationSchema.optional() }).strict() }).strict(),
  z.object({ analysis: analysisRunSchema }).strict(),
]);

/** Argo Rollouts' canary, over machines: a share of the targets at a time, with gates between. */
const canarySchema = z
  .object({
    type: z.literal('canary'),
    steps: z
      .array(canaryStepSchema)
      .min(1)
      .transform((steps): CanaryStep[] => steps.map((step) => ('pause' in step ? { pause: { durationMs: step.pause.duration } } : step)))
      .superRefine((steps, ctx) => {
        const problem = canaryStepsProblem(steps);
        if (problem) ctx.addIssue({ code: 'custom', path: [problem.index], message: problem.message });
      }),
    /** Runs from the first batch to the end of the rollout; a failure aborts it. */
    analysis: analysisRunSchema.optional(),
    maxFailures: quantitySchema.default({ count: 0 }),
    onFailure: z.enum(['rollback', 'halt']).default('rollback'),
  })
  .strict();

export const SLOTS = ['blue', 'green'] as const;
export type Slot = (typeof SLOTS)[number];

/**
 * Blue-green over machines: every target keeps two slots, each with its own variables (its
 * port, say). The release starts on the idle slot beside the live one, is checked there, then
 * the load balancer switches every target to it at once; the old slot stays warm for
 * scaleDownDelay, so an abort is a switch back.
 */
const blueGreenSchema = z
  .object({
    type: z.literal('blueGreen'),
    /** Variables each slot overrides; values may use the target's own `${VAR}`. */
    slots: z.object({ blue: z.record(z.string().regex(VARIABLE_NAME), z.string()), green: z.record(z.string().regex(VARIABLE_NAME), z.string()) }).strict(),
    /** Run on the idle slot before the switch; a failure rolls back, inconclusive waits for a person. */
    previewAnalysis: analysisRunSchema.optional(),
    /** false: wait for `gantry promote` before switching. */
    autoPromote: z.boolean().default(true),
    scaleDownDelay: durationSchema.default(30_000),
    maxFailures: quantitySchema.default({ count: 0 }),
    onFailure: z.enum(['rollback', 'halt']).default('rollback'),
  })
  .strict();

export const strategySchema = z.discriminatedUnion('type', [allAtOnceSchema, rollingSchema, canarySchema, blueGreenSchema]);

/**
 * How the environment's load balancer takes targets out of rotation and puts them back: the
 * built-in nginx switcher (Gantry owns one upstream file) or a pair of hooks. Either runs on
 * `target`, a registered target (the load balancer's machine); `server` is each app target's
 * address as the load balancer sees it, with `${VAR}` from that target's variables.
 */
const trafficSchema = z
  .object({
    target: nameSchema,
    server: z.string().min(1),
    /** After a batch leaves the rotation and before it is switched: requests under way finish, a reload settles. */
    drainDelay: durationSchema.default(1000),
    timeout: durationSchema.default(30_000),
    nginx: z
      .object({
        file: z.string().regex(/^\/[^\0\n]*$/, 'must be an absolute path'),
        upstream: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, ".", "_" and "-" only'),
        test: z.string().min(1).nullable().default('nginx -t'),
        reload: z.string().min(1).default('nginx -s reload'),
      })
      .strict()
      .optional(),
    /** `switch` moves every target to one blue-green slot (GANTRY_SLOT, GANTRY_SERVERS). */
    hooks: z.object({ drain: z.string().min(1), undrain: z.string().min(1), switch: z.string().min(1).optional() }).strict().optional(),
  })
  .strict()
  .superRefine((traffic, ctx) => {
    if ((traffic.nginx === undefined) === (traffic.hooks === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of `nginx` (the built-in switcher) or `hooks` (drain and undrain commands)' });
    }
  });

const environmentSchema = z
  .object({
    name: nameSchema,
    targets: labelsSchema,
    /** Deployments here must belong to an authorised change, inside its window and outside freezes. */
    protected: z.boolean().default(false),
    /** How much the environment matters to change risk; when omitted, protected environments are high and others medium. */
    criticality: z.enum(ENVIRONMENT_CRITICALITIES).optional(),
    /** What DORA metrics count it as; when omitted, see tierOf (protected: production, else from the name). */
    tier: z.enum(ENVIRONMENT_TIERS).optional(),
    traffic: trafficSchema.optional(),
  })
  .strict();

export const manifestSchema = z
  .object({
    app: nameSchema,
    artifact: z.object({ path: z.string().min(1) }).strict().optional(),
    keepReleases: z.number().int().min(2).max(1000).default(5),
    environments: z.array(environmentSchema).min(1),
    lifecycle: z.array(nameSchema).optional(),
    variables: z
      .record(
        z.string().regex(VARIABLE_NAME, 'variable names are letters, digits and "_", not starting with a digit').refine(
          (name) => !name.startsWith(RESERVED_PREFIX),
          `variable names starting with ${RESERVED_PREFIX} are reserved for Gantry`,
        ),
        variableSchema,
      )
      .default({}),
    config: z
      .array(
        z
          .object({
            template: z.string().min(1),
            path: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
    hooks: z
      .object({
        beforeInstall: hookSchema.optional(),
        afterInstall: hookSchema.optional(),
        beforeActivate: hookSchema.optional(),
        afterActivate: hookSchema.optional(),
        /** Blue-green: stops a slot (the old one after scaleDownDelay, the new one when rolling back). */
        scaleDown: hookSchema.optional(),
      })
      .strict()
      .default({}),
    hookTimeout: durationSchema.default(300_000),
    transferTimeout: durationSchema.default(600_000),
    health: z.array(healthCheckSchema).default([]),
    analysis: analysisTemplatesSchema.default({}),
    strategy: strategySchema.prefault({ type: 'rolling' }),
    /** Configuration drift checks: files hooks create in the release directory, left out of the comparison. */
    drift: z
      .object({
        ignore: z
          .array(z.string().superRefine((glob, ctx) => {
            const problem = globProblem(glob);
            if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
          }))
          .max(200)
          .default([]),
      })
      .strict()
      .optional(),
    /** System packages the application needs on its targets: part of the desired state drift checks compare. */
    packages: z.array(declaredPackageSchema).max(200).default([]),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const names = manifest.environments.map((environment) => environment.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) {
        ctx.addIssue({ code: 'custom', path: ['environments', index, 'name'], message: `environment "${name}" is declared twice` });
      }
    });
    manifest.lifecycle?.forEach((name, index) => {
      if (!names.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['lifecycle', index], message: `"${name}" is not one of the environments (${names.join(', ')})` });
      }
    });
    for (const [variable, value] of Object.entries(manifest.variables)) {
      if (typeof value === 'string') continue;
      for (const environment of Object.keys(value.environments ?? {})) {
        if (!names.includes(environment)) {
          ctx.addIssue({
            code: 'custom',
            path: ['variables', variable, 'environments', environment],
            message: `"${environment}" is not one of the environments (${names.join(', ')})`,
          });
        }
      }
    }
    checkAnalysisRuns(manifest, ctx);
    if (manifest.strategy.type === 'blueGreen') {
      manifest.environments.forEach((environment, index) => {
        if (!environment.traffic) ctx.addIssue({ code: 'custom', path: ['environments', index, 'traffic'], message: 'blueGreen switches the load balancer between slots: every environment needs `traffic`' });
        else if (environment.traffic.hooks && !environment.traffic.hooks.switch) {
          ctx.addIssue({ code: 'custom', path: ['environments', index, 'traffic', 'hooks', 'switch'], message: 'blueGreen with traffic hooks needs a `switch` hook (it gets GANTRY_SLOT and GANTRY_SERVERS)' });
        }
      });
      if (!manifest.hooks.scaleDown) ctx.addIssue({ code: 'custom', path: ['hooks', 'scaleDown'], message: 'blueGreen needs a scaleDown hook to stop the slot it no longer uses' });
    }
    manifest.config.forEach((entry, index) => {
      for (const key of ['template', 'path'] as const) {
        if (!isRelativeInside(entry[key])) {
          ctx.addIssue({ code: 'custom', path: ['config', index, key], message: 'must be a relative path inside the release (no "..", not absolute)' });
        }
      }
    });
  });

/** Each analysis a canary runs names a template of the manifest with the arguments it declares. */
function checkAnalysisRuns(manifest: { readonly analysis: AnalysisTemplates; readonly strategy: Strategy }, ctx: z.RefinementCtx): void {
  const strategy = manifest.strategy;
  const runs =
    strategy.type === 'canary'
      ? strategy.steps.flatMap((step, index) => ('analysis' in step ? [{ run: step.analysis, path: ['strategy', 'steps', index, 'analysis'], background: false }] : []))
      : strategy.type === 'blueGreen' && strategy.previewAnalysis
        ? [{ run: strategy.previewAnalysis, path: ['strategy', 'previewAnalysis'], background: false }]
        : [];
  if (strategy.type === 'canary' && strategy.analysis) runs.push({ run: strategy.analysis, path: ['strategy', 'analysis'], background: true });
  const declared = Object.keys(manifest.analysis);
  for (const { run, path, background } of runs) {
    const template = manifest.analysis[run.template];
    if (!template) {
      ctx.addIssue({ code: 'custom', path: [...path, 'template'], message: `no analysis template "${run.template}" (${declared.length > 0 ? `the manifest has ${declared.join(', ')}` : 'the manifest has no `analysis` section'})` });
      continue;
    }
    for (const message of analysisArgProblems(run.template, template, Object.keys(run.args))) ctx.addIssue({ code: 'custom', path: [...path, 'args'], message });
    if (!background) {
      template.metrics.forEach((metric) => {
        if (metric.count === undefined) {
          ctx.addIssue({ code: 'custom', path: [...path, 'template'], message: `metric ${metric.name} of template ${run.template} has no count: a step's analysis must end (without count, use it as the strategy's background analysis)` });
        }
      });
    }
  }
}

export function isRelativeInside(path: string): boolean {
  return !path.startsWith('/') && !path.includes('\0') && path.split('/').every((part) => part !== '..') && path !== '.';
}

export type Manifest = z.output<typeof manifestSchema>;
export type Strategy = z.output<typeof strategySchema>;
export type HealthCheck = Manifest['health'][number];
export type Hook = z.output<typeof hookSchema>;
export type VariableDefinition = z.output<typeof variableSchema>;
export type EnvironmentDefinition = Manifest['environments'][number];
export type TrafficDefinition = NonNullable<EnvironmentDefinition['traffic']>;

/** The environment's criticality for change risk, with the documented default. */
export function criticalityOf(environment: Pick<EnvironmentDefinition, 'protected' | 'criticality'>): EnvironmentCriticality {
  return environment.criticality ?? (environment.protected ? 'high' : 'medium');
}
