import type { Kysely, Selectable } from 'kysely';
import { INCIDENT_PRIORITIES, type Incident, type IncidentAttribution } from '../core/incident/incident.js';
import { parseEnumColumn } from './row-parsing.js';
import type { Database, IncidentsTable } from './schema.js';

const ATTRIBUTIONS: readonly IncidentAttribution[] = ['given', 'latest', 'none'];

function toIncident(row: Selectable<IncidentsTable>): Incident {
  const record = `incident ${row.id}`;
  return {
    id: row.id,
    title: row.title,
    app: row.app,
    environment: row.environment,
    priority: parseEnumColumn(row.priority, INCIDENT_PRIORITIES, record, 'priority'),
    deploymentId: row.deployment_id,
    attribution: parseEnumColumn(row.attribution, ATTRIBUTIONS, record, 'attribution'),
    attributionNote: row.attribution_note,
    changeId: row.change_id,
    openedBy: row.opened_by,
    openedAt: row.opened_at,
    resolvedBy: row.resolved_by,
    resolvedAt: row.resolved_at,
  };
}

/** The next incident number (`I-<n>`); the unique index makes a race between two openers fail, not collide. */
export async function nextIncidentNumber(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('incidents').select((eb) => eb.fn.max<number | null>('number').as('top')).executeTakeFirst();
  return Number(row?.top ?? 0) + 1;
}

export async function insertIncident(db: Kysely<Database>, incident: Incident, number: number): Promise<void> {
  await db
    .insertInto('incidents')
    .values({
      id: incident.id,
      number,
      title: incident.title,
      app: incident.app,
      environment: incident.environment,
      priority: incident.priority,
      deployment_id: incident.deploymentId,
      attribution: incident.attribution,
      attribution_note: incident.attributionNote,
      change_id: incident.changeId,
      opened_by: incident.openedBy,
      opened_at: incident.openedAt,
      resolved_by: null,
      resolved_at: null,
    })
    .execute();
}

export async function getIncident(db: Kysely<Database>, id: string): Promise<Incident | null> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toIncident(row) : null;
}

/** Marks it resolved unless it already is; false when it was (the caller says so). */
export async function resolveIncident(db: Kysely<Database>, id: string, by: string, at: string): Promise<boolean> {
  const result = await db.updateTable('incidents').set({ resolved_by: by, resolved_at: at }).where('id', '=', id).where('resolved_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface IncidentFilter {
  readonly app?: string | undefined;
  readonly environment?: string | undefined;
  /** Only those not resolved yet. */
  readonly open?: boolean | undefined;
  readonly limit?: number | undefined;
}

/** Newest first. */
export async function listIncidents(db: Kysely<Database>, filter: IncidentFilter = {}): Promise<Incident[]> {
  let query = db.selectFrom('incidents').selectAll();
  if (filter.app !== undefined) query = query.where('app', '=', filter.app);
  if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
  if (filter.open) query = query.where('resolved_at', 'is', null);
  query = query.orderBy('number', 'desc');
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return (await query.execute()).map(toIncident);
}
