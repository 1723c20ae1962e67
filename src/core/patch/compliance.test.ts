import { describe, expect, it } from 'vitest';
import { complianceReport, DEFAULT_SLA_DAYS, type ComplianceRow } from './compliance.js';
import type { ExposureState, Severity } from './model.js';

const now = new Date('2024-10-01T00:00:00.000Z');
const critical = { id: 'DSA-1-1', severity: 'critical' as Severity, published: '2024-09-01T00:00:00.000Z' };
const critical2 = { id: 'DSA-2-1', severity: 'critical' as Severity, published: '2024-09-28T00:00:00.000Z' };
const high = { id: 'USN-3-1', severity: 'high' as Severity, published: '2024-06-01T00:00:00.000Z' };

function row(environment: string, target: string, advisory: ComplianceRow['advisory'], state: ExposureState, firstSeenAt: string | null = null): ComplianceRow {
  return { environment, target, advisory, state, firstSeenAt };
}

describe('complianceReport', () => {
  it('counts targets per environment and severity, with unknown its own bucket', () => {
    const report = complianceReport(
      [
        row('production', 'web-1', critical, 'fixed'),
        row('production', 'web-1', critical2, 'not_affected'),
        row('production', 'web-2', critical, 'affected_fix_available'),
        row('production', 'web-2', critical2, 'unknown'),
        row('production', 'web-3', critical, 'unknown'),
        row('production', 'web-3', critical2, 'not_affected'),
        row('production', 'web-4', critical, 'not_affected'),
        row('production', 'web-4', critical2, 'affected_no_fix'),
        row('production', 'web-1', high, 'unknown'),
        row('production', 'web-2', high, 'fixed'),
        row('staging', 'stage-1', critical, 'not_affected'),
      ],
      DEFAULT_SLA_DAYS,
      now,
    );
    expect(report.environments.map((environment) => environment.environment)).toEqual(['production', 'staging']);
    const production = report.environments[0]!;
    // web-1 compliant; web-2 and web-4 non-compliant (affected beats unknown); web-3 unknown.
    expect(production.severities.critical).toEqual({ total: 4, compliant: 1, noncompliant: 2, unknown: 1, compliantPercent: 25, noncompliantPercent: 50, unknownPercent: 25 });
    expect(production.severities.high).toEqual({ total: 2, compliant: 1, noncompliant: 0, unknown: 1, compliantPercent: 50, noncompliantPercent: 0, unknownPercent: 50 });
    expect(production.severities.medium).toEqual({ total: 0, compliant: 0, noncompliant: 0, unknown: 0, compliantPercent: null, noncompliantPercent: null, unknownPercent: null });
    // Overall: web-1 has an unknown high: unknown, not compliant.
    expect(production.overall).toMatchObject({ total: 4, compliant: 0, noncompliant: 2, unknown: 2, compliantPercent: 0 });
    expect(report.environments[1]!.severities.critical).toMatchObject({ total: 1, compliant: 1, compliantPercent: 100 });
  });

  it('rounds percentages to one decimal', () => {
    const report = complianceReport(
      [row('p', 'a', high, 'fixed'), row('p', 'b', high, 'unknown'), row('p', 'c', high, 'unknown')],
      DEFAULT_SLA_DAYS,
      now,
    );
    expect(report.environments[0]!.severities.high).toMatchObject({ compliantPercent: 33.3, unknownPercent: 66.7 });
  });

  it('lists affected pairs past the SLA, counted from publication or first sighting when later', () => {
    const report = complianceReport(
      [
        // Critical, published 30 days ago: 7-day SLA → 23 days overdue.
        row('production', 'web-2', critical, 'affected_fix_available'),
        // Critical published 3 days ago: within the SLA.
        row('production', 'web-4', critical2, 'affected_no_fix'),
        // High, published 122 days ago but first seen 20 days ago: within 30 days.
        row('production', 'web-5', high, 'affected_fix_available', '2024-09-11T00:00:00.000Z'),
        // High, first seen before publication: publication counts → 92 days overdue.
        row('staging', 'stage-1', high, 'affected_no_fix', '2024-01-01T00:00:00.000Z'),
        // Fixed or unknown is never overdue.
        row('production', 'web-1', critical, 'fixed'),
        row('production', 'web-3', critical, 'unknown'),
        // Unknown severity has no SLA; no dates means no deadline.
        row('production', 'web-6', { id: 'X-1', severity: 'unknown', published: '2020-01-01T00:00:00.000Z' }, 'affected_no_fix'),
        row('production', 'web-7', { id: 'X-2', severity: 'low', published: null }, 'affected_no_fix'),
      ],
      DEFAULT_SLA_DAYS,
      now,
    );
    expect(report.overdue).toEqual([
      {
        environment: 'staging',
        target: 'stage-1',
        advisory: 'USN-3-1',
        severity: 'high',
        state: 'affected_no_fix',
        since: '2024-06-01T00:00:00.000Z',
        dueAt: '2024-07-01T00:00:00.000Z',
        daysOverdue: 92,
      },
      {
        environment: 'production',
        target: 'web-2',
        advisory: 'DSA-1-1',
        severity: 'critical',
        state: 'affected_fix_available',
        since: '2024-09-01T00:00:00.000Z',
        dueAt: '2024-09-08T00:00:00.000Z',
        daysOverdue: 23,
      },
    ]);
  });

  it('follows the SLA it is given', () => {
    const sla = { ...DEFAULT_SLA_DAYS, critical: 60 };
    const report = complianceReport([row('production', 'web-2', critical, 'affected_fix_available')], sla, now);
    expect(report.overdue).toEqual([]);
    expect(report.sla.critical).toBe(60);
    expect(report.generatedAt).toBe('2024-10-01T00:00:00.000Z');
  });

  it('is empty without rows', () => {
    expect(complianceReport([], DEFAULT_SLA_DAYS, now)).toEqual({ generatedAt: now.toISOString(), sla: DEFAULT_SLA_DAYS, environments: [], overdue: [] });
  });

  it('has the documented default SLA', () => {
    expect(DEFAULT_SLA_DAYS).toEqual({ critical: 7, high: 30, medium: 90, low: 180, unknown: null });
  });
});
