import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes a build folder with the given files (path → content) and returns its path. */
export function makeBuildDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-build-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content, { mode: path.startsWith('bin/') ? 0o755 : 0o644 });
  }
  return dir;
}
