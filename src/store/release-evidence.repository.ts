import type { Kysely } from 'kysely';
import { EVIDENCE_TYPES, type EvidenceSummary, type EvidenceType } from '../core/evidence/model.js';
import { parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { Database, ReleaseEvidenceTable } from './schema.js';

/** A piece of evidence as listed: everything but the file itself. */
export interface StoredEvidence {
  readonly id: string;
  readonly app: string;
  readonly version: string;
  readonly type: EvidenceType;
  readonly name: string;
  readonly summary: EvidenceSummary;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly attachedBy: string;
  readonly attachedAt: string;
}

export interface NewEvidence extends StoredEvidence {
  readonly content: Uint8Array;
}

const LISTED = ['id', 'app', 'version', 'type', 'name', 'summary_json', 'sha256', 'size_bytes', 'attached_by', 'attached_at'] as const;

function evidenceOf(row: Omit<ReleaseEvidenceTable, 'content_base64'>): StoredEvidence {
  const record = `release evidence ${row.id}`;
  return {
    id: row.id,
    app: row.app,
    version: row.version,
    type: parseEnumColumn(row.type, EVIDENCE_TYPES, record, 'type'),
    name: row.name,
    summary: parseJsonColumn<EvidenceSummary>(row.summary_json, record, 'summary_json'),
    sha256: row.sha256,
    sizeBytes: Number(row.size_bytes),
    attachedBy: row.attached_by,
    attachedAt: row.attached_at,
  };
}

/**
 * Stores the evidence; one of the same type and name on the release is replaced (a CI job that
 * runs again attaches its report again). Returns the id it replaced, if any.
 */
export async function attachEvidence(db: Kysely<Database>, evidence: NewEvidence): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const previous = await trx
      .selectFrom('release_evidence')
      .select('id')
      .where('app', '=', evidence.app)
      .where('version', '=', evidence.version)
      .where('type', '=', evidence.type)
      .where('name', '=', evidence.name)
      .executeTakeFirst();
    if (previous) await trx.deleteFrom('release_evidence').where('id', '=', previous.id).execute();
    await trx
      .insertInto('release_evidence')
      .values({
        id: evidence.id,
        app: evidence.app,
        version: evidence.version,
        type: evidence.type,
        name: evidence.name,
        summary_json: JSON.stringify(evidence.summary),
        content_base64: Buffer.from(evidence.content).toString('base64'),
        sha256: evidence.sha256,
        size_bytes: evidence.sizeBytes,
        attached_by: evidence.attachedBy,
        attached_at: evidence.attachedAt,
      })
      .execute();
    return previous?.id ?? null;
  });
}

/** The release's evidence, oldest first. */
export async function listEvidence(db: Kysely<Database>, app: string, version: string): Promise<StoredEvidence[]> {
  const rows = await db.selectFrom('release_evidence').select(LISTED).where('app', '=', app).where('version', '=', version).orderBy('attached_at').orderBy('id').execute();
  return rows.map(evidenceOf);
}

export async function getEvidence(db: Kysely<Database>, app: string, version: string, id: string): Promise<(StoredEvidence & { readonly content: Buffer }) | undefined> {
  const row = await db.selectFrom('release_evidence').selectAll().where('app', '=', app).where('version', '=', version).where('id', '=', id).executeTakeFirst();
  return row ? { ...evidenceOf(row), content: Buffer.from(row.content_base64, 'base64') } : undefined;
}
