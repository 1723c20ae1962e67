import { compareDebianVersions } from './debian-version.js';
import type { PackageFormat } from './model.js';
import { compareRpmVersions } from './rpm-version.js';

/** Negative, zero or positive as `a` orders before, with or after `b` in the package format. */
export function compareVersions(format: PackageFormat, a: string, b: string): number {
  return format === 'dpkg' ? compareDebianVersions(a, b) : compareRpmVersions(a, b);
}
