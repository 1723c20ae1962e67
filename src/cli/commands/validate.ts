/** `gantry validate`: checks a manifest locally, without a server (loads no HTTP client). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GantryError, isGantryError } from '../../core/errors.js';
import { parseManifest } from '../../core/manifest/parse-manifest.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { plural } from '../format.js';

export interface ValidateOptions {
  readonly file: string;
  readonly json?: boolean;
}

export async function validateManifest(ctx: CommandContext, options: ValidateOptions): Promise<number> {
  const text = await readManifestFile(ctx.cwd, options.file);
  try {
    const manifest = parseManifest(text, options.file);
    const environments = manifest.environments.map((environment) => environment.name);
    if (options.json) ctx.output.json({ ok: true, file: options.file, app: manifest.app, environments });
    else ctx.output.line(`ok: ${options.file} (app ${manifest.app}, ${plural(environments.length, 'environment')})`);
    return EXIT_CODES.ok;
  } catch (error) {
    if (options.json && isGantryError(error) && error.code === 'MANIFEST_INVALID') {
      ctx.output.json({ ok: false, file: options.file, problems: error.details.problems ?? [] });
      return EXIT_CODES.invalid;
    }
    throw error;
  }
}

/** Reads a manifest named on the command line; a missing or unreadable file is the user's error. */
export async function readManifestFile(cwd: string, file: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new GantryError('REQUEST_INVALID', `cannot read ${file}: ${why}`, { where: '-f' }, { cause });
  }
}
