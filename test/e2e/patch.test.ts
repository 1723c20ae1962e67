import { execFileSync, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AgentTokenDto } from '../../src/protocol/api.js';
import type { ComplianceDto, ExposureRowDto, ImportAdvisoriesResponseDto } from '../../src/protocol/patch-api.js';
import { captureIo } from '../cli/fake-server.js';
import { startAgent, waitForTarget } from '../support/agent-process.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

/**
 * Patch management against real facts (issue 9): an agent on this Debian machine reports what
 * dpkg-query lists; OSV advisories written for the test in the real schema name packages really
 * installed here, with fixed versions above, at and without a fix for what is installed, and the
 * exposure, compliance and the CLI report each as it is. A target that reports nothing is unknown.
 */
const osRelease = (key: string) => execFileSync('sh', ['-c', `. /etc/os-release && printf %s "$${key}"`], { encoding: 'utf8' });
const installed = (name: string) => execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
const sourceOf = (name: string) => execFileSync('dpkg-query', ['-W', '-f', '${source:Package}', name], { encoding: 'utf8' });

function osv(id: string, ecosystem: string, name: string, events: Record<string, string>[], extra: Record<string, unknown> = {}) {
  return { schema_version: '1.6.0', id, modified: '2026-11-01T00:00:00Z', published: '2026-10-01T00:00:00Z', summary: `${name} problem`, affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }], ...extra };
}

