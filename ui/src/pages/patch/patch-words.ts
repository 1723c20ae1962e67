import type { AdvisoryDto, ExposureRowDto } from '../../../../src/client/api-client.js';

export type Severity = AdvisoryDto['severity'];
export type ExposureState = ExposureRowDto['state'];

/** Most severe first: the order of columns and of sorted rows. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

export const SEVERITY_LABELS: Readonly<Record<Severity, string>> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', unknown: 'Unknown severity' };

export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);

/** Words, a symbol and a tone for each exposure state, so that colour is never the only cue. */
export const EXPOSURE_LOOKS: Readonly<Record<ExposureState, { label: string; symbol: string; tone: string }>> = {
  affected_fix_available: { label: 'affected, fix available', symbol: '✕', tone: 'bad' },
  affected_no_fix: { label: 'affected, no fix yet', symbol: '⚠', tone: 'warning' },
  fixed: { label: 'fixed', symbol: '✓', tone: 'good' },
  not_affected: { label: 'not affected', symbol: '–', tone: 'neutral' },
  unknown: { label: 'unknown (no recent facts)', symbol: '?', tone: 'neutral' },
};

/** "7 days", or "no deadline" for a severity without an SLA. */
export function slaText(days: number | null): string {
  if (days === null) return 'no deadline';
  return `${days} day${days === 1 ? '' : 's'}`;
}
