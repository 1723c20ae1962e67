import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from './errors.js';

describe('error catalogue', () => {
  const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
  const documented = [...docs.matchAll(/^\| `([A-Z_]+)` \| ([a-z ]+) \|/gm)].map((match) => [match[1], match[2]?.trim().replace(' ', '_')]);

  it('documents every code in docs/errors.md with its kind, and nothing else', () => {
    const catalogue = Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.kind]);
    expect(documented.sort()).toEqual(catalogue.sort());
  });
});
