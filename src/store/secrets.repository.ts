import type { Kysely, Selectable, Transaction } from 'kysely';
import type { KeyCheck, SealedSecret } from '../secrets/envelope.js';
import type { Database, SecretKeysTable, SecretsTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A secret's identity and history, without its sealed value. */
export interface SecretEntry {
  readonly app: string;
  readonly environment: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** A secret as stored: its entry and its sealed value. */
export interface StoredSecret extends SecretEntry {
  readonly sealed: SealedSecret;
}

function toEntry(row: Pick<Selectable<SecretsTable>, 'app' | 'environment' | 'name' | 'created_at' | 'updated_at' | 'updated_by'>): SecretEntry {
  return { app: row.app, environment: row.environment, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

function toStored(row: Selectable<SecretsTable>): StoredSecret {
  return {
    ...toEntry(row),
    sealed: { ciphertext: row.ciphertext, iv: row.iv, tag: row.tag, wrappedKey: row.wrapped_key, keyIv: row.key_iv, keyTag: row.key_tag, keyId: row.key_id },
  };
}

function sealedColumns(sealed: SealedSecret) {
  return { ciphertext: sealed.ciphertext, iv: sealed.iv, tag: sealed.tag, wrapped_key: sealed.wrappedKey, key_iv: sealed.keyIv, key_tag: sealed.keyTag, key_id: sealed.keyId };
}

/** Inserts or replaces the secret (app, environment, name); `created_at` stays that of the first write. */
export async function upsertSecret(db: Db, secret: { app: string; environment: string; name: string; sealed: SealedSecret; at: string; by: string }): Promise<void> {
  const columns = sealedColumns(secret.sealed);
  await db
    .insertInto('secrets')
    .values({ app: secret.app, environment: secret.environment, name: secret.name, ...columns, created_at: secret.at, updated_at: secret.at, updated_by: secret.by })
    .onConflict((conflict) => conflict.columns(['app', 'environment', 'name']).doUpdateSet({ ...columns, updated_at: secret.at, updated_by: secret.by }))
    .execute();
}

/** The application's secrets (every environment), without their values, by name then environment. */
export async function listSecretEntries(db: Db, app: string): Promise<SecretEntry[]> {
  const rows = await db
    .selectFrom('secrets')
    .select(['app', 'environment', 'name', 'created_at', 'updated_at', 'updated_by'])
    .where('app', '=', app)
    .orderBy('name')
    .orderBy('environment')
    .execute();
  return rows.map(toEntry);
}

/** The sealed secrets that apply to the application in these environments (a name and/or `*`). */
export async function findSealedSecrets(db: Db, app: string, environments: readonly string[]): Promise<StoredSecret[]> {
  if (environments.length === 0) return [];
  const rows = await db.selectFrom('secrets').selectAll().where('app', '=', app).where('environment', 'in', [...environments]).orderBy('name').orderBy('environment').execute();
  return rows.map(toStored);
}

/** Every sealed secret, for re-wrapping under a new master key. */
export async function listAllSealedSecrets(db: Db): Promise<StoredSecret[]> {
  const rows = await db.selectFrom('secrets').selectAll().orderBy('app').orderBy('environment').orderBy('name').execute();
  return rows.map(toStored);
}

/** Replaces the data key wrapping of one secret (the value's ciphertext is unchanged). */
export async function updateSecretWrapping(db: Db, secret: { app: string; environment: string; name: string }, sealed: SealedSecret): Promise<void> {
  await db
    .updateTable('secrets')
    .set({ wrapped_key: sealed.wrappedKey, key_iv: sealed.keyIv, key_tag: sealed.keyTag, key_id: sealed.keyId })
    .where('app', '=', secret.app)
    .where('environment', '=', secret.environment)
    .where('name', '=', secret.name)
    .execute();
}

/** Deletes the secret; false when there was none. */
export async function deleteSecret(db: Db, secret: { app: string; environment: string; name: string }): Promise<boolean> {
  const result = await db.deleteFrom('secrets').where('app', '=', secret.app).where('environment', '=', secret.environment).where('name', '=', secret.name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

function toKeyCheck(row: Selectable<SecretKeysTable>): KeyCheck {
  return { keyId: row.id, ciphertext: row.check_ciphertext, iv: row.check_iv, tag: row.check_tag };
}

/** The key checks stored (normally one: the master key in use). */
export async function listKeyChecks(db: Db): Promise<KeyCheck[]> {
  return (await db.selectFrom('secret_keys').selectAll().orderBy('created_at').execute()).map(toKeyCheck);
}

/** Stores the check of a master key; false when a check is already stored (another node got there first). */
export async function insertKeyCheckIfNone(db: Db, check: KeyCheck, at: string): Promise<boolean> {
  const result = await db
    .insertInto('secret_keys')
    .values({ id: check.keyId, check_ciphertext: check.ciphertext, check_iv: check.iv, check_tag: check.tag, created_at: at })
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Makes `check` the only stored key check (master key rotation). */
export async function replaceKeyChecks(db: Db, check: KeyCheck, at: string): Promise<void> {
  await db.deleteFrom('secret_keys').execute();
  await db.insertInto('secret_keys').values({ id: check.keyId, check_ciphertext: check.ciphertext, check_iv: check.iv, check_tag: check.tag, created_at: at }).execute();
}

/** The master keys that sealed the stored secrets. */
export async function listKeyIdsInUse(db: Db): Promise<string[]> {
  return (await db.selectFrom('secrets').select('key_id').distinct().execute()).map((row) => row.key_id);
}
