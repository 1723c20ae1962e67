import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/** One problem with a YAML (or JSON) input, where it is. */
export interface InputProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The field, dotted (`environments.0.name`); empty for the document as a whole. */
  readonly path: string;
  readonly message: string;
}

/** Bounds alias expansion so a "billion laughs" document cannot exhaust memory. */
const MAX_ALIAS_COUNT = 100;

export interface YamlInputOptions {
  readonly maxBytes: number;
  /** Said of a value that matches none of a union's forms. */
  readonly unionHint: string;
  /** Added to an unknown field's message: what the fields may be. */
  readonly knownFieldsHint?: string;
}

export type YamlInput<T> = { readonly ok: true; readonly data: T; readonly raw: unknown } | { readonly ok: false; readonly problems: InputProblem[] };

/**
 * Reads YAML (or JSON, which is YAML) the way Gantry reads every file people write: the core
 * schema (no custom tags, no code), duplicate keys refused, aliases bounded, a size cap; then
 * checks it with `schema`. Every problem names file, line, column and field, and says what was
 * expected. `raw` is the document as written (before defaults), for callers that pass it on.
 */
export function readYamlInput<S extends z.ZodType>(text: string, file: string, schema: S, options: YamlInputOptions): YamlInput<z.output<S>> {
  const whole = (message: string): YamlInput<never> => ({ ok: false, problems: [{ file, line: 1, column: 1, path: '', message }] });
  if (text.length > options.maxBytes) return whole(`is larger than ${options.maxBytes} bytes`);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, schema: 'core', uniqueKeys: true, prettyErrors: false, customTags: [] });
  const syntax = [...document.errors, ...document.warnings].map((problem): InputProblem => {
    const position = lineCounter.linePos(problem.pos[0]);
    return { file, line: position.line, column: position.col, path: '', message: problem.message.split('\n')[0] ?? problem.message };
  });
  if (syntax.length > 0) return { ok: false, problems: syntax };
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (cause) {
    return whole(`cannot be read: ${(cause as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data, raw };
  return { ok: false, problems: result.error.issues.map((issue) => locateIssue(issue, document, lineCounter, file, options)) };
}

/** `file:line:column: field: message`. */
export function formatInputProblem(problem: InputProblem): string {
  const field = problem.path ? `${problem.path}: ` : '';
  return `${problem.file}:${problem.line}:${problem.column}: ${field}${problem.message}`;
}

function locateIssue(issue: z.core.$ZodIssue, document: Document, lineCounter: LineCounter, file: string, options: YamlInputOptions): InputProblem {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const field = unknownKey === undefined ? path : [...path, unknownKey];
  // An unknown field is reported at its key; otherwise walk up the path until a node exists (a missing key is reported at its parent).
  let node: unknown;
  if (unknownKey !== undefined) {
    const parent = path.length === 0 ? document.contents : document.getIn(path, true);
    if (isMap(parent)) node = parent.items.find((pair) => isScalar(pair.key) && pair.key.value === unknownKey)?.key;
  }
  for (let depth = field.length; depth >= 0 && !isNode(node); depth--) {
    node = depth === 0 ? document.contents : document.getIn(field.slice(0, depth), true);
  }
  const offset = isNode(node) && node.range ? node.range[0] : 0;
  const position = lineCounter.linePos(offset);
  return { file, line: position.line, column: position.col, path: field.join('.'), message: describeIssue(issue, options) };
}

function describeIssue(issue: z.core.$ZodIssue, options: YamlInputOptions): string {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const fields = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
      return options.knownFieldsHint ? `${fields} (${options.knownFieldsHint})` : fields;
    }
    case 'invalid_type':
      return issue.message.includes('received undefined') ? `is required (expected ${issue.expected})` : `expected ${issue.expected}`;
    case 'invalid_union':
      return options.unionHint;
    case 'invalid_key':
      return `key: ${issue.issues[0]?.message ?? issue.message}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return issue.message;
  }
}
