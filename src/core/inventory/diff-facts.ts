/**
 * What changed between two reports of a machine's facts, as dotted paths with old and new
 * values: `os.version`, `packages.openssl`, `disks./var.sizeBytes`. Values that move all the
 * time (uptime, free disk space) are not changes of what the machine *is*, so they are left out.
 */
export interface FactChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

interface ComparableFacts {
  readonly packages?: readonly { readonly name: string; readonly version: string }[];
  readonly disks?: readonly { readonly mount: string; readonly sizeBytes: number }[];
  readonly addresses?: readonly string[];
  readonly [key: string]: unknown;
}

const VOLATILE = new Set(['uptimeSeconds', 'disks']);

function flatten(facts: ComparableFacts | null): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  if (!facts) return flat;
  for (const [key, value] of Object.entries(facts)) {
    if (VOLATILE.has(key) || key === 'packages' || key === 'addresses') continue;
    if (key === 'checks' && value !== null && typeof value === 'object') {
      // When the policy check ran is not a fact about the machine; what it found is.
      const { files, services } = value as { files?: unknown; services?: unknown };
      flat.set('checks.files', files);
      flat.set('checks.services', services);
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) flat.set(`${key}.${inner}`, innerValue);
    } else {
      flat.set(key, value);
    }
  }
  for (const pkg of facts.packages ?? []) flat.set(`packages.${pkg.name}`, pkg.version);
  for (const disk of facts.disks ?? []) flat.set(`disks.${disk.mount}.sizeBytes`, disk.sizeBytes);
  if (facts.addresses) flat.set('addresses', [...facts.addresses].sort().join(' '));
  return flat;
}

/** Changes from `before` to `after`, sorted by path; a fact that appears or disappears has `from` or `to` null. */
export function diffFacts(before: ComparableFacts | null, after: ComparableFacts): FactChange[] {
  const old = flatten(before);
  const next = flatten(after);
  const paths = [...new Set([...old.keys(), ...next.keys()])].sort();
  return paths
    .filter((path) => JSON.stringify(old.get(path)) !== JSON.stringify(next.get(path)))
    .map((path) => ({ path, from: old.get(path) ?? null, to: next.get(path) ?? null }));
}
