/**
 * `gantry agent` runs on targets: everything src/agent loads, followed through relative
 * imports, stays within src/agent, src/protocol and src/core, and the only packages it loads
 * are node builtins, ws and zod (no Fastify, Kysely, SQLite, pg, ssh2, pino).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED_FOLDERS = ['src/agent/', 'src/protocol/', 'src/core/'];
const ALLOWED_PACKAGES = new Set(['ws', 'zod']);
const IMPORT_PATTERN = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT_PATTERN)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

describe('what the agent loads', () => {
  it('stays within agent, protocol and core, and loads only builtins, ws and zod', () => {
    const entries = readdirSync(join(repo, 'src/agent'))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => join(repo, 'src/agent', name));
    expect(entries.map((file) => relative(repo, file))).toContain('src/agent/run-agent.ts');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [...entries];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of specifiers(file)) {
        if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else if (!isBuiltin(specifier)) packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
    const outside = [...seen].map((file) => relative(repo, file)).filter((file) => !ALLOWED_FOLDERS.some((folder) => file.startsWith(folder)));
    expect(outside).toEqual([]);
    expect([...packages].filter((name) => !ALLOWED_PACKAGES.has(name))).toEqual([]);
    expect(seen.size).toBeGreaterThan(entries.length); // it did follow imports into protocol and core
  });
});
