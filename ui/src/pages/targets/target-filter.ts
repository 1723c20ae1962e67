import type { TargetDto } from '../../../../src/client/api-client.js';

/** What the inventory is narrowed to: `label` as `key=value` (several with commas; a bare `key` means has it), `name` a part of the name. */
export interface TargetFilter {
  readonly label: string;
  readonly name: string;
}

/** `env=prod, zone=a` → [['env', 'prod'], ['zone', 'a']]; `role` → [['role', undefined]]. */
export function parseLabelFilter(filter: string): [string, string | undefined][] {
  return filter
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const at = part.indexOf('=');
      return at === -1 ? [part, undefined] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    });
}

export function matchesTargetFilter(target: Pick<TargetDto, 'name' | 'labels'>, filter: TargetFilter): boolean {
  if (!target.name.toLowerCase().includes(filter.name.trim().toLowerCase())) return false;
  return parseLabelFilter(filter.label).every(([key, value]) => key in target.labels && (value === undefined || target.labels[key] === value));
}
