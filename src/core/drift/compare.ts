/**
 * Desired against live: what Gantry put in a release directory (the archive's files, then the
 * rendered config files over them) against what the target holds now.
 */
import { ignoredBy } from './ignore-globs.js';

export interface FileDifferences {
  /** In both, with different content. */
  readonly changed: readonly string[];
  /** On the target only. */
  readonly added: readonly string[];
  /** Desired, missing on the target. */
  readonly removed: readonly string[];
}

/** Each list sorted; files an `ignore` glob matches are left out on both sides. */
export function compareFiles(desired: ReadonlyMap<string, string>, live: ReadonlyMap<string, string>, ignore: readonly string[] = []): FileDifferences {
  const ignored = ignoredBy(ignore);
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [path, digest] of desired) {
    if (ignored(path)) continue;
    const found = live.get(path);
    if (found === undefined) removed.push(path);
    else if (found !== digest) changed.push(path);
  }
  for (const path of live.keys()) if (!desired.has(path) && !ignored(path)) added.push(path);
  return { changed: changed.sort(), added: added.sort(), removed: removed.sort() };
}

export function hasDifferences(differences: FileDifferences): boolean {
  return differences.changed.length + differences.added.length + differences.removed.length > 0;
}

export function sameDifferences(a: FileDifferences, b: FileDifferences): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((path, index) => path === y[index]);
  return same(a.changed, b.changed) && same(a.added, b.added) && same(a.removed, b.removed);
}
