/**
 * Desired against live: what Gantry put in a release directory (the archive's files, then the
 * rendered config files over them), and the packages the manifest declares, against what the
 * target holds now.
 */
import type { DeclaredPackage } from '../manifest/schema.js';
import type { TargetPackages } from '../patch/model.js';
import { compareVersions } from '../patch/versions.js';
import { ignoredBy } from './ignore-globs.js';

export interface FileDifferences {
  /** In both, with different content. */
  readonly changed: readonly string[];
  /** On the target only. */
  readonly added: readonly string[];
  /** Desired, missing on the target. */
  readonly removed: readonly string[];
  /** Declared packages missing or below their version, in words (`nginx is not installed`). */
  readonly packages: readonly string[];
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
  return { changed: changed.sort(), added: added.sort(), removed: removed.sort(), packages: [] };
}

export function hasDifferences(differences: FileDifferences): boolean {
  return differences.changed.length + differences.added.length + differences.removed.length + differences.packages.length > 0;
}

export function sameDifferences(a: FileDifferences, b: FileDifferences): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((path, index) => path === y[index]);
  return same(a.changed, b.changed) && same(a.added, b.added) && same(a.removed, b.removed) && same(a.packages, b.packages);
}

/**
 * The declared packages against what the target last reported: each one missing or below its
 * version, in words. Without a package report there is nothing to compare (an empty list).
 */
export function comparePackages(declared: readonly DeclaredPackage[], installed: TargetPackages | null): string[] {
  if (installed === null) return [];
  return declared.flatMap(({ name, minVersion }) => {
    const version = installed.packages.get(name);
    if (version === undefined) return [`${name} is not installed`];
    if (minVersion !== null && compareVersions(installed.format, version, minVersion) < 0) return [`${name} ${version} is below ${minVersion}`];
    return [];
  });
}
