import type { ChangeDto, ChangeState, CloseCode } from '../../../../src/client/api-client.js';

type RiskLevel = NonNullable<ChangeDto['risk']>['level'];

/** Each state in words, with a symbol and a tone, so that colour is never the only cue. */
export const CHANGE_STATE_LOOKS: Readonly<Record<ChangeState, { label: string; symbol: string; tone: string }>> = {
  new: { label: 'draft', symbol: '✎', tone: 'neutral' },
  assess: { label: 'being assessed', symbol: '◷', tone: 'active' },
  authorize: { label: 'awaiting approval', symbol: '?', tone: 'warning' },
  scheduled: { label: 'scheduled', symbol: '◴', tone: 'active' },
  implement: { label: 'being implemented', symbol: '▶', tone: 'active' },
  review: { label: 'in review', symbol: '⌕', tone: 'warning' },
  closed: { label: 'closed', symbol: '✓', tone: 'good' },
  cancelled: { label: 'cancelled', symbol: '–', tone: 'neutral' },
  rejected: { label: 'rejected', symbol: '✕', tone: 'bad' },
};

export const CHANGE_STATES_IN_ORDER = Object.keys(CHANGE_STATE_LOOKS) as ChangeState[];

export const RISK_LEVEL_LOOKS: Readonly<Record<RiskLevel, { label: string; tone: string }>> = {
  low: { label: 'low risk', tone: 'good' },
  moderate: { label: 'moderate risk', tone: 'neutral' },
  high: { label: 'high risk', tone: 'warning' },
  very_high: { label: 'very high risk', tone: 'bad' },
};

export const CLOSE_CODE_LABELS: Readonly<Record<CloseCode, string>> = {
  successful: 'successful',
  successful_with_issues: 'successful with issues',
  unsuccessful: 'unsuccessful',
};

export const CLOSE_CODES_IN_ORDER = Object.keys(CLOSE_CODE_LABELS) as CloseCode[];

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The planned window in the browser's time zone, or that there is none yet. */
export function windowInWords(window: ChangeDto['plan']['window']): string {
  if (!window) return 'not planned yet';
  return dateTime.formatRange(new Date(window.start), new Date(window.end));
}

