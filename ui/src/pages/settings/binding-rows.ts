/**
 * The rows of the bindings editor (role × applications × environments, as typed) and the
 * request's bindings they stand for. `*` stands for every application (environment).
 */
import type { RoleBindingDto, RoleBindingRequest } from '../../../../src/client/api-client.js';
import { EVERYTHING } from '../../../../src/client/access.js';
import { namesFromText } from './names-text.js';

export interface BindingRow {
  readonly role: string;
  /** Comma-separated names, or `*`. */
  readonly apps: string;
  readonly environments: string;
}

export type BindingsReading = { readonly ok: true; readonly bindings: RoleBindingRequest[] } | { readonly ok: false; readonly problem: string };

/** `*`: every application (environment), present and future. */
export const EVERY = EVERYTHING;

export function newBindingRow(): BindingRow {
  return { role: '', apps: EVERY, environments: EVERY };
}

export function rowsFromBindings(bindings: readonly RoleBindingDto[]): BindingRow[] {
  return bindings.map((binding) => ({ role: binding.role, apps: binding.apps.join(', '), environments: binding.environments.join(', ') }));
}

/** `shop, api` → ["shop", "api"]; any `*` among them → ["*"] (all, present and future). */
function scopeFromText(text: string): string[] {
  const names = namesFromText(text);
  return names.includes(EVERY) ? [EVERY] : names;
}

/** The bindings the rows stand for, or the first thing to fix, in words. */
export function readBindings(rows: readonly BindingRow[]): BindingsReading {
  const bindings: RoleBindingRequest[] = [];
  for (const [index, row] of rows.entries()) {
    const which = rows.length > 1 ? `binding ${index + 1}` : 'the binding';
    if (row.role === '') return { ok: false, problem: `Choose a role for ${which}.` };
    const apps = scopeFromText(row.apps);
    const environments = scopeFromText(row.environments);
    if (apps.length === 0) return { ok: false, problem: `Name the applications of ${which} (or * for all).` };
    if (environments.length === 0) return { ok: false, problem: `Name the environments of ${which} (or * for all).` };
    bindings.push({ role: row.role, apps, environments });
  }
  return { ok: true, bindings };
}
