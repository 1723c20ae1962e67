import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export async function insertApiToken(db: Kysely<Database>, token: { id: string; sha256: string; label: string; createdAt: string }): Promise<void> {
  await db.insertInto('api_tokens').values({ id: token.id, token_sha256: token.sha256, label: token.label, created_at: token.createdAt }).execute();
}

export async function findApiTokenBySha256(db: Kysely<Database>, sha256: string): Promise<{ id: string; label: string } | null> {
  const row = await db.selectFrom('api_tokens').select(['id', 'label']).where('token_sha256', '=', sha256).executeTakeFirst();
  return row ?? null;
}

export async function countApiTokens(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
