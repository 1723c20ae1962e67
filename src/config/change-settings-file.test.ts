import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHANGE_SETTINGS } from '../core/change/change-settings.js';
import { selectApprovalPolicy } from '../core/change/approval-policy.js';
import { loadChangeSettings } from './change-settings-file.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-change-settings-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('the change settings file', () => {
  it('without a file, has a deliberate default policy: emergency group, cab for high risk, approvers otherwise', async () => {
    const settings = await loadChangeSettings(undefined);
    expect(settings).toBe(DEFAULT_CHANGE_SETTINGS);
    const policy = (risk: 'low' | 'high', changeType: 'normal' | 'emergency') => selectApprovalPolicy(settings.approvals, { environment: 'production', risk, changeType }).name;
    expect([policy('low', 'normal'), policy('high', 'normal'), policy('high', 'emergency')]).toEqual(['peer review', 'cab', 'emergency']);
    expect(settings.standard.requiredStreak).toBe(3);
    expect(settings.windowEnd).toBe('halt');
    expect(settings.risk.thresholds).toEqual({ moderate: 6, high: 10, very_high: 15 });
  });

  it('reads what the file says and keeps the defaults for the rest', async () => {
    const settings = await loadChangeSettings(
      file('ok.yaml', 'windowEnd: rollback\nstandard: { requiredStreak: 5 }\nrisk: { thresholds: { high: 12 } }\napprovals:\n  rules: []\n  otherwise: { name: two-eyes, requirements: [{ group: ops, count: 1 }] }\n'),
    );
    expect(settings.windowEnd).toBe('rollback');
    expect(settings.standard.requiredStreak).toBe(5);
    expect(settings.risk.thresholds).toEqual({ moderate: 6, high: 12, very_high: 15 });
    expect(settings.approvals).toEqual({ rules: [], otherwise: { name: 'two-eyes', requirements: [{ group: 'ops', count: 1 }] } });
  });

  it('names the file and the field of a mistake', async () => {
    await expect(loadChangeSettings(file('typo.yaml', 'windowEnd: rollback\napprovls: {}\n'))).rejects.toMatchObject({ code: 'REQUEST_INVALID', message: expect.stringMatching(/typo\.yaml: \(top level\): Unrecognized key.*approvls/) });
    await expect(loadChangeSettings(file('count.yaml', 'approvals:\n  rules: [{ policy: { name: x, requirements: [{ group: cab, count: 0 }] } }]\n  otherwise: { name: y, requirements: [] }\n'))).rejects.toMatchObject({
      message: expect.stringContaining('approvals.rules.0.policy.requirements.0.count'),
    });
    await expect(loadChangeSettings(file('bad.yaml', 'approvals: [\n'))).rejects.toMatchObject({ code: 'REQUEST_INVALID', message: expect.stringContaining('is not valid YAML') });
    await expect(loadChangeSettings(join(dir, 'missing.yaml'))).rejects.toMatchObject({ message: expect.stringContaining('ENOENT') });
  });
});
