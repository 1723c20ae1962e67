/**
 * Readers for what machines print about themselves (os-release, `df -Pk`, package listings),
 * shared by the agent and by the server when it asks a target over SSH.
 */

export interface ReportedDisk {
  readonly mount: string;
  readonly sizeBytes: number;
  readonly freeBytes: number;
}

export interface ReportedPackage {
  readonly name: string;
  readonly version: string;
  readonly source?: string;
}

const MAX_PACKAGES = 20_000;

/** `dpkg-query -W -f` format for parsePackageLines with `statusFirst`: status, name, version, source package. */
export const DPKG_QUERY_FORMAT = '${Status}\\t${Package}\\t${Version}\\t${source:Package}\\n';
/** `rpm -q --qf` format for parsePackageLines: name, then the version with its epoch. */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n';

export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** File systems that are not disks. */
const PSEUDO_FILESYSTEMS = new Set(['tmpfs', 'devtmpfs', 'udev', 'none', 'proc', 'sysfs', 'shm', 'cgroup', 'cgroup2', 'devfs', 'map', 'efivarfs']);
const PSEUDO_MOUNT_PREFIXES = ['/dev', '/proc', '/sys', '/run', '/snap'];

/** Reads KEY=value lines of os-release(5), unquoting "…" and '…' values. */
export function parseOsRelease(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*?)\s*$/.exec(line);
    if (!match) continue;
    let value = match[2] ?? '';
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1);
    values[match[1]!] = value;
  }
  return values;
}

/** Parses `df -Pk` (POSIX format, 1024-byte blocks); free space is what an unprivileged user can use. */
export function parseDf(text: string): ReportedDisk[] {
  const disks: ReportedDisk[] = [];
  const seenSources = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const match = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+%|-)\s+(\/.*)$/.exec(line.trimEnd());
    if (!match) continue;
    const [, source = '', size = '0', , available = '0', mount = ''] = match;
    if (PSEUDO_FILESYSTEMS.has(source)) continue;
    if (PSEUDO_MOUNT_PREFIXES.some((prefix) => mount === prefix || mount.startsWith(`${prefix}/`))) continue;
    if (Number(size) === 0) continue;
    // The same device bind-mounted several times (containers: /etc/hosts, …) is one disk.
    if (source.startsWith('/dev/')) {
      if (seenSources.has(source)) continue;
      seenSources.add(source);
    }
    disks.push({ mount: clip(mount, 1000), sizeBytes: Number(size) * 1024, freeBytes: Number(available) * 1024 });
  }
  return disks;
}

/**
 * `NAME<TAB>VERSION[<TAB>SOURCE]` lines; with `statusFirst`, dpkg's `STATUS<TAB>…`, keeping
 * installed packages only. A source package named like the package itself is not repeated.
 */
export function parsePackageLines(text: string, statusFirst = false): ReportedPackage[] {
  const packages = new Map<string, ReportedPackage>();
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    if (statusFirst && !/(^| )installed$/.test(fields.shift() ?? '')) continue;
    const [name = '', version = '', source = ''] = fields;
    if (name === '' || name.length > 200 || version.length > 200 || source.length > 200 || packages.has(name)) continue;
    packages.set(name, { name, version, ...(source !== '' && source !== name ? { source } : {}) });
  }
  return [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, MAX_PACKAGES);
}

