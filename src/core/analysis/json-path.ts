import { GantryError } from '../errors.js';

/**
 * The `jsonPath` of an http analysis metric: a small, safe subset of JSONPath that names one
 * value — `$`, then `.name`, `[0]` or `["odd key"]` steps (`$.errors.rate`, `$.data[0].value`).
 * No wildcards, filters or scripts: it is parsed when the manifest is read and walked over own
 * data properties only, so it can reach nothing but the response's JSON.
 */

export const MAX_JSON_PATH_LENGTH = 500;
export const MAX_JSON_PATH_STEPS = 32;

export type JsonPathStep = { readonly kind: 'property'; readonly name: string } | { readonly kind: 'index'; readonly index: number };

export interface JsonPath {
  /** The text as written, kept for messages. */
  readonly source: string;
  readonly steps: readonly JsonPathStep[];
}

/** Names that lead from JSON data to JavaScript internals; refused even when the data has them. */
const FORBIDDEN_PROPERTIES = new Set(['__proto__', 'constructor', 'prototype']);
const DOT_NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;
const INDEX = /^\[(\d{1,9})\]/;
const QUOTED = /^\[(?:"([^"\\]*)"|'([^'\\]*)')\]/;

/** Parses a jsonPath once, when the manifest is read; `field` names where it came from. */
export function parseJsonPath(source: string, field?: string): JsonPath {
  const invalid = (at: number, message: string) =>
    new GantryError('MANIFEST_INVALID', field === undefined ? message : `${field}: ${message}`, { where: field === undefined ? `character ${at}` : `${field}, character ${at}` });
  if (source.length > MAX_JSON_PATH_LENGTH) throw invalid(MAX_JSON_PATH_LENGTH + 1, `the jsonPath is ${source.length} characters long; at most ${MAX_JSON_PATH_LENGTH} are allowed`);
  if (!source.startsWith('$')) throw invalid(1, 'a jsonPath starts with "$", the whole response, as in $.errors.rate or $.data[0].value');

  const steps: JsonPathStep[] = [];
  let offset = 1;
  while (offset < source.length) {
    const at = offset + 1;
    const rest = source.slice(offset);
    if (steps.length === MAX_JSON_PATH_STEPS) throw invalid(at, `the jsonPath has more than ${MAX_JSON_PATH_STEPS} steps`);
    let step: JsonPathStep;
    let length: number;
    if (rest.startsWith('.')) {
      const name = DOT_NAME.exec(rest.slice(1))?.[0];
      if (name === undefined) {
        throw invalid(at + 1, `expected a property name after "." at character ${at}; write ["key"] for a key with other characters, [0] for an array item`);
      }
      step = { kind: 'property', name };
      length = 1 + name.length;
    } else if (rest.startsWith('[')) {
      const index = INDEX.exec(rest);
      const quoted = index === null ? QUOTED.exec(rest) : null;
      if (index !== null) {
        step = { kind: 'index', index: Number(index[1]) };
        length = index[0].length;
      } else if (quoted !== null) {
        step = { kind: 'property', name: quoted[1] ?? quoted[2] ?? '' };
        length = quoted[0].length;
      } else {
        throw invalid(at, `unexpected "${source.slice(offset, offset + 12)}" at character ${at}: brackets hold an array index such as [0] or a quoted key such as ["a.b"]; wildcards, slices and filters are not supported`);
      }
    } else {
      throw invalid(at, `unexpected "${rest.charAt(0)}" at character ${at}: expected ".name" or "[0]"`);
    }
    if (step.kind === 'property' && FORBIDDEN_PROPERTIES.has(step.name)) throw invalid(at, `property "${step.name}" at character ${at} is not allowed`);
    steps.push(step);
    offset += length;
  }
  return { source, steps };
}

function readError(path: JsonPath, message: string): GantryError {
  return new GantryError('REQUEST_INVALID', `jsonPath ${path.source}: ${message}`, { where: path.source });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The value at `path` in parsed JSON `data`. A step that does not fit the data — a missing
 * property, an index out of range, a property of a number — throws a GantryError naming the path
 * walked so far, which the analysis counts as an error measurement.
 */
export function readJsonPath(path: JsonPath, data: unknown): unknown {
  let value = data;
  let walked = '$';
  for (const step of path.steps) {
    const container = value;
    if (step.kind === 'index') {
      if (!Array.isArray(container)) throw readError(path, `${walked} is ${describe(container)}, not an array, so it has no item [${step.index}]`);
      if (step.index >= container.length) throw readError(path, `${walked} has ${container.length} item${container.length === 1 ? '' : 's'}, so there is no item [${step.index}]`);
      walked += `[${step.index}]`;
    } else {
      if (container === null || typeof container !== 'object' || Array.isArray(container) || !isPlainObject(container)) {
        throw readError(path, `${walked} is ${describe(container)}, not an object, so it has no property "${step.name}"`);
      }
      walked += DOT_NAME.exec(step.name)?.[0] === step.name ? `.${step.name}` : `[${JSON.stringify(step.name)}]`;
    }
    const key = step.kind === 'index' ? String(step.index) : step.name;
    const descriptor = Object.getOwnPropertyDescriptor(container, key);
    if (descriptor === undefined) throw readError(path, `${walked} does not exist`);
    if (!('value' in descriptor)) throw readError(path, `${walked} is not JSON data`);
    value = descriptor.value as unknown;
  }
  return value;
}
