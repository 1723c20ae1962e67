import type { Kysely, Selectable } from 'kysely';
import type { Access } from '../core/access/access.js';
import { GantryError } from '../core/errors.js';
import { isUniqueViolation } from './constraint-errors.js';
import { parseAccessColumn, parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { Database, UsersTable } from './schema.js';

/** A person, or a service account that CI systems act as (no password, no login, never an approver). */
export type UserKind = 'person' | 'service';
export const USER_KINDS: readonly UserKind[] = ['person', 'service'];

/** A user as the rest of Gantry sees them: never their password hash. */
export interface StoredUser {
  readonly name: string;
  readonly kind: UserKind;
  readonly displayName: string | null;
  /** Their teams, and other groups approval policies count. */
  readonly groups: readonly string[];
  /** Their own role bindings; their teams' come on top (app/users.ts accessOf). */
  readonly bindings: Access;
  /** Whether they can log in with a password at all. */
  readonly hasPassword: boolean;
  readonly disabledAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly passwordChangedAt: string | null;
}

/** A user to store, with the hash of their first password (or none). */
export interface NewUser extends Omit<StoredUser, 'hasPassword' | 'disabledAt' | 'passwordChangedAt'> {
  readonly passwordHash: string | null;
}

/** What an update may change: everything but the name, the kind, the hash and the creation time. */
export interface UserChanges {
  readonly displayName: string | null;
  readonly groups: readonly string[];
  readonly bindings: Access;
  readonly disabledAt: string | null;
  readonly updatedAt: string;
}

type UserRow = Omit<Selectable<UsersTable>, 'password_hash'> & { has_password: number | boolean | string };

function toUser(row: UserRow): StoredUser {
  const record = `user ${row.name}`;
  return {
    name: row.name,
    kind: parseEnumColumn(row.kind, USER_KINDS, record, 'kind'),
    displayName: row.display_name,
    groups: parseJsonColumn<string[]>(row.groups_json, record, 'groups'),
    bindings: parseAccessColumn(row.bindings_json, record),
    hasPassword: Number(row.has_password) === 1 || row.has_password === true,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    passwordChangedAt: row.password_changed_at,
  };
}

const COLUMNS = ['name', 'kind', 'display_name', 'groups_json', 'bindings_json', 'disabled_at', 'created_at', 'updated_at', 'password_changed_at'] as const;

function selectUsers(db: Kysely<Database>) {
  return db
    .selectFrom('users')
    .select(COLUMNS)
    .select((eb) => eb.case().when('password_hash', 'is not', null).then(1).else(0).end().as('has_password'));
}

export async function insertUser(db: Kysely<Database>, user: NewUser): Promise<void> {
  try {
    await db
      .insertInto('users')
      .values({
        name: user.name,
        kind: user.kind,
        display_name: user.displayName,
        password_hash: user.passwordHash,
        groups_json: JSON.stringify(user.groups),
        bindings_json: JSON.stringify(user.bindings),
        disabled_at: null,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
        password_changed_at: user.passwordHash === null ? null : user.createdAt,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new GantryError('USER_EXISTS', `user ${user.name} already exists`, { where: 'name' });
    throw error;
  }
}

export async function findUser(db: Kysely<Database>, name: string): Promise<StoredUser | null> {
  const row = await selectUsers(db).where('name', '=', name).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function listUsers(db: Kysely<Database>): Promise<StoredUser[]> {
  return (await selectUsers(db).orderBy('name').execute()).map(toUser);
}

/** The users in a group (a team's members); JSON arrays are matched exactly, not by substring. */
export async function listUsersInGroup(db: Kysely<Database>, group: string): Promise<StoredUser[]> {
  return (await listUsers(db)).filter((user) => user.groups.includes(group));
}

/** The user's password hash, for checking a password; null when there is no such user or no password. */
export async function findPasswordHash(db: Kysely<Database>, name: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('password_hash').where('name', '=', name).executeTakeFirst();
  return row?.password_hash ?? null;
}

/** False when there is no such user. */
export async function updateUser(db: Kysely<Database>, name: string, changes: UserChanges): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({
      display_name: changes.displayName,
      groups_json: JSON.stringify(changes.groups),
      bindings_json: JSON.stringify(changes.bindings),
      disabled_at: changes.disabledAt,
      updated_at: changes.updatedAt,
    })
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** False when there is no such user. */
export async function setPasswordHash(db: Kysely<Database>, name: string, passwordHash: string, at: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: at, updated_at: at }).where('name', '=', name).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
