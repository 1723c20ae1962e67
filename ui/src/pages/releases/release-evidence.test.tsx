// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EvidenceDto } from '../../../../src/client/api-client.js';
import { ReleaseEvidenceList } from './release-evidence.js';

afterEach(cleanup);

const base = { app: 'shop', version: '1.0.0', sha256: 'ab', sizeBytes: 10, attachedBy: 'ci-bot', attachedAt: '2026-11-28T05:00:00.000Z' };

describe('release evidence on the releases page', () => {
  it('lists each piece as described and marks failing tests', () => {
    const evidence: EvidenceDto[] = [
      { ...base, id: 'evd-1', type: 'junit', name: 'unit', description: 'junit unit: 3 tests, 1 failures, 0 errors, 0 skipped', summary: { type: 'junit', tests: 3, failures: 1, errors: 0, skipped: 0, timeSeconds: null, suites: 1, failingCases: [], failingCasesTruncated: false } },
      { ...base, id: 'evd-2', type: 'coverage', name: 'coverage', description: 'coverage coverage: 80% lines', summary: { type: 'coverage', lines: 80 } },
    ];
    render(<ReleaseEvidenceList evidence={evidence} />);
    const items = screen.getAllByRole('listitem');
    expect(items.map((item) => item.textContent?.split(' by ')[0]?.trim())).toEqual(['junit unit: 3 tests, 1 failures, 0 errors, 0 skipped', 'coverage coverage: 80% lines']);
    expect(items[0]?.className).toBe('attention');
    expect(items[1]?.className).toBe('');
  });

  it('says how to attach evidence when there is none', () => {
    render(<ReleaseEvidenceList evidence={[]} />);
    expect(screen.getByText(/No evidence attached/)).toBeTruthy();
  });
});
