/**
 * CVSS v3.0 / v3.1 base scores, computed by the formula of the FIRST specification (v3.1 §7.1)
 * with the `Roundup` of its Appendix A (which avoids floating-point surprises; v3.0 vectors are
 * scored with it too: the base equations are the same and the results agree). Temporal and
 * environmental metrics in a vector are checked but do not change the base score.
 */
import type { Severity } from './model.js';

const BASE = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  PR: { N: 0.85, L: 0.62, H: 0.27 },
  UI: { N: 0.85, R: 0.62 },
  S: { U: 0, C: 1 },
  C: { H: 0.56, L: 0.22, N: 0 },
  I: { H: 0.56, L: 0.22, N: 0 },
  A: { H: 0.56, L: 0.22, N: 0 },
} as const satisfies Record<string, Record<string, number>>;

/** Privileges Required weighs more when the scope changes. */
const PR_SCOPE_CHANGED = { N: 0.85, L: 0.68, H: 0.5 } as const;

/** Temporal and environmental metrics: allowed, checked, not scored. */
const OTHER: Record<string, readonly string[]> = {
  E: ['X', 'U', 'P', 'F', 'H'],
  RL: ['X', 'O', 'T', 'W', 'U'],
  RC: ['X', 'U', 'R', 'C'],
  CR: ['X', 'L', 'M', 'H'],
  IR: ['X', 'L', 'M', 'H'],
  AR: ['X', 'L', 'M', 'H'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'R'],
  MS: ['X', 'U', 'C'],
  MC: ['X', 'N', 'L', 'H'],
  MI: ['X', 'N', 'L', 'H'],
  MA: ['X', 'N', 'L', 'H'],
};

type BaseMetric = keyof typeof BASE;
export type CvssV3BaseMetrics = { readonly [K in BaseMetric]: keyof (typeof BASE)[K] };

export interface CvssV3Vector {
  readonly version: '3.0' | '3.1';
  readonly base: CvssV3BaseMetrics;
}

/** Reads a `CVSS:3.x/…` vector; null when it is not a valid v3 vector (missing, repeated or unknown metrics or values). */
export function parseCvssV3Vector(vector: string): CvssV3Vector | null {
  const match = /^CVSS:3\.([01])\/(.+)$/.exec(vector.trim());
  if (!match) return null;
  const seen = new Map<string, string>();
  for (const part of match[2]!.split('/')) {
    const [key, value, extra] = part.split(':');
    if (key === undefined || value === undefined || extra !== undefined || seen.has(key)) return null;
    const allowed = Object.hasOwn(BASE, key) ? Object.keys(BASE[key as BaseMetric]) : OTHER[key];
    if (!allowed?.includes(value)) return null;
    seen.set(key, value);
  }
  const base: Record<string, string> = {};
  for (const key of Object.keys(BASE)) {
    const value = seen.get(key);
    if (value === undefined) return null;
    base[key] = value;
  }
  return { version: match[1] === '0' ? '3.0' : '3.1', base: base as unknown as CvssV3BaseMetrics };
}

/** The base score (0.0–10.0) of a CVSS v3.0/v3.1 vector, or null when the vector is not valid. */
export function cvssV3BaseScore(vector: string): number | null {
  const parsed = parseCvssV3Vector(vector);
  return parsed ? baseScoreOf(parsed.base) : null;
}

function baseScoreOf(m: CvssV3BaseMetrics): number {
  const changed = m.S === 'C';
  const iss = 1 - (1 - BASE.C[m.C]) * (1 - BASE.I[m.I]) * (1 - BASE.A[m.A]);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const privileges = changed ? PR_SCOPE_CHANGED[m.PR] : BASE.PR[m.PR];
  const exploitability = 8.22 * BASE.AV[m.AV] * BASE.AC[m.AC] * privileges * BASE.UI[m.UI];
  if (impact <= 0) return 0;
  return changed ? roundup(Math.min(1.08 * (impact + exploitability), 10)) : roundup(Math.min(impact + exploitability, 10));
}

/** CVSS v3.1 Appendix A: the smallest number with one decimal that is at least `input`, computed on integers. */
export function roundup(input: number): number {
  const integer = Math.round(input * 100000);
  if (integer % 10000 === 0) return integer / 100000;
  return (Math.floor(integer / 10000) + 1) / 10;
}

/** The qualitative rating of a score (CVSS v3.1 §5): ≥9 critical, ≥7 high, ≥4 medium, >0 low; 0 (“none”) → null. */
export function severityOfCvssScore(score: number): Exclude<Severity, 'unknown'> | null {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return null;
}
