import { z } from 'zod';
import { durationSchema, formatDuration } from '../duration.js';
import { isGantryError } from '../errors.js';
import { nameSchema } from '../names.js';
import { parseCondition, type Condition } from './condition.js';
import { parseJsonPath, type JsonPath } from './json-path.js';
import { ARG_NAME_PATTERN, placeholdersIn } from './placeholders.js';
import { DEFAULT_ANALYSIS_LIMITS, type AnalysisLimits } from './verdict.js';

/**
 * The `analysis` section of the manifest: templates of metrics (Argo Rollouts' AnalysisTemplate),
 * each read from Prometheus, an HTTP endpoint or a command on the server. Conditions, jsonPaths
 * and placeholders are parsed here, when the manifest is read, so a typo is a manifest error at
 * its path and the engine gets them ready to use.
 */

const MAX_TEMPLATE_TEXT = 10_000;
const MAX_HEADERS = 32;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const KNOWN_PLACEHOLDER = /\{\{\s*(?:app|release|env|targets|args\.[A-Za-z0-9_]*)\s*\}\}/;

const formatBound = (ms: number) => (ms >= 3_600_000 && ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : formatDuration(ms));

/** A duration within bounds, in milliseconds. */
const boundedDuration = (minimum: number, maximum: number) =>
  durationSchema.refine((ms) => ms >= minimum && ms <= maximum, { message: `must be between ${formatBound(minimum)} and ${formatBound(maximum)}` });

/** Whether the text's placeholders are all known; an unknown or malformed one becomes an issue at the text. */
function checkPlaceholders(text: string, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  try {
    placeholdersIn(text);
  } catch (error) {
    if (!isGantryError(error)) throw error;
    ctx.addIssue({ code: 'custom', path, message: error.message });
  }
}

const templatedText = z.string().min(1).max(MAX_TEMPLATE_TEXT).superRefine((text, ctx) => checkPlaceholders(text, ctx));