describe('patch exposure from a real agent’s dpkg facts', () => {
  let gantry: TestGantry;
  const running: ChildProcess[] = [];
  let ecosystem: string;

  beforeAll(async () => {
    gantry = await startTestGantry();
    ecosystem = `${osRelease('ID') === 'ubuntu' ? 'Ubuntu' : 'Debian'}:${osRelease('VERSION_ID')}`;
    await gantry.apply('app: fleet\nenvironments:\n  - { name: production, targets: { role: edge } }\nstrategy: { type: allAtOnce }\n');
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { role: 'edge' } })).body;
    const agent = startAgent(gantry, ['--enrol', token, '--dir', mkdtempSync(join(tmpdir(), 'gantry-agent-dir-')), '--name', 'edge-1']);
    running.push(agent.child);
    await waitForTarget(gantry, 'edge-1', (target) => target.online === true && target.facts !== null);
    // A local target reports no facts: unknown, never compliant.
    await gantry.addTarget({ name: 'edge-2', labels: { role: 'edge' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-patch-')) } });
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await gantry?.close();
  });

  it('imports OSV advisories and reports each target against them, from what dpkg really lists', async () => {
    const bash = installed('bash');
    const libssl = installed('libssl3');
    const dir = mkdtempSync(join(tmpdir(), 'gantry-osv-'));
    mkdirSync(join(dir, 'feed'));
    // Fixed in a later version than installed: affected, and a fix exists.
    writeFileSync(join(dir, 'feed', 'dsa-1.json'), JSON.stringify(osv('DSA-9001-1', ecosystem, 'bash', [{ introduced: '0' }, { fixed: `${bash}+patch1` }], { aliases: ['CVE-2026-0001'], severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] })));
    // Named by its source package (openssl), fixed at what is installed: fixed.
    writeFileSync(join(dir, 'feed', 'dsa-2.json'), JSON.stringify(osv('DSA-9002-1', ecosystem, sourceOf('libssl3'), [{ introduced: '0' }, { fixed: libssl }])));
    // No fix yet.
    writeFileSync(join(dir, 'feed', 'dsa-3.json'), JSON.stringify(osv('DSA-9003-1', ecosystem, 'bash', [{ introduced: '0' }])));
    // Another distribution: not this machine's concern.
    writeFileSync(join(dir, 'feed', 'usn-4.json'), JSON.stringify(osv('ALSA-9004', 'AlmaLinux:9', 'bash', [{ introduced: '0' }, { fixed: '99' }])));

    const imported = await gantry.api<ImportAdvisoriesResponseDto>('POST', '/advisories', {
      advisories: ['dsa-1', 'dsa-2', 'dsa-3', 'usn-4'].map((name) => ({ where: `${name}.json`, record: JSON.parse(readFileSync(join(dir, 'feed', `${name}.json`), 'utf8')) as unknown })),
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.created.sort()).toEqual(['ALSA-9004', 'DSA-9001-1', 'DSA-9002-1', 'DSA-9003-1']);

    const exposure = (await gantry.api<{ exposure: ExposureRowDto[] }>('GET', '/patch/exposure?environment=production')).body.exposure;
    const stateOf = (target: string, advisory: string) => exposure.find((row) => row.target === target && row.advisory === advisory)?.state;
    expect(stateOf('edge-1', 'DSA-9001-1')).toBe('affected_fix_available');
    expect(exposure.find((row) => row.target === 'edge-1' && row.advisory === 'DSA-9001-1')?.packages).toEqual([{ name: 'bash', installed: bash, fixedIn: `${bash}+patch1` }]);
    expect(stateOf('edge-1', 'DSA-9002-1')).toBe('fixed');
    expect(stateOf('edge-1', 'DSA-9003-1')).toBe('affected_no_fix');
    expect(stateOf('edge-1', 'ALSA-9004')).toBeUndefined();
    expect(stateOf('edge-2', 'DSA-9001-1')).toBe('unknown');

    // Compliance: edge-1 is affected by the critical advisory, edge-2 unknown; neither is compliant.
    const compliance = (await gantry.api<ComplianceDto>('GET', '/patch/compliance')).body;
    const production = compliance.environments.find((row) => row.environment === 'production')!;
    expect(production.severities.critical).toMatchObject({ total: 2, compliant: 0, noncompliant: 1, unknown: 1, unknownPercent: 50 });
    // Published long ago (2026-10-01) with a 7-day SLA, but first seen affected just now: the SLA counts from then, not overdue yet.
    const firstSeenAt = exposure.find((row) => row.target === 'edge-1' && row.advisory === 'DSA-9001-1')?.firstSeenAt;
    expect(Date.now() - Date.parse(firstSeenAt ?? '')).toBeLessThan(10 * 60_000);
    expect(exposure.find((row) => row.target === 'edge-1' && row.advisory === 'DSA-9002-1')?.firstSeenAt).toBeNull();
    expect(compliance.overdue.map((row) => [row.target, row.advisory])).not.toContainEqual(['edge-1', 'DSA-9001-1']);
    // Seen affected since 2026-10-02: overdue, counted from then.
    const db = new Database(join(gantry.dataDir, 'gantry.db'));
    try {
      expect(db.prepare("UPDATE exposure_sightings SET first_seen_at = '2026-10-02T00:00:00.000Z' WHERE target = 'edge-1' AND advisory = 'DSA-9001-1'").run().changes).toBe(1);
    } finally {
      db.close();
    }
    const overdue = (await gantry.api<ComplianceDto>('GET', '/patch/compliance')).body.overdue.find((row) => row.target === 'edge-1' && row.advisory === 'DSA-9001-1');
    expect(overdue).toMatchObject({ since: '2026-10-02T00:00:00.000Z', dueAt: '2026-10-09T00:00:00.000Z' });

    // The CLI: a folder import changes nothing the second time, and the exposure table says the same.
    const cli = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
      return { code, out: io.out(), err: io.err() };
    };
    const again = await cli('advisories', 'import', join(dir, 'feed'));
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('imported 4 advisories: 0 new, 0 updated, 4 unchanged');
    const table = await cli('patch', 'exposure', 'production');
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/edge-1\s+production\s+DSA-9001-1\s+critical\s+affected_fix_available/);
    const status = await cli('patch', 'status');
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/production\s+critical\s+2\s+0%\s+50%\s+50%/);
    expect(status.out).toContain('past the deadline');
  });

  it('refuses a malformed advisory and stores none of the batch', async () => {
    const answer = await gantry.api<{ code: string; detail: string }>('POST', '/advisories', {
      advisories: [
        { where: 'good.json', record: osv('DSA-9100-1', ecosystem, 'bash', [{ introduced: '0' }]) },
        { where: 'bad.json', record: { id: 'DSA-9101-1', affected: 'nope' } },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toContain('bad.json');
    const list = (await gantry.api<{ advisories: { id: string }[] }>('GET', '/advisories')).body.advisories.map((advisory) => advisory.id);
    expect(list).not.toContain('DSA-9100-1');
  });
});
