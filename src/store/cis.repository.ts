import type { Kysely, Selectable } from 'kysely';
import { CI_CLASSES, recordManualCi, type ManualCi, type ManualCiInput } from '../core/inventory/configuration-item.js';
import { GantryError } from '../core/errors.js';
import { CI_LIFECYCLES, type CiLifecycle } from '../core/inventory/lifecycle.js';
import { RELATIONSHIP_TYPES, type Relationship } from '../core/inventory/relationship.js';
import { parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { CisTable, Database } from './schema.js';

/** The inventory (issue 9): manual configuration items and the relationships people recorded. */

function ciOf(row: Selectable<CisTable>): ManualCi {
  const record = `configuration item ${row.name}`;
  return {
    name: row.name,
    class: parseEnumColumn(row.class, CI_CLASSES, record, 'class'),
    owner: row.owner,
    lifecycle: parseEnumColumn(row.lifecycle, CI_LIFECYCLES, record, 'lifecycle'),
    lifecycleDates: parseJsonColumn<Partial<Record<CiLifecycle, string>>>(row.lifecycle_dates_json, record, 'lifecycle_dates'),
    serial: row.serial,
    model: row.model,
    location: row.location,
    purchaseDate: row.purchase_date,
    warrantyUntil: row.warranty_until,
    costCentre: row.cost_centre,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function rowOf(ci: ManualCi): Selectable<CisTable> {
  return {
    name: ci.name,
    class: ci.class,
    owner: ci.owner,
    lifecycle: ci.lifecycle,
    lifecycle_dates_json: JSON.stringify(ci.lifecycleDates),
    serial: ci.serial,
    model: ci.model,
    location: ci.location,
    purchase_date: ci.purchaseDate,
    warranty_until: ci.warrantyUntil,
    cost_centre: ci.costCentre,
    description: ci.description,
    created_at: ci.createdAt,
    updated_at: ci.updatedAt,
  };
}

export async function getCi(db: Kysely<Database>, name: string): Promise<ManualCi | undefined> {
  const row = await db.selectFrom('cis').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? ciOf(row) : undefined;
}

export async function listCis(db: Kysely<Database>): Promise<ManualCi[]> {
  return (await db.selectFrom('cis').selectAll().orderBy('name').execute()).map(ciOf);
}

export interface CiSaveOutcome {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
}

/**
 * Records the inputs in one transaction, each over the CI stored under its name (see
 * `recordManualCi`): all or nothing. With `mustBeNew`, a name that exists is refused (CI_EXISTS).
 * `where` names an input in an error message (a CSV line, a field).
 */
export async function saveCis(
  db: Kysely<Database>,
  inputs: readonly ManualCiInput[],
  at: string,
  options: { readonly mustBeNew?: boolean; readonly where?: (index: number) => string } = {},
): Promise<CiSaveOutcome> {
  return db.transaction().execute(async (trx) => {
    const outcome: CiSaveOutcome = { created: [], updated: [], unchanged: [] };
    for (const [index, input] of inputs.entries()) {
      const row = await trx.selectFrom('cis').selectAll().where('name', '=', input.name).executeTakeFirst();
      if (row && options.mustBeNew) throw new GantryError('CI_EXISTS', `configuration item ${input.name} already exists; change it with gantry ci set`, { where: 'name' });
      let recorded: ReturnType<typeof recordManualCi>;
      try {
        recorded = recordManualCi(row ? ciOf(row) : undefined, input, at);
      } catch (error) {
        if (error instanceof GantryError && options.where) throw new GantryError(error.code, `${options.where(index)}: ${error.message}`, { ...error.details, where: options.where(index) }, { cause: error });
        throw error;
      }
      if (!row) {
        await trx.insertInto('cis').values(rowOf(recorded.ci)).execute();
        outcome.created.push(input.name);
      } else if (recorded.changed) {
        const { name: _name, created_at: _createdAt, ...changes } = rowOf(recorded.ci);
        await trx.updateTable('cis').set(changes).where('name', '=', input.name).execute();
        outcome.updated.push(input.name);
      } else {
        outcome.unchanged.push(input.name);
      }
    }
    return outcome;
  });
}

/** Removes the CI and the relationships recorded with it (`ref` is how they name it); false when there is none. */
export async function deleteCi(db: Kysely<Database>, name: string, ref: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('cis').where('name', '=', name).executeTakeFirst();
    await trx.deleteFrom('ci_relationships').where((eb) => eb.or([eb('from_ref', '=', ref), eb('to_ref', '=', ref)])).execute();
    return Number(deleted.numDeletedRows) > 0;
  });
}

export async function listManualRelationships(db: Kysely<Database>): Promise<Relationship[]> {
  const rows = await db.selectFrom('ci_relationships').selectAll().orderBy('from_ref').orderBy('type').orderBy('to_ref').execute();
  return rows.map((row) => ({
    from: row.from_ref,
    type: parseEnumColumn(row.type, RELATIONSHIP_TYPES, `relationship ${row.from_ref} ${row.type} ${row.to_ref}`, 'type'),
    to: row.to_ref,
    source: 'manual' as const,
  }));
}

/** Records the relationship; `false` when it was recorded already (nothing changes). */
export async function addRelationship(db: Kysely<Database>, relationship: Pick<Relationship, 'from' | 'type' | 'to'>, at: string): Promise<boolean> {
  const result = await db
    .insertInto('ci_relationships')
    .values({ from_ref: relationship.from, type: relationship.type, to_ref: relationship.to, created_at: at })
    .onConflict((conflict) => conflict.columns(['from_ref', 'type', 'to_ref']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Removes the relationship; false when it was not recorded. */
export async function removeRelationship(db: Kysely<Database>, relationship: Pick<Relationship, 'from' | 'type' | 'to'>): Promise<boolean> {
  const deleted = await db
    .deleteFrom('ci_relationships')
    .where('from_ref', '=', relationship.from)
    .where('type', '=', relationship.type)
    .where('to_ref', '=', relationship.to)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}
