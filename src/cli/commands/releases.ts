/** `gantry release create | list`. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { packReleaseDirectory } from '../../client/pack-directory.js';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatAge, formatBytes, NONE } from '../format.js';

export interface ReleaseCreateOptions {
  readonly path: string;
  readonly commit?: string | undefined;
  readonly notes?: string | undefined;
  readonly json?: boolean;
}

export async function createRelease(ctx: CommandContext, app: string, version: string, options: ReleaseCreateOptions): Promise<number> {
  const dir = resolve(ctx.cwd, options.path);
  const info = await stat(dir).catch((cause: unknown) => {
    throw new GantryError('REQUEST_INVALID', `--path ${options.path}: no such directory`, { where: '--path' }, { cause });
  });
  if (!info.isDirectory()) throw new GantryError('REQUEST_INVALID', `--path ${options.path} is not a directory`, { where: '--path' });

  const client = connect(ctx);
  // Fail before packing a large directory when the answer is already known.
  const existing = await client.listReleases(app);
  if (existing.some((release) => release.version === version)) {
    throw new GantryError('RELEASE_EXISTS', `release ${app} ${version} already exists; releases are immutable, so pick a new version`, { where: 'version' });
  }
  const archive = await packReleaseDirectory(dir);
  const release = await client.createRelease(app, version, archive, { commit: options.commit, notes: options.notes }).catch((error: unknown) => {
    archive.destroy();
    throw packingError(error, options.path);
  });
  if (options.json) {
    ctx.output.json(release);
    return EXIT_CODES.ok;
  }
  ctx.output.line(`created release ${release.app} ${release.version}`);
  ctx.output.fields([
    ['  digest', release.digest],
    ['  size', `${formatBytes(release.sizeBytes)} (${release.sizeBytes} bytes)`],
  ]);
  return EXIT_CODES.ok;
}

/** A file that cannot be read while packing is the user's error, not an internal one. */
function packingError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof Error && !(error instanceof GantryError) && typeof code === 'string' && /^E[A-Z]+$/.test(code) && 'path' in error) {
    return new GantryError('REQUEST_INVALID', `cannot pack ${path}: ${code} ${String((error as NodeJS.ErrnoException).path ?? '')}`.trim(), { where: '--path' }, { cause: error });
  }
  return error;
}

export async function listReleases(ctx: CommandContext, app: string, options: { json?: boolean }): Promise<number> {
  const releases = await connect(ctx).listReleases(app);
  if (options.json) {
    ctx.output.json({ releases });
    return EXIT_CODES.ok;
  }
  const now = ctx.now();
  ctx.output.table(
    ['VERSION', 'DIGEST', 'SIZE', 'COMMIT', 'AGE'],
    releases.map((release) => [
      release.version,
      release.digest.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, (_, prefix: string | undefined, short: string) => `${prefix ?? ''}${short}`),
      formatBytes(release.sizeBytes),
      release.commit ? release.commit.slice(0, 12) : NONE,
      formatAge(release.createdAt, now),
    ]),
  );
  return EXIT_CODES.ok;
}
