import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Several `gantry serve` nodes on one PostgreSQL (issue 7).
 * - `nodes`: each node's row, its current boot, where it serves, and its last heartbeat; nodes
 *   find each other only through this table.
 * - `agent_presence`: which node (`<id>/<boot>`) each agent's live session is on, so that a node
 *   running a step on an agent connected elsewhere can reach it through that node.
 * - `artifacts` and `artifact_chunks`: release archives kept in the database, chunked, so that
 *   every node can send any release (each node keeps a local cache). Used when the store is
 *   PostgreSQL; an embedded SQLite installation keeps archives as files.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> {
  await db.schema
    .createTable('nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('boot_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addColumn('stopped_at', 'text')
    .execute();
  await db.schema
    .createTable('agent_presence')
    .addColumn('agent', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('since', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('artifacts')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('artifact_chunks')
    .addColumn('digest', 'text', (c) => c.notNull().references('artifacts.digest').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('bytes', capabilities.binaryColumnType, (c) => c.notNull())
    .addPrimaryKeyConstraint('artifact_chunks_pk', ['digest', 'seq'])
    .execute();
}
