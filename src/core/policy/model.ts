/**
 * Endpoint compliance policies (issue 9), Fleet/Intune style: declarative rules evaluated on the
 * facts a target reports. Pure types; the schema and the evaluation live beside them.
 */

import type { TargetPackages } from '../patch/model.js';

/** One check on a target's facts. */
export type PolicyRule =
  /** The package is installed (at `minVersion` or later, by the target's package manager's ordering), or with `present: false` absent. */
  | { readonly kind: 'package'; readonly name: string; readonly present: boolean; readonly minVersion: string | null }
  /** The OS (os-release ID) is one of these, at one of these VERSION_IDs (a prefix: `12` matches `12.5`); empty `versions` = any. */
  | { readonly kind: 'os'; readonly ids: readonly string[]; readonly versions: readonly string[] }
  /** The Gantry agent is at this version or later (dotted numbers). */
  | { readonly kind: 'agentVersion'; readonly min: string }
  /** The file system mounted at `mount` has at least this share free. */
  | { readonly kind: 'diskFree'; readonly mount: string; readonly minPercent: number }
  /**
   * The file exists (or with `exists: false` does not); when given, its permission bits are
   * exactly `mode` (octal, `0644`), its owner is `owner`, and a line matches `contains` (an
   * extended regular expression, as `grep -E`).
   */
  | { readonly kind: 'file'; readonly path: string; readonly exists: boolean; readonly mode: string | null; readonly owner: string | null; readonly contains: string | null }
  /** The service is running (systemd's `is-active`, else a process of that name), or with `running: false` is not. */
  | { readonly kind: 'service'; readonly name: string; readonly running: boolean };

export interface Policy {
  /** A name (letters, digits, `.`, `_`, `-`). */
  readonly name: string;
  readonly description: string;
  /** What to do when it fails, shown with the result. */
  readonly resolution: string;
  /** Which targets it concerns: those whose labels match (empty = every target). */
  readonly targets: Readonly<Record<string, string>>;
  /** All must pass. */
  readonly rules: readonly PolicyRule[];
}

/**
 * A target against a policy. `unknown`: no recent facts (never counted as passing);
 * `not_applicable`: the policy's label selector does not pick the target.
 */
export type PolicyState = 'pass' | 'fail' | 'unknown' | 'not_applicable';

export interface PolicyResult {
  readonly state: PolicyState;
  /** One line per failed (or undecidable) rule, in words: `package openssl is 3.0.11-1, below 3.0.15`. */
  readonly reasons: readonly string[];
}

/**
 * What a policy is checked against: a target's last reported facts. The caller passes `null`
 * when there are none recent enough (staleness is its to judge).
 */
export interface PolicyFacts {
  /** Installed packages and the OS (os-release); `null` when the report has no package manager. */
  readonly packages: TargetPackages | null;
  /** The Gantry agent's version, e.g. `0.2.0` or `0.3.0-rc1`. */
  readonly agentVersion: string;
  /** Mounted file systems, by mount point. */
  readonly disks: readonly { readonly mount: string; readonly sizeBytes: number; readonly freeBytes: number }[];
  /** What the last policy check on the target found about the files and services policies name. */
  readonly checks: TargetChecks | null;
}

/** Files and services looked at on the target for the policies' file and service rules. */
export interface TargetChecks {
  readonly files: readonly FileCheck[];
  readonly services: readonly { readonly name: string; readonly running: boolean }[];
}

export interface FileCheck {
  readonly path: string;
  readonly exists: boolean;
  /** Permission bits in octal (`0644`), when it exists. */
  readonly mode?: string;
  readonly owner?: string;
  /** For each pattern asked about: whether a line matches. */
  readonly matches?: Readonly<Record<string, boolean>>;
}

/** What a target must be asked for the rules of these policies: file paths (with patterns) and service names. */
export interface CheckRequest {
  readonly files: readonly { readonly path: string; readonly patterns: readonly string[] }[];
  readonly services: readonly string[];
}
