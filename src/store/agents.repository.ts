import type { Kysely } from 'kysely';
import type { Labels } from '../core/names.js';
import { parseJsonColumn } from './row-parsing.js';
import type { Database } from './schema.js';

export async function insertEnrolmentToken(
  db: Kysely<Database>,
  token: { id: string; sha256: string; labels: Labels; expiresAt: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('agent_enrolment_tokens')
    .values({ id: token.id, token_sha256: token.sha256, labels_json: JSON.stringify(token.labels), expires_at: token.expiresAt, created_at: token.createdAt })
    .execute();
}

/**
 * Uses up an enrolment token: succeeds once, and only before it expires (compare-and-set on
 * `used_at`, so two agents racing with one token cannot both enrol). Returns its labels.
 */
export async function consumeEnrolmentToken(db: Kysely<Database>, sha256: string, agent: string, now: string): Promise<Labels | null> {
  const row = await db
    .updateTable('agent_enrolment_tokens')
    .set({ used_at: now, used_by: agent })
    .where('token_sha256', '=', sha256)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'labels_json'])
    .executeTakeFirst();
  return row ? parseJsonColumn<Labels>(row.labels_json, `enrolment token ${row.id}`, 'labels') : null;
}
