/**
 * The next drift record of a target × application from the previous one and a new check. A drift
 * keeps its `firstSeenAt` while it persists on the same release (a check that cannot reach the
 * target in between does not end it); its explanation is worked out when it is first seen and
 * again whenever the set of differences changes (a new edit needs its own explanation).
 */
import { hasDifferences, sameDifferences, type FileDifferences } from './compare.js';
import type { DriftExplanation } from './explain.js';
import type { DriftRecord } from './model.js';

export interface DriftSubject {
  readonly target: string;
  readonly app: string;
  readonly environment: string;
  readonly version: string;
}

export type DriftObservation = { readonly kind: 'checked'; readonly differences: FileDifferences } | { readonly kind: 'unknown'; readonly reason: string };

const NONE: FileDifferences = { changed: [], added: [], removed: [], packages: [] };

/** The previous drift, if it is about the same release and not over. */
function ongoingDrift(previous: DriftRecord | null, subject: DriftSubject): DriftRecord | null {
  return previous !== null && previous.firstSeenAt !== null && previous.version === subject.version && previous.environment === subject.environment ? previous : null;
}

/** Whether `nextDriftRecord` needs an explanation for this observation (a new or different drift). */
export function needsExplanation(previous: DriftRecord | null, subject: DriftSubject, observation: DriftObservation): boolean {
  if (observation.kind !== 'checked' || !hasDifferences(observation.differences)) return false;
  const ongoing = ongoingDrift(previous, subject);
  return ongoing === null || ongoing.explanation === null || !sameDifferences(ongoing, observation.differences);
}

export function nextDriftRecord(previous: DriftRecord | null, subject: DriftSubject, observation: DriftObservation, at: string, explanation: DriftExplanation | null): DriftRecord {
  const ongoing = ongoingDrift(previous, subject);
  if (observation.kind === 'unknown') {
    // What was last known stays on show, marked unknown with the reason.
    const known = ongoing ?? { ...NONE, firstSeenAt: null, unauthorised: false, explanation: null };
    return {
      ...subject,
      state: 'unknown',
      changed: known.changed,
      added: known.added,
      removed: known.removed,
      packages: known.packages,
      firstSeenAt: known.firstSeenAt,
      checkedAt: at,
      unauthorised: known.unauthorised,
      explanation: known.explanation,
      reason: observation.reason,
    };
  }
  const differences = observation.differences;
  if (!hasDifferences(differences)) return { ...subject, ...NONE, state: 'in_sync', firstSeenAt: null, checkedAt: at, unauthorised: false, explanation: null, reason: null };
  const explained = explanation ?? (ongoing && ongoing.explanation !== null ? { unauthorised: ongoing.unauthorised, explanation: ongoing.explanation } : null);
  if (explained === null) throw new Error('a new or different drift needs its explanation (see needsExplanation)');
  return {
    ...subject,
    state: 'drifted',
    changed: differences.changed,
    added: differences.added,
    removed: differences.removed,
    packages: differences.packages,
    firstSeenAt: ongoing?.firstSeenAt ?? at,
    checkedAt: at,
    unauthorised: explained.unauthorised,
    explanation: explained.explanation,
    reason: null,
  };
}
