import type { ChangeDto, CloseCode } from '../../../../src/client/api-client.js';
import { CLOSE_CODES_IN_ORDER } from './change-words.js';

/** What the evidence bundle says, read defensively: it is stored JSON, typed only as a record on the wire. */
export interface EvidenceSummary {
  readonly proposal: { readonly closeCode: CloseCode; readonly reason: string } | null;
  readonly deploymentId: string | null;
  readonly actualWindow: { readonly start: string | null; readonly end: string | null };
  readonly withinPlannedWindow: boolean | null;
  readonly windowOverrun: string | null;
  readonly targets: readonly { readonly outcome: string; readonly count: number }[];
  readonly pauses: number;
  readonly rolledBack: boolean;
}

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const TARGET_OUTCOMES: readonly [key: string, words: string][] = [
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['rolledBack', 'rolled back'],
  ['rollbackFailed', 'rollback failed'],
  ['skipped', 'skipped'],
  ['cancelled', 'cancelled'],
  ['unfinished', 'unfinished'],
];

export function readEvidence(evidence: ChangeDto['evidence']): EvidenceSummary | null {
  if (!evidence) return null;
  const proposal = record(evidence.proposal);
  const closeCode = CLOSE_CODES_IN_ORDER.find((code) => code === proposal.closeCode);
  const actual = record(evidence.actualWindow);
  const targets = record(evidence.targets);
  return {
    proposal: closeCode ? { closeCode, reason: text(proposal.reason) ?? '' } : null,
    deploymentId: text(record(evidence.deployment).id),
    actualWindow: { start: text(actual.start), end: text(actual.end) },
    withinPlannedWindow: typeof evidence.withinPlannedWindow === 'boolean' ? evidence.withinPlannedWindow : null,
    windowOverrun: text(evidence.windowOverrun),
    targets: TARGET_OUTCOMES.flatMap(([key, outcome]) => {
      const count = targets[key];
      return typeof count === 'number' && count > 0 ? [{ outcome, count }] : [];
    }),
    pauses: Array.isArray(evidence.pauses) ? evidence.pauses.length : 0,
    rolledBack: evidence.rollback !== null && evidence.rollback !== undefined,
  };
}
