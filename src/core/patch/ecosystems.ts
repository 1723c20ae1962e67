/**
 * Which OSV ecosystems describe the packages of a target's operating system, and in which
 * package format their versions are compared. A target is known by its os-release `ID` and
 * `VERSION_ID` (`debian`/`12`, `ubuntu`/`22.04`, `rocky`/`9.3`, `rhel`/`9.4`, `sles`/`15.5`,
 * `opensuse-leap`/`15.5`, `opensuse-tumbleweed`/`20240101`).
 *
 * An ecosystem without a release (`Debian`, `Rocky Linux`, `Red Hat`, `SUSE`) applies to every
 * release of its distribution. With a release:
 * - `Debian:12` — VERSION_ID `12` (Debian's VERSION_ID is the major number);
 * - `Ubuntu:22.04:LTS`, `Ubuntu:22.04`, `Ubuntu:Pro:18.04:LTS`, `Ubuntu:Pro:FIPS:…:20.04:LTS` —
 *   Pro/ESM and FIPS streams are treated as Ubuntu: VERSION_ID `22.04`;
 * - `Rocky Linux:9`, `AlmaLinux:9` — the release is a version prefix: `9` matches `9`, `9.3`;
 *   `9.2` matches only `9.2…`;
 * - `Red Hat:<cpe>` (`Red Hat:enterprise_linux:9::appstream`, `Red Hat:rhel_eus:9.2::baseos`) —
 *   the CPE's version field, as a version prefix, on `rhel`;
 * - `openSUSE:Leap 15.5` on `opensuse-leap` 15.5, `openSUSE:Tumbleweed` on `opensuse-tumbleweed`;
 * - `SUSE:<product> 15 SP5` (any SUSE Linux Enterprise product or module, not Micro) on `sles`,
 *   `sles_sap` or `sled` 15.5; `… 15` (no SP) on 15 / 15.0.
 * Anything else (npm, PyPI, Alpine, unknown distributions) applies to no target.
 */
import type { PackageFormat } from './model.js';

type Family = 'debian' | 'ubuntu' | 'redhat' | 'rocky' | 'alma' | 'opensuse' | 'suse';

const FAMILY_OF_ECOSYSTEM: Readonly<Record<string, Family>> = {
  Debian: 'debian',
  Ubuntu: 'ubuntu',
  'Red Hat': 'redhat',
  'Rocky Linux': 'rocky',
  AlmaLinux: 'alma',
  openSUSE: 'opensuse',
  SUSE: 'suse',
};

const FORMAT_OF_FAMILY: Readonly<Record<Family, PackageFormat>> = {
  debian: 'dpkg',
  ubuntu: 'dpkg',
  redhat: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  opensuse: 'rpm',
  suse: 'rpm',
};

/** os-release IDs of each family. */
const OS_IDS: Readonly<Record<Family, readonly string[]>> = {
  debian: ['debian'],
  ubuntu: ['ubuntu'],
  redhat: ['rhel'],
  rocky: ['rocky'],
  alma: ['almalinux'],
  opensuse: ['opensuse-leap', 'opensuse-tumbleweed', 'opensuse-slowroll'],
  suse: ['sles', 'sles_sap', 'sled'],
};

function split(ecosystem: string): { family: Family; release: string } | null {
  const colon = ecosystem.indexOf(':');
  const name = colon < 0 ? ecosystem : ecosystem.slice(0, colon);
  const family = Object.hasOwn(FAMILY_OF_ECOSYSTEM, name) ? FAMILY_OF_ECOSYSTEM[name] : undefined;
  return family ? { family, release: colon < 0 ? '' : ecosystem.slice(colon + 1) } : null;
}

/** The package format an OSV ecosystem's versions are ordered in; null for ecosystems Gantry does not compare. */
export function formatOfEcosystem(ecosystem: string): PackageFormat | null {
  const parsed = split(ecosystem);
  return parsed ? FORMAT_OF_FAMILY[parsed.family] : null;
}

/** Whether advisories in `ecosystem` describe packages of an OS with this os-release ID and VERSION_ID. */
export function ecosystemApplies(ecosystem: string, os: { id: string; versionId: string }): boolean {
  const parsed = split(ecosystem);
  if (!parsed) return false;
  const id = os.id.trim().toLowerCase();
  const versionId = os.versionId.trim();
  if (!OS_IDS[parsed.family].includes(id)) return false;
  const release = parsed.release.trim();
  if (release === '') return true;
  switch (parsed.family) {
    case 'debian':
      return release === versionId;
    case 'ubuntu':
      return ubuntuRelease(release) === versionId;
    case 'rocky':
    case 'alma':
      return versionPrefix(release, versionId);
    case 'redhat': {
      // `<product>:<version>:<update>:<edition>`, e.g. `enterprise_linux:9::appstream`.
      const version = release.split(':')[1] ?? '';
      return version !== '' && versionPrefix(version, versionId);
    }
    case 'opensuse':
      if (id === 'opensuse-leap') return release === `Leap ${versionId}`;
      if (id === 'opensuse-tumbleweed') return release === 'Tumbleweed';
      return release === 'Slowroll' || release === 'Tumbleweed';
    case 'suse':
      return suseReleaseApplies(release, versionId);
  }
}

/** `22.04:LTS` → `22.04`; `Pro:18.04:LTS` → `18.04`; `Pro:FIPS-updates:22.04:LTS` → `22.04`. */
function ubuntuRelease(release: string): string | null {
  return release.split(':').find((part) => /^\d+\.\d+$/.test(part)) ?? null;
}

/** `9` is a prefix of `9`, `9.3`, `9.3.1`; not of `90`. */
function versionPrefix(release: string, versionId: string): boolean {
  return versionId === release || versionId.startsWith(`${release}.`);
}

function suseReleaseApplies(release: string, versionId: string): boolean {
  const match = /^Linux Enterprise (?!Micro\b).*?(\d+)(?: SP(\d+))?$/.exec(release);
  if (!match) return false;
  const [major, minor = '0'] = versionId.split('.');
  return match[1] === major && (match[2] ?? '0') === minor;
}
