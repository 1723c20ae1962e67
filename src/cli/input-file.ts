/**
 * Reads a YAML or JSON file people write (a change plan, a policy; the core schema, so no custom
 * tags) and checks it with the schema the server uses, so that a mistake is reported as
 * `file:line:column: field: message` before anything is sent. A missing or unreadable file is the
 * user's error too. Returns the file as written (the server fills in the defaults itself) and as
 * parsed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { GantryError } from '../core/errors.js';
import { formatInputProblem, readYamlInput } from '../core/yaml-input.js';

export interface InputFileKind<S extends z.ZodObject> {
  /** What the file holds, in words: `plan`, `policy`. */
  readonly what: string;
  /** The flag that named the file, for `where`. */
  readonly flag: string;
  readonly schema: S;
  readonly maxBytes: number;
}

export async function readInputFile<S extends z.ZodObject>(cwd: string, file: string, kind: InputFileKind<S>): Promise<{ readonly raw: unknown; readonly data: z.output<S> }> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new GantryError('REQUEST_INVALID', `cannot read ${kind.what} file ${file}: ${why}`, { where: kind.flag }, { cause });
  }
  const fields = Object.keys(kind.schema.shape).join(', ');
  const input = readYamlInput(text, file, kind.schema, { maxBytes: kind.maxBytes, unionHint: 'does not match any allowed form', knownFieldsHint: `a ${kind.what} has ${fields}` });
  if (!input.ok) {
    const [first, ...rest] = input.problems.map((problem) => ({ problem, text: formatInputProblem(problem) }));
    const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.map((problem) => problem.text).join('; ')})` : '';
    throw new GantryError('REQUEST_INVALID', `${first!.text}${more}`, { where: `${file}:${first!.problem.line}:${first!.problem.column}`, problems: input.problems });
  }
  return { raw: input.raw, data: input.data };
}
