import { GantryError } from '../errors.js';
import { parseJunit } from './junit.js';
import { MAX_EVIDENCE_BYTES, type EvidenceSummary, type EvidenceType } from './model.js';
import { parseCoverage, parseReview } from './record.js';
import { parseSarif } from './sarif.js';

/**
 * Reads an evidence file as its type and summarises it; anything malformed is an
 * EVIDENCE_INVALID naming `file` (and the line or field where it can). Attestations are
 * free-form: only their digest and size are kept, by the caller.
 */
export function summariseEvidence(type: EvidenceType, content: Uint8Array, file: string): EvidenceSummary {
  if (content.byteLength > MAX_EVIDENCE_BYTES) {
    throw new GantryError('EVIDENCE_INVALID', `${file}: ${content.byteLength} bytes is more than the ${MAX_EVIDENCE_BYTES} bytes evidence may have`, { where: file });
  }
  if (type === 'attestation') return { type: 'attestation' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw new GantryError('EVIDENCE_INVALID', `${file}: a ${type} file must be UTF-8 text`, { where: file });
  }
  switch (type) {
    case 'junit':
      return parseJunit(text, file);
    case 'sarif':
      return parseSarif(text, file);
    case 'review':
      return parseReview(text, file);
    case 'coverage':
      return parseCoverage(text, file);
  }
}

/** One line for people: "junit unit: 120 tests, 2 failures, 0 errors, 3 skipped". */
export function describeEvidence(name: string, summary: EvidenceSummary, sizeBytes: number): string {
  const label = `${summary.type} ${name}`;
  switch (summary.type) {
    case 'junit':
      return `${label}: ${summary.tests} tests, ${summary.failures} failures, ${summary.errors} errors, ${summary.skipped} skipped`;
    case 'sarif':
      return `${label}: ${summary.results} results (${summary.levels.error} error, ${summary.levels.warning} warning, ${summary.levels.note} note, ${summary.levels.none} none)${summary.maxSecuritySeverity === null ? '' : `, max security-severity ${summary.maxSecuritySeverity}`}`;
    case 'review': {
      const approvers = summary.reviewers.filter((reviewer) => reviewer.approved).map((reviewer) => reviewer.name);
      return `${label}: author ${summary.author}, approved by ${approvers.length > 0 ? approvers.join(', ') : 'nobody'} (${summary.independentApprovals} independent), commits ${summary.commits.from}..${summary.commits.to}`;
    }
    case 'coverage':
      return `${label}: ${summary.lines}% lines`;
    case 'attestation':
      return `${label}: ${sizeBytes} bytes`;
  }
}
