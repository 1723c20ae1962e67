import { GantryError } from '../errors.js';

/**
 * Placeholders in a metric's query, URL and headers: `{{app}}`, `{{release}}`, `{{env}}`,
 * `{{targets}}` (the canary set's target names joined with `|`, ready for a PromQL regex matcher
 * such as `instance=~"{{targets}}"`) and `{{args.NAME}}` (a value the analysis step passes).
 * Anything else between `{{` and `}}`, and a `{{` that is never closed, is a manifest error, so
 * a typo never reaches Prometheus as literal text.
 */

/** Names of template arguments: they also become environment variables (GANTRY_ARG_<NAME>). */
export const ARG_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Placeholder = { readonly kind: 'app' | 'release' | 'env' | 'targets' } | { readonly kind: 'arg'; readonly name: string };

export interface AnalysisContext {
  readonly app: string;
  /** The version of the release being analysed. */
  readonly release: string;
  readonly env: string;
  /** Target names of the current canary set. */
  readonly targets: readonly string[];
  readonly args: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const CONTEXT_PLACEHOLDERS = new Set(['app', 'release', 'env', 'targets']);
const KNOWN = '{{app}}, {{release}}, {{env}}, {{targets}} and {{args.NAME}}';

function invalid(field: string | undefined, message: string): GantryError {
  return new GantryError('MANIFEST_INVALID', field === undefined ? message : `${field}: ${message}`, field === undefined ? {} : { where: field });
}

function parsePlaceholder(inner: string, field: string | undefined): Placeholder {
  if (CONTEXT_PLACEHOLDERS.has(inner)) return { kind: inner as 'app' | 'release' | 'env' | 'targets' };
  if (inner.startsWith('args.')) {
    const name = inner.slice('args.'.length);
    if (ARG_NAME_PATTERN.test(name)) return { kind: 'arg', name };
    throw invalid(field, `placeholder {{${inner}}} does not name an argument: argument names are letters, digits and "_", not starting with a digit`);
  }
  throw invalid(field, `unknown placeholder {{${inner}}}: only ${KNOWN} are substituted`);
}

/** Splits `text` into literal parts and placeholders; throws MANIFEST_INVALID on an unknown or unclosed one. */
function scan(text: string, field: string | undefined): Array<string | Placeholder> {
  const parts: Array<string | Placeholder> = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(text.slice(last, match.index));
    parts.push(parsePlaceholder(match[1] ?? '', field));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  for (const part of parts) {
    if (typeof part === 'string' && (part.includes('{{') || part.includes('}}'))) {
      const at = part.includes('{{') ? '{{' : '}}';
      throw invalid(field, `"${at}" that is not part of a placeholder: write ${KNOWN}`);
    }
  }
  return parts;
}

/** The placeholders `text` uses, in order; throws MANIFEST_INVALID on an unknown or malformed one. */
export function placeholdersIn(text: string, field?: string): Placeholder[] {
  return scan(text, field).filter((part): part is Placeholder => typeof part !== 'string');
}

export interface RenderOptions {
  /** Applied to each substituted value (not to the text around it); `encodeURIComponent` for URLs. */
  readonly encode?: (value: string) => string;
  /** Names the text in error messages, such as `analysis.error-rate.metrics.0.provider.prometheus.query`. */
  readonly field?: string;
}

/** `text` with its placeholders replaced by values from `context`; a missing argument is a MANIFEST_INVALID naming it. */
export function renderPlaceholders(text: string, context: AnalysisContext, options: RenderOptions = {}): string {
  const encode = options.encode ?? ((value: string) => value);
  return scan(text, options.field)
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part.kind !== 'arg') return encode(part.kind === 'targets' ? context.targets.join('|') : context[part.kind]);
      if (!Object.hasOwn(context.args, part.name)) {
        throw invalid(options.field, `placeholder {{args.${part.name}}} needs the argument "${part.name}", which the analysis step does not pass`);
      }
      return encode(context.args[part.name] ?? '');
    })
    .join('');
}
