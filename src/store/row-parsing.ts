import type { Access } from '../core/access/access.js';
import { accessSchema } from '../core/access/access-schema.js';
import { GantryError } from '../core/errors.js';

/** Reads a stored JSON column; a damaged value names the record and field instead of crashing. */
export function parseJsonColumn<T>(text: string, record: string, field: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new GantryError('DATA_CORRUPT', `${record}: field ${field} is not valid JSON`, { where: `${record}.${field}` }, { cause });
  }
}

/** Reads a stored enum column against its closed set of values. */
export function parseEnumColumn<T extends string>(value: string, allowed: readonly T[], record: string, field: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new GantryError('DATA_CORRUPT', `${record}: field ${field} has unknown value "${value}"`, { where: `${record}.${field}` });
}

/** Reads stored role bindings; an unknown role or a malformed binding names the record instead of granting anything. */
export function parseAccessColumn(text: string, record: string, field = 'bindings'): Access {
  const parsed = accessSchema.safeParse(parseJsonColumn<unknown>(text, record, field));
  if (parsed.success) return parsed.data;
  throw new GantryError('DATA_CORRUPT', `${record}: field ${field} does not hold role bindings (${parsed.error.issues[0]?.message ?? 'invalid'})`, { where: `${record}.${field}` });
}
