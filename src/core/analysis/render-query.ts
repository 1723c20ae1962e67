import type { JsonPath } from './json-path.js';
import { placeholdersIn, renderPlaceholders, type AnalysisContext } from './placeholders.js';
import type { AnalysisMetric, AnalysisTemplate } from './template-schema.js';

/**
 * Substitution of placeholders into a metric's provider (see placeholders.ts for the syntax), and
 * the check of the arguments an analysis step passes against those its template uses.
 */

export { ARG_NAME_PATTERN, placeholdersIn, renderPlaceholders, type AnalysisContext, type Placeholder, type RenderOptions } from './placeholders.js';

/** A metric's provider with its placeholders substituted, ready to be read. */
export type RenderedProvider =
  | { readonly kind: 'prometheus'; readonly address: string; readonly query: string; readonly headers: Readonly<Record<string, string>>; readonly timeout: number }
  | { readonly kind: 'http'; readonly url: string; readonly jsonPath: JsonPath; readonly headers: Readonly<Record<string, string>>; readonly timeout: number }
  /** `run` is never substituted: the values reach the command as environment variables only. */
  | { readonly kind: 'command'; readonly run: string; readonly env: Readonly<Record<string, string>>; readonly timeout: number };

export interface RenderedMetric {
  readonly template: string;
  readonly name: string;
  readonly provider: RenderedProvider;
}

/** The environment variable an argument reaches a command provider as. */
export const argEnvironmentName = (name: string) => `GANTRY_ARG_${name.toUpperCase()}`;

/** What a command provider's process gets: GANTRY_APP, GANTRY_RELEASE, GANTRY_ENVIRONMENT, GANTRY_TARGETS (space-separated) and GANTRY_ARG_<NAME>. */
export function commandEnvironment(context: AnalysisContext): Record<string, string> {
  const env: Record<string, string> = {
    GANTRY_APP: context.app,
    GANTRY_RELEASE: context.release,
    GANTRY_ENVIRONMENT: context.env,
    GANTRY_TARGETS: context.targets.join(' '),
  };
  for (const [name, value] of Object.entries(context.args)) env[argEnvironmentName(name)] = value;
  return env;
}

function renderHeaders(headers: Readonly<Record<string, string>>, context: AnalysisContext, field: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, renderPlaceholders(value, context, { field: `${field}.headers.${name}` })]));
}

/** Substitutes the placeholders of one metric; values in an http URL are URL-encoded. */
export function renderMetric(template: string, metric: AnalysisMetric, context: AnalysisContext): RenderedMetric {
  const provider = metric.provider;
  const field = `analysis.${template}.metrics.${metric.name}.provider.${provider.kind}`;
  let rendered: RenderedProvider;
  switch (provider.kind) {
    case 'prometheus':
      rendered = { ...provider, query: renderPlaceholders(provider.query, context, { field: `${field}.query` }), headers: renderHeaders(provider.headers, context, field) };
      break;
    case 'http':
      rendered = { ...provider, url: renderPlaceholders(provider.url, context, { field: `${field}.url`, encode: encodeURIComponent }), headers: renderHeaders(provider.headers, context, field) };
      break;
    case 'command':
      rendered = { kind: 'command', run: provider.run, env: commandEnvironment(context), timeout: provider.timeout };
      break;
  }
  return { template, name: metric.name, provider: rendered };
}

/** The texts of a provider that placeholders are substituted in (a command's `run` is not one of them). */
export function templatedTexts(metric: AnalysisMetric): string[] {
  const provider = metric.provider;
  switch (provider.kind) {
    case 'prometheus':
      return [provider.query, ...Object.values(provider.headers)];
    case 'http':
      return [provider.url, ...Object.values(provider.headers)];
    case 'command':
      return [];
  }
}

/** The `{{args.NAME}}` names a template's metrics use, sorted and without repeats. */
export function argsUsedBy(template: Pick<AnalysisTemplate, 'metrics'>): string[] {
  const used = new Set<string>();
  for (const metric of template.metrics) {
    for (const text of templatedTexts(metric)) {
      for (const placeholder of placeholdersIn(text)) if (placeholder.kind === 'arg') used.add(placeholder.name);
    }
  }
  return [...used].sort();
}

/**
 * What is wrong with the arguments an analysis step passes to a template, as messages (empty when
 * nothing is): a declared argument it leaves out, an argument the template does not declare.
 * Call it when the manifest is read, so a missing argument stops the deployment before it starts.
 */
export function analysisArgProblems(templateName: string, template: Pick<AnalysisTemplate, 'args' | 'metrics'>, passed: readonly string[]): string[] {
  const problems: string[] = [];
  const declared = new Set([...template.args, ...argsUsedBy(template)]);
  const given = new Set(passed);
  for (const name of declared) {
    if (!given.has(name)) problems.push(`analysis template "${templateName}" needs the argument "${name}", which is not passed`);
  }
  for (const name of given) {
    if (!declared.has(name)) {
      const known = [...declared];
      problems.push(`analysis template "${templateName}" has no argument "${name}" (${known.length === 0 ? 'it takes none' : `it takes ${known.join(', ')}`})`);
    }
  }
  return problems;
}
