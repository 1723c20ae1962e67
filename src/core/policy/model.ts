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
  | { readonly kind: 'diskFree'; readonly mount: string; readonly minPercent: number };

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
}
