import type { Readable } from 'node:stream';
import { GantryError } from '../core/errors.js';
import type { Release } from '../core/model.js';
import { isSafeName } from '../core/names.js';
import { getRelease, insertRelease, listReleases } from '../store/releases.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireApplication } from './applications.js';

export interface ReleaseRequest {
  readonly app: string;
  readonly version: string;
  readonly commit: string | null;
  readonly notes: string | null;
}

/**
 * Stores a release: the archive goes into the content-addressed store (refused if any entry is
 * unsafe), then the release row is written with a snapshot of the application's manifest.
 * Releases are immutable; an existing version is refused before the archive is read.
 */
export async function createRelease(deps: AppDeps, request: ReleaseRequest, archive: Readable): Promise<Release> {
  const application = await requireApplication(deps, request.app);
  if (!isSafeName(request.version)) {
    throw new GantryError('NAME_INVALID', `version "${request.version.slice(0, 100)}" is not allowed: use letters, digits, ".", "_", "+" or "-", starting with a letter or digit`, { where: 'version' });
  }
  if (await getRelease(deps.db, request.app, request.version)) {
    throw new GantryError('RELEASE_EXISTS', `release ${request.app} ${request.version} already exists; releases are immutable, so pick a new version`, { where: 'version' });
  }
  const { digest, sizeBytes } = await deps.archives.put(archive, { maxBytes: deps.limits.maxArchiveBytes });
  const release: Release = {
    app: request.app,
    version: request.version,
    digest,
    sizeBytes,
    manifestSource: application.manifestSource,
    commit: request.commit,
    notes: request.notes,
    createdAt: deps.clock.now().toISOString(),
  };
  await insertRelease(deps.db, release);
  return release;
}

export async function requireRelease(deps: AppDeps, app: string, version: string): Promise<Release> {
  const release = await getRelease(deps.db, app, version);
  if (!release) throw new GantryError('RELEASE_NOT_FOUND', `application ${app} has no release ${version}`, { where: 'version' });
  return release;
}

export async function listAppReleases(deps: AppDeps, app: string): Promise<Release[]> {
  await requireApplication(deps, app);
  return listReleases(deps.db, app);
}
