import type { Kysely, Selectable } from 'kysely';
import { GantryError } from '../core/errors.js';
import type { PackageCommands, Target, Transport } from '../core/model.js';
import type { Labels } from '../core/names.js';
import { isUniqueViolation } from './constraint-errors.js';
import { parseJsonColumn } from './row-parsing.js';
import type { Database, TargetsTable } from './schema.js';

function toTarget(row: Selectable<TargetsTable>): Target {
  const record = `target ${row.name}`;
  return {
    name: row.name,
    transport: parseJsonColumn<Transport>(row.transport_json, record, 'transport'),
    labels: parseJsonColumn<Labels>(row.labels_json, record, 'labels'),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    ...(row.package_commands_json === null ? {} : { packageCommands: parseJsonColumn<PackageCommands>(row.package_commands_json, record, 'package_commands') }),
  };
}

export async function insertTarget(db: Kysely<Database>, target: Target): Promise<void> {
  try {
    await db
      .insertInto('targets')
      .values({
        name: target.name,
        transport_json: JSON.stringify(target.transport),
        labels_json: JSON.stringify(target.labels),
        created_at: target.createdAt,
        package_commands_json: target.packageCommands ? JSON.stringify(target.packageCommands) : null,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new GantryError('TARGET_EXISTS', `target ${target.name} already exists; remove it first to change it`, { where: 'name' });
    throw error;
  }
}

export async function getTarget(db: Kysely<Database>, name: string): Promise<Target | null> {
  const row = await db.selectFrom('targets').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toTarget(row) : null;
}

export async function listTargets(db: Kysely<Database>): Promise<Target[]> {
  const rows = await db.selectFrom('targets').selectAll().orderBy('name').execute();
  return rows.map(toTarget);
}

export async function updateTargetTransport(db: Kysely<Database>, name: string, transport: Transport): Promise<void> {
  await db.updateTable('targets').set({ transport_json: JSON.stringify(transport) }).where('name', '=', name).execute();
}

/** Sets (or, with null, clears) the target's own package commands. */
export async function setTargetPackageCommands(db: Kysely<Database>, name: string, commands: PackageCommands | null): Promise<void> {
  await db.updateTable('targets').set({ package_commands_json: commands ? JSON.stringify(commands) : null }).where('name', '=', name).execute();
}

export async function setTargetLastSeen(db: Kysely<Database>, name: string, at: string): Promise<void> {
  await db.updateTable('targets').set({ last_seen_at: at }).where('name', '=', name).execute();
}

export async function deleteTarget(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('targets').where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
