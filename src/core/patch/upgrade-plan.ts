/**
 * Which packages a patch rollout upgrades on each target, from where the targets stand against
 * the chosen advisories. Only `affected_fix_available` leads to an upgrade: every installed
 * binary package the advisory names (directly, or through its source package, as Debian's
 * advisories do) that is below the fixed version is brought to it. Several advisories asking for
 * the same package ask for the highest of their fixed versions.
 */
import { GantryError } from '../errors.js';
import type { PackageUpgrade } from '../model.js';
import { exposureOf } from './exposure.js';
import type { Advisory, PackageFormat, TargetPackages } from './model.js';
import { compareVersions } from './versions.js';

/** An installed package as facts report it. */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  readonly source?: string | undefined;
}

export interface TargetToPatch {
  readonly target: string;
  /** null: no recent facts, so nothing can be planned for it. */
  readonly packages: TargetPackages | null;
  readonly installed: readonly InstalledPackage[];
}

export interface PatchPlanEntry {
  readonly target: string;
  /** How its packages are versioned; null when unknown. */
  readonly format: PackageFormat | null;
  readonly upgrades: readonly PackageUpgrade[];
  /** Advisories it is affected by that have no fixed version yet. */
  readonly withoutFix: readonly string[];
  /** No recent facts: where it stands is not known. */
  readonly unknown: boolean;
}

export function planUpgrades(advisories: readonly Advisory[], targets: readonly TargetToPatch[]): PatchPlanEntry[] {
  return targets.map(({ target, packages, installed }) => {
    if (packages === null) return { target, format: null, upgrades: [], withoutFix: [], unknown: true };
    const upgrades = new Map<string, { from: string; to: string; advisories: Set<string> }>();
    const withoutFix: string[] = [];
    for (const advisory of advisories) {
      const exposure = exposureOf(advisory, packages);
      if (exposure.state === 'affected_no_fix') withoutFix.push(advisory.id);
      if (exposure.state !== 'affected_fix_available') continue;
      for (const exposed of exposure.packages) {
        if (exposed.fixedIn === null) continue;
        const fixedIn = exposed.fixedIn;
        for (const binary of installed.filter((pkg) => pkg.name === exposed.name || pkg.source === exposed.name)) {
          if (compareVersions(packages.format, binary.version, fixedIn) >= 0) continue;
          const planned = upgrades.get(binary.name);
          if (!planned) upgrades.set(binary.name, { from: binary.version, to: fixedIn, advisories: new Set([advisory.id]) });
          else {
            planned.advisories.add(advisory.id);
            if (compareVersions(packages.format, fixedIn, planned.to) > 0) planned.to = fixedIn;
          }
        }
      }
    }
    const list = [...upgrades]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, planned]) => ({ name, from: planned.from, to: planned.to, advisories: [...planned.advisories].sort() }));
    return { target, format: packages.format, upgrades: list, withoutFix, unknown: false };
  });
}

/** Package names and versions as they may be passed to a package manager: no spaces, quotes or `=`. */
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;
const PACKAGE_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~:_^-]*$/;

/**
 * GANTRY_UPGRADES for the upgrade command: `name=version` words. Names and versions are checked
 * so that a word can neither split nor smuggle an option in; one that fails is refused.
 */
export function upgradeWords(upgrades: readonly Pick<PackageUpgrade, 'name' | 'to'>[]): string {
  return upgrades
    .map(({ name, to }) => {
      if (!PACKAGE_NAME.test(name) || !PACKAGE_VERSION.test(to)) {
        throw new GantryError('REQUEST_INVALID', `package ${JSON.stringify(name)} version ${JSON.stringify(to)} cannot be passed to a package manager`, { where: 'upgrades' });
      }
      return `${name}=${to}`;
    })
    .join(' ');
}
