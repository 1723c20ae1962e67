import type { Kysely, Selectable } from 'kysely';
import type { Team } from '../core/access/teams.js';
import { GantryError } from '../core/errors.js';
import { isUniqueViolation } from './constraint-errors.js';
import { parseAccessColumn, parseJsonColumn } from './row-parsing.js';
import type { Database, TeamsTable } from './schema.js';

export interface StoredTeam extends Team {
  readonly createdAt: string;
  readonly updatedAt: string;
}

function toTeam(row: Selectable<TeamsTable>): StoredTeam {
  const record = `team ${row.name}`;
  return {
    name: row.name,
    displayName: row.display_name,
    ssoGroups: parseJsonColumn<string[]>(row.sso_groups_json, record, 'ssoGroups'),
    bindings: parseAccessColumn(row.bindings_json, record),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(team: StoredTeam): Selectable<TeamsTable> {
  return {
    name: team.name,
    display_name: team.displayName,
    sso_groups_json: JSON.stringify(team.ssoGroups),
    bindings_json: JSON.stringify(team.bindings),
    created_at: team.createdAt,
    updated_at: team.updatedAt,
  };
}

export async function insertTeam(db: Kysely<Database>, team: StoredTeam): Promise<void> {
  try {
    await db.insertInto('teams').values(toRow(team)).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new GantryError('TEAM_EXISTS', `team ${team.name} already exists`, { where: 'name' });
    throw error;
  }
}

/** False when there is no such team. */
export async function updateTeam(db: Kysely<Database>, team: StoredTeam): Promise<boolean> {
  const { name, created_at: _created, ...changes } = toRow(team);
  const result = await db.updateTable('teams').set(changes).where('name', '=', name).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** False when there is no such team. */
export async function deleteTeam(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('teams').where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function findTeam(db: Kysely<Database>, name: string): Promise<StoredTeam | null> {
  const row = await db.selectFrom('teams').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toTeam(row) : null;
}

export async function listTeams(db: Kysely<Database>): Promise<StoredTeam[]> {
  return (await db.selectFrom('teams').selectAll().orderBy('name').execute()).map(toTeam);
}

/** The teams among these group names (a user's teams). */
export async function listTeamsNamed(db: Kysely<Database>, names: readonly string[]): Promise<StoredTeam[]> {
  if (names.length === 0) return [];
  return (await db.selectFrom('teams').selectAll().where('name', 'in', [...names]).orderBy('name').execute()).map(toTeam);
}
