import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { GantryError } from '../errors.js';
import { manifestSchema, type Manifest } from './schema.js';

export interface ManifestProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

/** A manifest larger than this is refused before parsing (1 MiB is far above any real one). */
const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Bounds alias expansion so a "billion laughs" document cannot exhaust memory. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses gantry.yaml text into a validated manifest. YAML is read with the core schema (no
 * custom tags, no code), duplicate keys are refused, and every problem names file, line and
 * column and what was expected.
 */
export function parseManifest(text: string, file = 'gantry.yaml'): Manifest {
  if (text.length > MAX_MANIFEST_BYTES) {
    throw manifestError([{ file, line: 1, column: 1, path: '', message: `is larger than ${MAX_MANIFEST_BYTES} bytes` }]);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, schema: 'core', uniqueKeys: true, prettyErrors: false, customTags: [] });
  const yamlProblems = [...document.errors, ...document.warnings].map((problem) => {
    const position = lineCounter.linePos(problem.pos[0]);
    return { file, line: position.line, column: position.col, path: '', message: problem.message.split('\n')[0] ?? problem.message };
  });
  if (yamlProblems.length > 0) throw manifestError(yamlProblems);

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    throw manifestError([{ file, line: 1, column: 1, path: '', message: `cannot be read: ${(cause as Error).message}` }]);
  }
  const result = manifestSchema.safeParse(data ?? {});
  if (result.success) return result.data;
  throw manifestError(result.error.issues.map((issue) => locateIssue(issue, document, lineCounter, file)));
}

function locateIssue(issue: z.core.$ZodIssue, document: Document, lineCounter: LineCounter, file: string): ManifestProblem {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  // Walk up the path until a node exists: a missing key is reported at its parent.
  let node: unknown;
  for (let depth = path.length; depth >= 0 && !isNode(node); depth--) {
    node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
  }
  const offset = isNode(node) && node.range ? node.range[0] : 0;
  const position = lineCounter.linePos(offset);
  return { file, line: position.line, column: position.col, path: path.join('.'), message: describeIssue(issue) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    case 'invalid_type':
      return issue.message.includes('received undefined') ? `is required (expected ${issue.expected})` : `expected ${issue.expected}`;
    case 'invalid_union':
      return 'does not match any allowed form; see docs/manifest.md';
    case 'invalid_key':
      return `key: ${issue.issues[0]?.message ?? issue.message}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return issue.message;
  }
}

function manifestError(problems: ManifestProblem[]): GantryError {
  const lines = problems.map(formatManifestProblem);
  return new GantryError('MANIFEST_INVALID', lines.join('\n'), { where: lines[0]?.split(': ')[0], problems });
}

export function formatManifestProblem(problem: ManifestProblem): string {
  const field = problem.path ? `${problem.path}: ` : '';
  return `${problem.file}:${problem.line}:${problem.column}: ${field}${problem.message}`;
}
