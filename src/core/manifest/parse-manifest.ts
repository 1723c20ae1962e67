import { GantryError } from '../errors.js';
import { formatInputProblem, readYamlInput, type InputProblem } from '../yaml-input.js';
import { manifestSchema, type Manifest } from './schema.js';

export type ManifestProblem = InputProblem;

/** A manifest larger than this is refused before parsing (1 MiB is far above any real one). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Parses gantry.yaml text into a validated manifest. YAML is read with the core schema (no
 * custom tags, no code), duplicate keys are refused, and every problem names file, line and
 * column and what was expected.
 */
export function parseManifest(text: string, file = 'gantry.yaml'): Manifest {
  const input = readYamlInput(text, file, manifestSchema, { maxBytes: MAX_MANIFEST_BYTES, unionHint: 'does not match any allowed form; see docs/manifest.md' });
  if (input.ok) return input.data;
  throw manifestError(input.problems);
}

function manifestError(problems: ManifestProblem[]): GantryError {
  const lines = problems.map(formatInputProblem);
  return new GantryError('MANIFEST_INVALID', lines.join('\n'), { where: lines[0]?.split(': ')[0], problems });
}
