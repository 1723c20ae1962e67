import type { Kysely } from 'kysely';
import { parseJsonColumn } from './row-parsing.js';
import type { Database } from './schema.js';

export type TokenScope = 'api' | 'calendar-feed';

/** Who a token speaks for: until users and teams exist, a token names its person and their groups. */
export interface TokenPrincipal {
  readonly id: string;
  readonly label: string;
  readonly user: string;
  readonly groups: readonly string[];
}

export async function insertApiToken(
  db: Kysely<Database>,
  token: { id: string; sha256: string; label: string; user: string; groups: readonly string[]; scope: TokenScope; createdAt: string },
): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({ id: token.id, token_sha256: token.sha256, label: token.label, user_name: token.user, groups_json: JSON.stringify(token.groups), scope: token.scope, created_at: token.createdAt })
    .execute();
}

/** The token with this hash and scope: a feed token is never accepted as an API token, nor the reverse. */
export async function findApiTokenBySha256(db: Kysely<Database>, sha256: string, scope: TokenScope): Promise<TokenPrincipal | null> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'label', 'user_name', 'groups_json'])
    .where('token_sha256', '=', sha256)
    .where('scope', '=', scope)
    .executeTakeFirst();
  if (!row) return null;
  return { id: row.id, label: row.label, user: row.user_name, groups: parseJsonColumn<string[]>(row.groups_json, `api token ${row.id}`, 'groups') };
}

export async function countApiTokens(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
