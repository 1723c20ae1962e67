import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AgentTokenDto } from '../../src/protocol/api.js';
import type { PolicyDto, PolicyHistoryDto, PolicyResultsDto } from '../../src/protocol/policies-api.js';
import { captureIo } from '../cli/fake-server.js';
import { startAgent, waitForTarget } from '../support/agent-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

/**
 * Endpoint compliance policies against real facts (issue 9): an agent on this machine reports
 * what dpkg-query lists, its version and its disks; policies written for the test pass and fail
 * on them as they are, with the reason; a target without facts is unknown, a policy whose selector
 * picks nothing is not applicable; compliance per environment keeps unknown apart; changing a
 * policy flips the result and the flip is in the history; facts arriving evaluate the policies.
 */
const installed = (name: string) => execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });

for (const dialect of DIALECTS) describe(`compliance policies on a real agent’s facts (store: ${dialect})`, () => {
  let gantry: TestGantry;
  let database: TestDatabase;
  const running: ChildProcess[] = [];

  const put = (name: string, body: unknown) => gantry.api<PolicyDto & { code?: string; detail?: string }>('PUT', `/policies/${name}`, body);
  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    await gantry.apply('app: fleet\nenvironments:\n  - { name: production, targets: { role: edge } }\n  - { name: staging, targets: { role: lab } }\nstrategy: { type: allAtOnce }\n');
    // Applied before the agent exists: its first facts evaluate it.
    expect((await put('early', { rules: [{ package: 'bash' }] })).status).toBe(201);
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { role: 'edge' } })).body;
    const agent = startAgent(gantry, ['--enrol', token, '--dir', mkdtempSync(join(tmpdir(), 'gantry-agent-dir-')), '--name', 'edge-1']);
    running.push(agent.child);
    await waitForTarget(gantry, 'edge-1', (target) => target.online === true && target.facts !== null);
    // Local targets report no facts: unknown, never passing.
    await gantry.addTarget({ name: 'edge-2', labels: { role: 'edge' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-policy-')) } });
    await gantry.addTarget({ name: 'lab-1', labels: { role: 'lab' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-policy-')) } });
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await gantry?.close();
    await database?.drop();
  });

  /** The flips as stored, read straight from the database (no request evaluates anything). */
  async function storedFlips(policy: string, target: string): Promise<{ target: string; from_state: string | null; to_state: string }[]> {
    const query = 'SELECT target, from_state, to_state FROM policy_flips WHERE policy = $1 AND target = $2 ORDER BY seq';
    if (database.postgresUrl) {
      const client = new pg.Client({ connectionString: database.postgresUrl });
      await client.connect();
      try {
        return (await client.query<{ target: string; from_state: string | null; to_state: string }>(query, [policy, target])).rows;
      } finally {
        await client.end();
      }
    }
    const db = new Database(join(gantry.dataDir, 'gantry.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(query.replace('$1', '?').replace('$2', '?')).all(policy, target) as { target: string; from_state: string | null; to_state: string }[];
    } finally {
      db.close();
    }
  }

  it('evaluates policies when facts arrive, before anyone asks', async () => {
    let flips: Awaited<ReturnType<typeof storedFlips>> = [];
    for (let attempt = 0; attempt < 50 && flips.length === 0; attempt++) {
      flips = await storedFlips('early', 'edge-1');
      if (flips.length === 0) await new Promise((done) => setTimeout(done, 100));
    }
    expect(flips).toEqual([{ target: 'edge-1', from_state: null, to_state: 'pass' }]);
    expect((await gantry.api('DELETE', '/policies/early')).status).toBe(204);
    expect((await gantry.api<{ code: string }>('DELETE', '/policies/early')).body.code).toBe('POLICY_NOT_FOUND');
  });

  it('reports each target against each policy with the reason, and compliance per environment', async () => {
    const bash = installed('bash');
    expect((await put('bash-installed', { description: 'bash is there', rules: [{ package: 'bash' }] })).status).toBe(201);
    expect((await put('no-bash', { name: 'no-bash', resolution: 'apt-get purge bash', rules: [{ package: 'bash', present: false }] })).status).toBe(201);
    expect((await put('agent-99', { rules: [{ agentVersion: { min: '99.0.0' } }] })).status).toBe(201);
    expect((await put('root-free', { rules: [{ diskFree: { mount: '/', minPercent: 0 } }] })).status).toBe(201);
    expect((await put('gpu-only', { targets: { gpu: 'yes' }, rules: [{ package: 'bash' }] })).status).toBe(201);
    // Applying again replaces: 200.
    expect((await put('bash-installed', { description: 'bash is installed', rules: [{ package: 'bash' }] })).status).toBe(200);
    const policies = (await gantry.api<{ policies: PolicyDto[] }>('GET', '/policies')).body.policies;
    expect(policies.map((policy) => policy.name)).toEqual(['agent-99', 'bash-installed', 'gpu-only', 'no-bash', 'root-free']);
    expect(policies.find((policy) => policy.name === 'no-bash')?.rules).toEqual([{ kind: 'package', name: 'bash', present: false, minVersion: null }]);

    const report = (await gantry.api<PolicyResultsDto>('GET', '/policies/results')).body;
    const result = (target: string, policy: string) => report.results.find((row) => row.target === target && row.policy === policy);
    expect(result('edge-1', 'bash-installed')).toMatchObject({ state: 'pass', reasons: [], environments: ['production'] });
    expect(result('edge-1', 'no-bash')).toMatchObject({ state: 'fail', reasons: [`package bash is installed (${bash}), it must not be`], resolution: 'apt-get purge bash' });
    expect(result('edge-1', 'agent-99')?.state).toBe('fail');
    expect(result('edge-1', 'agent-99')?.reasons[0]).toMatch(/^agent \S+ is older than 99\.0\.0$/);
    expect(result('edge-1', 'root-free')).toMatchObject({ state: 'pass', reasons: [] });
    expect(result('edge-1', 'gpu-only')?.state).toBe('not_applicable');
    expect(result('edge-2', 'bash-installed')).toMatchObject({ state: 'unknown', reasons: ['no facts reported in the last 7 days'] });
    expect(result('edge-2', 'gpu-only')?.state).toBe('not_applicable');

    // production: edge-1 passes 2 of 4, edge-2 is unknown on all 4 (gpu-only concerns neither).
    const production = report.environments.find((entry) => entry.environment === 'production')!;
    expect(production.overall).toEqual({ total: 8, pass: 2, fail: 2, unknown: 4, passPercent: 25, failPercent: 25, unknownPercent: 50 });
    expect(production.policies.find((entry) => entry.policy === 'bash-installed')).toMatchObject({ total: 2, pass: 1, unknown: 1, passPercent: 50, unknownPercent: 50 });
    expect(production.policies.find((entry) => entry.policy === 'gpu-only')).toMatchObject({ total: 0, passPercent: null });
    const staging = report.environments.find((entry) => entry.environment === 'staging')!;
    expect(staging.overall).toMatchObject({ total: 4, pass: 0, unknown: 4, passPercent: 0, unknownPercent: 100 });

    const onlyStaging = (await gantry.api<PolicyResultsDto>('GET', '/policies/results?environment=staging')).body;
    expect(new Set(onlyStaging.results.map((row) => row.target))).toEqual(new Set(['lab-1']));
    expect(onlyStaging.environments.map((entry) => entry.environment)).toEqual(['staging']);

    // Changed so that it passes: the flip is in the history, newest first.
    expect((await put('no-bash', { rules: [{ package: 'definitely-not-installed-xyz', present: false }] })).status).toBe(200);
    const history = (await gantry.api<PolicyHistoryDto>('GET', '/policies/no-bash/history')).body.flips;
    expect(history[0]).toMatchObject({ target: 'edge-1', from: 'fail', to: 'pass', reasons: [] });
    expect(history.filter((flip) => flip.target === 'edge-1').map((flip) => [flip.from, flip.to])).toEqual([
      ['fail', 'pass'],
      [null, 'fail'],
    ]);
    expect(history.filter((flip) => flip.target === 'edge-2').map((flip) => [flip.from, flip.to])).toEqual([[null, 'unknown']]);
    const after = (await gantry.api<PolicyResultsDto>('GET', '/policies/results?environment=production')).body;
    expect(after.results.find((row) => row.target === 'edge-1' && row.policy === 'no-bash')?.state).toBe('pass');
    expect(after.environments[0]?.overall).toMatchObject({ pass: 3, fail: 1, unknown: 4 });

    // The CLI says the same.
    const table = await cli('policy', 'results', 'production');
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/edge-1\s+production\s+agent-99\s+fail\s+\S+\s+agent \S+ is older than 99\.0\.0/);
    expect(table.out).toMatch(/edge-2\s+production\s+bash-installed\s+unknown/);
    expect(table.out).toMatch(/production\s+\(all\)\s+8\s+37\.5%\s+12\.5%\s+50%/);
    expect(table.out).not.toContain('gpu-only');
    const list = await cli('policy', 'list');
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/gpu-only\s+gpu=yes\s+package bash/);
    const flips = await cli('policy', 'history', 'no-bash');
    expect(flips.code, flips.err).toBe(0);
    expect(flips.out).toMatch(/edge-1\s+fail\s+pass/);
  });

  it('applies a policy file with the CLI, and refuses a bad one naming the field, storing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-policy-files-'));
    writeFileSync(join(dir, 'good.yaml'), 'name: from-file\ndescription: coreutils is there\ntargets: { role: edge }\nrules:\n  - package: coreutils\n  - diskFree: { mount: /, minPercent: 0 }\n');
    const applied = await cli('policy', 'apply', '-f', join(dir, 'good.yaml'));
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toContain('applied policy from-file (2 rules, targets role=edge)');
    const report = (await gantry.api<PolicyResultsDto>('GET', '/policies/results')).body;
    expect(report.results.find((row) => row.target === 'edge-1' && row.policy === 'from-file')?.state).toBe('pass');
    expect(report.results.find((row) => row.target === 'lab-1' && row.policy === 'from-file')?.state).toBe('not_applicable');

    writeFileSync(join(dir, 'bad.yaml'), 'name: bad-file\nrules:\n  - diskFree: { mount: /, minPercent: 140 }\n');
    const refused = await cli('policy', 'apply', '-f', join(dir, 'bad.yaml'));
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('minPercent');
    expect(refused.err).toContain('bad.yaml:3');

    // The server checks for itself, naming the field.
    const api = await put('bad-api', { rules: [{ agentVersion: { min: 'latest' } }] });
    expect(api.status).toBe(400);
    expect(api.body.code).toBe('REQUEST_INVALID');
    expect(api.body.detail).toContain('rules.0.agentVersion.min');
    const mismatch = await put('bad-api', { name: 'other', rules: [{ package: 'bash' }] });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.detail).toContain('name');
    const names = (await gantry.api<{ policies: PolicyDto[] }>('GET', '/policies')).body.policies.map((policy) => policy.name);
    expect(names).not.toContain('bad-file');
    expect(names).not.toContain('bad-api');
    expect((await gantry.api('GET', '/policies/bad-api/history')).status).toBe(404);
  });
});
