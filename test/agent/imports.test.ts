/**
 * `gantry agent` runs on targets: everything src/agent loads, followed through relative
 * imports, stays within src/agent, src/protocol and src/core plus the local transport it runs
 * commands with (src/executors/local.ts and the three files it is made of), and the only
 * packages it loads are node builtins, ws and zod (no Fastify, Kysely, SQLite, pg, ssh2, pino).
 *
 * `import type` / `export type` lines are not followed: TypeScript erases them, so they load
 * nothing at run time (target-shell.ts and output-capture.ts take types from src/engine/ports.ts).
 * A mixed `import { value, type T }` is followed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED_FOLDERS = ['src/agent/', 'src/protocol/', 'src/core/'];
const ALLOWED_FILES = ['src/executors/local.ts', 'src/executors/target-shell.ts', 'src/executors/output-capture.ts', 'src/executors/script-input.ts'];
const ALLOWED_PACKAGES = new Set(['ws', 'zod']);
const IMPORT_PATTERN = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
const TYPE_ONLY = /^\s*(?:import|export)\s+type\s/;

/** What `file` loads at run time. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT_PATTERN)].filter((match) => !TYPE_ONLY.test(match[0])).map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

describe('what the agent loads', () => {
  it('stays within agent, protocol, core and the local transport, and loads only builtins, ws and zod', () => {
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
    const loaded = [...seen].map((file) => relative(repo, file));
    const outside = loaded.filter((file) => !ALLOWED_FOLDERS.some((folder) => file.startsWith(folder)) && !ALLOWED_FILES.includes(file));
    expect(outside).toEqual([]);
    expect(loaded).toContain('src/executors/local.ts');
    expect([...packages].filter((name) => !ALLOWED_PACKAGES.has(name))).toEqual([]);
    expect(seen.size).toBeGreaterThan(entries.length); // it did follow imports into protocol and core
  });
});
