import type { Kysely, Selectable } from 'kysely';
import type { Access } from '../core/access/access.js';
import { parseAccessColumn, parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { ApiTokensTable, Database } from './schema.js';

export type TokenScope = 'api' | 'calendar-feed';
/** How a token came about: minted by someone with the `tokens` permission (or by Gantry), or handed out by a login. */
export type TokenOrigin = 'minted' | 'login';
const TOKEN_ORIGINS: readonly TokenOrigin[] = ['minted', 'login'];

/** A token as stored, without its hash: who it speaks for, what it may do, and its life. */
export interface StoredToken {
  readonly id: string;
  readonly label: string;
  readonly user: string;
  readonly groups: readonly string[];
  readonly scope: TokenScope;
  readonly origin: TokenOrigin;
  readonly access: Access;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

const TOKEN_SCOPES: readonly TokenScope[] = ['api', 'calendar-feed'];

function toToken(row: Omit<Selectable<ApiTokensTable>, 'token_sha256'>): StoredToken {
  const record = `api token ${row.id}`;
  return {
    id: row.id,
    label: row.label,
    user: row.user_name,
    groups: parseJsonColumn<string[]>(row.groups_json, record, 'groups'),
    scope: parseEnumColumn(row.scope, TOKEN_SCOPES, record, 'scope'),
    origin: parseEnumColumn(row.origin, TOKEN_ORIGINS, record, 'origin'),
    access: parseAccessColumn(row.bindings_json, record),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

const COLUMNS = ['id', 'label', 'user_name', 'groups_json', 'scope', 'origin', 'bindings_json', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'] as const;

/** A token to store: its record as it starts out, and the hash it is found by. */
export interface NewToken extends Omit<StoredToken, 'revokedAt' | 'lastUsedAt'> {
  readonly sha256: string;
}

export async function insertApiToken(db: Kysely<Database>, token: NewToken): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id: token.id,
      token_sha256: token.sha256,
      label: token.label,
      user_name: token.user,
      groups_json: JSON.stringify(token.groups),
      scope: token.scope,
      origin: token.origin,
      bindings_json: JSON.stringify(token.access),
      created_at: token.createdAt,
      expires_at: token.expiresAt,
    })
    .execute();
}

/** The token with this hash and scope: a feed token is never accepted as an API token, nor the reverse. */
export async function findApiTokenBySha256(db: Kysely<Database>, sha256: string, scope: TokenScope): Promise<StoredToken | null> {
  const row = await db.selectFrom('api_tokens').select(COLUMNS).where('token_sha256', '=', sha256).where('scope', '=', scope).executeTakeFirst();
  return row ? toToken(row) : null;
}

export async function listApiTokens(db: Kysely<Database>): Promise<StoredToken[]> {
  const rows = await db.selectFrom('api_tokens').select(COLUMNS).orderBy('created_at').orderBy('id').execute();
  return rows.map(toToken);
}

/** Revokes the token; false when there is no such token or it was revoked already. */
export async function revokeApiToken(db: Kysely<Database>, id: string, at: string): Promise<boolean> {
  const result = await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every login token of the user (but `exceptId`), as a password change does; returns how many. */
export async function revokeLoginTokensOf(db: Kysely<Database>, user: string, at: string, exceptId?: string): Promise<number> {
  let query = db.updateTable('api_tokens').set({ revoked_at: at }).where('user_name', '=', user).where('origin', '=', 'login').where('revoked_at', 'is', null);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return Number((await query.executeTakeFirst()).numUpdatedRows);
}

/** Records a use, at most once per `everyMs` per token, so that reads do not each cost a write. */
export async function recordTokenUse(db: Kysely<Database>, id: string, at: string, everyMs: number): Promise<void> {
  const before = new Date(Date.parse(at) - everyMs).toISOString();
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', before)]))
    .execute();
}

export async function countApiTokens(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
