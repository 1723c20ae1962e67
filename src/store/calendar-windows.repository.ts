import type { Kysely, Selectable } from 'kysely';
import { calendarWindowSchema, type CalendarWindow } from '../core/calendar/window.js';
import { GantryError } from '../core/errors.js';
import { isUniqueViolation } from './constraint-errors.js';
import { parseJsonColumn } from './row-parsing.js';
import type { CalendarWindowsTable, Database } from './schema.js';

/** A window as stored: its validated definition and when it was added. */
export interface StoredWindow {
  readonly window: CalendarWindow;
  readonly createdAt: string;
}

function toStoredWindow(row: Selectable<CalendarWindowsTable>): StoredWindow {
  const record = `window ${row.name}`;
  const parsed = calendarWindowSchema.safeParse(parseJsonColumn<unknown>(row.definition_json, record, 'definition'));
  if (!parsed.success || parsed.data.name !== row.name || parsed.data.kind !== row.kind) {
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    const problem = issue ? `${issue.path.join('.') || 'definition'}: ${issue.message}` : 'name or kind differs from its columns';
    throw new GantryError('DATA_CORRUPT', `${record}: field definition is not a valid window (${problem})`, { where: `${record}.definition` });
  }
  return { window: parsed.data, createdAt: row.created_at };
}

export async function insertWindow(db: Kysely<Database>, stored: StoredWindow): Promise<void> {
  const { window } = stored;
  try {
    await db
      .insertInto('calendar_windows')
      .values({ name: window.name, kind: window.kind, definition_json: JSON.stringify(window), created_at: stored.createdAt })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new GantryError('WINDOW_EXISTS', `window ${window.name} already exists; remove it first to change it`, { where: 'name' });
    throw error;
  }
}

export async function getWindow(db: Kysely<Database>, name: string): Promise<StoredWindow | null> {
  const row = await db.selectFrom('calendar_windows').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toStoredWindow(row) : null;
}

export async function listWindows(db: Kysely<Database>): Promise<StoredWindow[]> {
  const rows = await db.selectFrom('calendar_windows').selectAll().orderBy('name').execute();
  return rows.map(toStoredWindow);
}

export async function deleteWindow(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('calendar_windows').where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
