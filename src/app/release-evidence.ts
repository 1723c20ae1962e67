/**
 * Release evidence (issue 11): the CI system attaches test reports, scan results, a review record,
 * a coverage figure and attestations to a release; Gantry parses the standard formats and keeps
 * the summary with the file. A file that cannot be read as its type stores nothing.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import type { EvidenceType } from '../core/evidence/model.js';
import { summariseEvidence } from '../core/evidence/parse-evidence.js';
import * as store from '../store/release-evidence.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireRelease } from './releases.js';

export type { StoredEvidence } from '../store/release-evidence.repository.js';

export interface EvidenceUpload {
  readonly app: string;
  readonly version: string;
  readonly type: EvidenceType;
  /** Tells several of one type apart (unit, integration); defaults to the type. */
  readonly name?: string | undefined;
  readonly content: Uint8Array;
  /** The file's name as the sender knows it: error messages name it. */
  readonly fileName?: string | undefined;
}

export async function attachEvidence(deps: AppDeps, actor: Actor, upload: EvidenceUpload): Promise<store.StoredEvidence & { readonly replaced: string | null }> {
  await requireRelease(deps, upload.app, upload.version);
  const name = upload.name ?? upload.type;
  const summary = summariseEvidence(upload.type, upload.content, upload.fileName ?? `${upload.type} evidence ${JSON.stringify(name)}`);
  const evidence: store.NewEvidence = {
    id: deps.ids.next('evd'),
    app: upload.app,
    version: upload.version,
    type: upload.type,
    name,
    summary,
    sha256: createHash('sha256').update(upload.content).digest('hex'),
    sizeBytes: upload.content.byteLength,
    attachedBy: actor.user,
    attachedAt: deps.clock.now().toISOString(),
    content: upload.content,
  };
  const replaced = await store.attachEvidence(deps.db, evidence);
  const { content: _content, ...stored } = evidence;
  return { ...stored, replaced };
}

export async function listReleaseEvidence(deps: AppDeps, app: string, version: string): Promise<store.StoredEvidence[]> {
  await requireRelease(deps, app, version);
  return store.listEvidence(deps.db, app, version);
}

export async function showReleaseEvidence(deps: AppDeps, app: string, version: string, id: string): Promise<store.StoredEvidence & { readonly content: Buffer }> {
  await requireRelease(deps, app, version);
  const evidence = await store.getEvidence(deps.db, app, version, id);
  if (!evidence) throw new GantryError('EVIDENCE_NOT_FOUND', `release ${app} ${version} has no evidence ${id}`, { where: 'id' });
  return evidence;
}
