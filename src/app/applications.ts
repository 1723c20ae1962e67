import { GantryError } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse-manifest.js';
import type { Application } from '../core/model.js';
import { getApplication, listApplications, saveApplication } from '../store/applications.repository.js';
import type { AppDeps } from './app-deps.js';

/** Creates or updates an application from its manifest; returns it and whether it is new. */
export async function applyManifest(deps: AppDeps, source: string, file: string): Promise<{ application: Application; created: boolean }> {
  const manifest = parseManifest(source, file);
  const created = await saveApplication(deps.db, manifest.app, source, deps.clock.now().toISOString());
  return { application: await requireApplication(deps, manifest.app), created };
}

export async function requireApplication(deps: AppDeps, name: string): Promise<Application> {
  const application = await getApplication(deps.db, name);
  if (!application) throw new GantryError('APP_NOT_FOUND', `application ${name} does not exist; create it with gantry apply -f gantry.yaml`, { where: 'app' });
  return application;
}

export function listAllApplications(deps: AppDeps): Promise<Application[]> {
  return listApplications(deps.db);
}