/** An http(s) URL without credentials (they would be shown wherever the URL is); placeholders are checked, then stand in as "x". */
function httpUrl(what: string, templated: boolean) {
  return z.string().min(1).max(2000).superRefine((text, ctx) => {
    if (templated) {
      const before = ctx.issues.length;
      checkPlaceholders(text, ctx);
      if (ctx.issues.length > before) return;
    }
    let url: URL;
    try {
      url = new URL(templated ? text.replace(/\{\{[^{}]*\}\}/g, 'x') : text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${what} must be an absolute http:// or https:// URL` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `${what} must use http:// or https://, not ${url.protocol}` });
    if (url.username !== '' || url.password !== '') ctx.addIssue({ code: 'custom', message: `${what} must not contain credentials; send them in headers` });
  });
}

const headersSchema = z
  .record(
    z.string().regex(HEADER_NAME, 'header names are letters, digits and !#$%&\'*+.^_`|~-'),
    templatedText.refine((value) => !/[\r\n\0]/.test(value), 'header values cannot contain line breaks or NUL'),
  )
  .refine((headers) => Object.keys(headers).length <= MAX_HEADERS, `at most ${MAX_HEADERS} headers are allowed`)
  .default({});

const prometheusSchema = z
  .object({
    address: httpUrl('address', false),
    query: templatedText,
    headers: headersSchema,
    timeout: boundedDuration(100, 600_000).default(5000),
  })
  .strict();

const httpSchema = z
  .object({
    url: httpUrl('url', true),
    jsonPath: z.string().transform((source, ctx): JsonPath => {
      try {
        return parseJsonPath(source);
      } catch (error) {
        if (!isGantryError(error)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    }),
    headers: headersSchema,
    timeout: boundedDuration(100, 600_000).default(5000),
  })
  .strict();

const commandSchema = z
  .object({
    run: z
      .string()
      .min(1)
      .max(MAX_TEMPLATE_TEXT)
      .refine((run) => !KNOWN_PLACEHOLDER.test(run), {
        message: 'placeholders are not substituted in a command (values are never spliced into a shell command): read $GANTRY_APP, $GANTRY_RELEASE, $GANTRY_ENVIRONMENT, $GANTRY_TARGETS or $GANTRY_ARG_<NAME> instead',
      }),
    timeout: boundedDuration(100, 3_600_000).default(30_000),
  })
  .strict();

type PrometheusProvider = z.output<typeof prometheusSchema>;
type HttpProvider = z.output<typeof httpSchema>;
type CommandProvider = z.output<typeof commandSchema>;

/** Where a metric's value comes from; timeouts are in milliseconds. */
export type MetricProvider =
  | ({ readonly kind: 'prometheus' } & PrometheusProvider)
  | ({ readonly kind: 'http' } & HttpProvider)
  | ({ readonly kind: 'command' } & CommandProvider);

const PROVIDER_KINDS = ['prometheus', 'http', 'command'] as const;

const providerSchema = z
  .object({ prometheus: prometheusSchema.optional(), http: httpSchema.optional(), command: commandSchema.optional() })
  .strict()
  .transform((provider, ctx): MetricProvider => {
    const given = PROVIDER_KINDS.filter((kind) => provider[kind] !== undefined);
    if (provider.prometheus !== undefined && given.length === 1) return { kind: 'prometheus', ...provider.prometheus };
    if (provider.http !== undefined && given.length === 1) return { kind: 'http', ...provider.http };
    if (provider.command !== undefined && given.length === 1) return { kind: 'command', ...provider.command };
    ctx.addIssue({
      code: 'custom',
      message: given.length === 0 ? 'needs one of prometheus, http or command' : `has ${given.join(' and ')}: a metric has exactly one of prometheus, http or command`,
    });
    return z.NEVER;
  });

const conditionSchema = z.string().transform((source, ctx): Condition => {
  try {
    return parseCondition(source);
  } catch (error) {
    if (!isGantryError(error)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
});

const metricSchema = z
  .object({
    name: nameSchema,
    provider: providerSchema,
    successCondition: conditionSchema.optional(),
    failureCondition: conditionSchema.optional(),
    /** Between measurements; the first is taken at once, or after initialDelay. */
    interval: boundedDuration(100, 86_400_000).default(10_000),
    initialDelay: boundedDuration(0, 86_400_000).default(0),
    /** How many measurements complete the metric; absent measures until the analysis is stopped. */
    count: z.number().int().min(1).max(10_000).optional(),
    failureLimit: z.number().int().min(-1).max(10_000).default(DEFAULT_ANALYSIS_LIMITS.failureLimit),
    inconclusiveLimit: z.number().int().min(0).max(10_000).default(DEFAULT_ANALYSIS_LIMITS.inconclusiveLimit),
    consecutiveErrorLimit: z.number().int().min(0).max(10_000).default(DEFAULT_ANALYSIS_LIMITS.consecutiveErrorLimit),
  })
  .strict();

/**
 * The arguments a metric's templated texts use, with the input path of each text. Zod runs the
 * template's refinement even when a part of the metric was refused, so anything unreadable here
 * has been reported already and is skipped.
 */
function argumentUses(metric: AnalysisMetric): Array<{ path: PropertyKey[]; name: string }> {
  const provider = metric.provider as MetricProvider | undefined;
  const texts: Array<{ path: PropertyKey[]; text: string }> = [];
  const headers = (base: PropertyKey[], values: Readonly<Record<string, string>> = {}) => Object.entries(values).map(([name, text]) => ({ path: [...base, 'headers', name], text }));
  if (provider?.kind === 'prometheus') texts.push({ path: ['provider', 'prometheus', 'query'], text: provider.query }, ...headers(['provider', 'prometheus'], provider.headers));
  if (provider?.kind === 'http') texts.push({ path: ['provider', 'http', 'url'], text: provider.url }, ...headers(['provider', 'http'], provider.headers));
  return texts.flatMap(({ path, text }) => {
    try {
      return placeholdersIn(text).flatMap((placeholder) => (placeholder.kind === 'arg' ? [{ path, name: placeholder.name }] : []));
    } catch {
      return [];
    }
  });
}

export const analysisTemplateSchema = z
  .object({
    /** Names of the arguments an analysis step passes (`{{args.NAME}}`, GANTRY_ARG_<NAME>). */
    args: z.array(z.string().regex(ARG_NAME_PATTERN, 'argument names are letters, digits and "_", not starting with a digit')).max(50).default([]),
    metrics: z.array(metricSchema).min(1).max(50),
  })
  .strict()
  .superRefine((template, ctx) => {
    const argKeys = template.args.map((name) => name.toUpperCase());
    argKeys.forEach((key, index) => {
      if (argKeys.indexOf(key) !== index) {
        ctx.addIssue({ code: 'custom', path: ['args', index], message: `argument "${template.args[index]}" is declared twice (names that differ only in case are the same GANTRY_ARG_${key})` });
      }
    });
    const names = template.metrics.map((metric) => metric.name);
    template.metrics.forEach((metric, index) => {
      if (names.indexOf(metric.name) !== index) ctx.addIssue({ code: 'custom', path: ['metrics', index, 'name'], message: `metric "${metric.name}" is declared twice` });
      for (const { path, name } of argumentUses(metric)) {
        if (!template.args.includes(name)) {
          ctx.addIssue({ code: 'custom', path: ['metrics', index, ...path], message: `uses {{args.${name}}}, but "${name}" is not declared in the template's args` });
        }
      }
    });
  });

/** `analysis:` in the manifest: template name → template. */
export const analysisTemplatesSchema = z.record(nameSchema, analysisTemplateSchema);

export type AnalysisTemplates = z.output<typeof analysisTemplatesSchema>;
export type AnalysisTemplate = z.output<typeof analysisTemplateSchema>;
export type AnalysisMetric = z.output<typeof metricSchema>;

/** The limits `analysisOutcome` judges a metric's measurements by. */
export function metricLimits(metric: AnalysisMetric): AnalysisLimits {
  return {
    count: metric.count ?? null,
    failureLimit: metric.failureLimit,
    inconclusiveLimit: metric.inconclusiveLimit,
    consecutiveErrorLimit: metric.consecutiveErrorLimit,
  };
}
