import type { Kysely, Transaction } from 'kysely';
import { GantryError } from '../core/errors.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Size of one `artifact_chunks` row: what one query carries, and what a reader holds at once per chunk. */
export const ARTIFACT_CHUNK_BYTES = 1024 * 1024;

/** Chunks fetched per query when an archive is read back. */
const CHUNKS_PER_READ = 4;

export interface StoredArtifactRow {
  readonly digest: string;
  readonly sizeBytes: number;
  readonly chunkCount: number;
  readonly createdAt: string;
}

/**
 * Stores an archive's chunks (in order, each at most {@link ARTIFACT_CHUNK_BYTES}) in one
 * transaction. Idempotent: when the digest is stored already (or another node is storing it right
 * now and commits) nothing is written and `false` is returned; `chunks` is then not read at all.
 * The caller vouches that the chunks hash to `digest`; readers check it again.
 */
export async function storeArtifactChunks(
  db: Kysely<Database>,
  artifact: { readonly digest: string; readonly sizeBytes: number; readonly createdAt: string },
  chunks: () => AsyncIterable<Buffer>,
): Promise<boolean> {
  if (await hasArtifact(db, artifact.digest)) return false;
  return db.transaction().execute(async (trx) => {
    // A concurrent insert of the same digest waits here for the other transaction: when that one
    // commits, this one inserts nothing and stops; when it rolls back, this one goes on.
    const inserted = await trx
      .insertInto('artifacts')
      .values({ digest: artifact.digest, size_bytes: artifact.sizeBytes, chunk_count: 0, created_at: artifact.createdAt })
      .onConflict((conflict) => conflict.column('digest').doNothing())
      .returning('digest')
      .executeTakeFirst();
    if (inserted === undefined) return false;
    let seq = 0;
    let sizeBytes = 0;
    for await (const bytes of chunks()) {
      if (bytes.length === 0) continue;
      if (bytes.length > ARTIFACT_CHUNK_BYTES) throw new GantryError('DATA_CORRUPT', `artifact ${artifact.digest}: chunk ${seq} is ${bytes.length} bytes, more than ${ARTIFACT_CHUNK_BYTES}`);
      await trx.insertInto('artifact_chunks').values({ digest: artifact.digest, seq, bytes }).execute();
      seq += 1;
      sizeBytes += bytes.length;
    }
    if (sizeBytes !== artifact.sizeBytes) throw new GantryError('DATA_CORRUPT', `artifact ${artifact.digest}: ${sizeBytes} bytes were read, ${artifact.sizeBytes} expected`);
    await trx.updateTable('artifacts').set({ chunk_count: seq }).where('digest', '=', artifact.digest).execute();
    return true;
  });
}

export async function hasArtifact(db: Db, digest: string): Promise<boolean> {
  const row = await db.selectFrom('artifacts').select('digest').where('digest', '=', digest).executeTakeFirst();
  return row !== undefined;
}

export async function findArtifact(db: Db, digest: string): Promise<StoredArtifactRow | null> {
  const row = await db.selectFrom('artifacts').selectAll().where('digest', '=', digest).executeTakeFirst();
  return row === undefined ? null : { digest: row.digest, sizeBytes: Number(row.size_bytes), chunkCount: Number(row.chunk_count), createdAt: row.created_at };
}

/**
 * The archive's bytes, chunk by chunk in order, fetched a few chunks per query so that memory stays
 * bounded whatever the archive's size. A missing chunk (a gap in `seq`, or fewer than
 * `chunk_count`) fails the iteration; the content itself is not checked here.
 */
export async function* readArtifactChunks(db: Db, digest: string): AsyncGenerator<Buffer, void, undefined> {
  const artifact = await findArtifact(db, digest);
  if (artifact === null) throw new GantryError('DATA_CORRUPT', `artifact ${digest} is not stored`, { where: `artifacts.${digest}` });
  let next = 0;
  while (next < artifact.chunkCount) {
    const rows = await db
      .selectFrom('artifact_chunks')
      .select(['seq', 'bytes'])
      .where('digest', '=', digest)
      .where('seq', '>=', next)
      .orderBy('seq')
      .limit(CHUNKS_PER_READ)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      if (Number(row.seq) !== next) throw new GantryError('DATA_CORRUPT', `artifact ${digest} lacks chunk ${next}`, { where: `artifact_chunks.${digest}` });
      next += 1;
      yield Buffer.isBuffer(row.bytes) ? row.bytes : Buffer.from(row.bytes as Uint8Array);
    }
  }
  if (next !== artifact.chunkCount) throw new GantryError('DATA_CORRUPT', `artifact ${digest} has ${next} of its ${artifact.chunkCount} chunks`, { where: `artifact_chunks.${digest}` });
}

/** Deletes a stored archive and its chunks (retention); deleting one that is not there is a no-op. */
export async function deleteArtifact(db: Kysely<Database>, digest: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('artifact_chunks').where('digest', '=', digest).execute();
    await trx.deleteFrom('artifacts').where('digest', '=', digest).execute();
  });
}
