import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AgentTokenDto } from '../../src/protocol/api.js';
import type { PolicyResultsDto } from '../../src/protocol/policies-api.js';
import { captureIo } from '../cli/fake-server.js';
import { startAgent, waitForTarget } from '../support/agent-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

/**
 * File and service rules (issue 9) need a look at the machine: the server asks each target over
 * its own transport — a real agent, and a local target it probed itself — about exactly what the
 * policies name (existence, mode, owner, a line matching a pattern; a running service), and the
 * policies pass or fail on the answers with the reason in words. A change on the machine shows at
 * the next check.
 */
for (const dialect of DIALECTS) describe(`compliance policies on files and services, looked at on the targets (store: ${dialect})`, () => {
  let gantry: TestGantry;
  let database: TestDatabase;
  let config: string;
  let stopAgent: () => void = () => undefined;
  let service: ChildProcess | undefined;

  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };
  const results = async () => (await gantry.api<PolicyResultsDto>('GET', '/policies/results')).body.results;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    // The "service": a process of a known name, running for the test's length.
    service = spawn('sleep', ['600'], { stdio: 'ignore' });
    config = join(mkdtempSync(join(tmpdir(), 'gantry-policy-files-')), 'sshd_config');
    writeFileSync(config, '# hardened\nPermitRootLogin no\n');
    chmodSync(config, 0o600);
    await gantry.apply('app: fleet\nenvironments:\n  - { name: production, targets: { role: edge } }\nstrategy: { type: allAtOnce }\n');
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { role: 'edge' } })).body;
    const agent = startAgent(gantry, ['--enrol', token, '--dir', mkdtempSync(join(tmpdir(), 'gantry-agent-dir-')), '--name', 'edge-1']);
    stopAgent = () => agent.child.kill('SIGKILL');
    await waitForTarget(gantry, 'edge-1', (target) => target.online === true && target.facts !== null);
    await gantry.addTarget({ name: 'edge-2', labels: { role: 'edge' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-policy-local-')) } });
    expect((await cli('target', 'probe', 'edge-2')).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    service?.kill('SIGKILL');
    stopAgent();
    await gantry?.close();
    await database?.drop();
  });

  it('passes and fails file and service rules from what each target says, with the reasons', async () => {
    const applied = await gantry.api('PUT', '/policies/ssh-hardened', {
      rules: [
        { file: { path: config, mode: '0600', owner: 'root', contains: '^PermitRootLogin no$' } },
        { file: { path: '/etc/gantry-test-no-such-file', exists: false } },
        // The test's own sleep process runs on the same machine, whichever way it is reached.
        { service: { name: 'sleep' } },
      ],
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    expect((await gantry.api('PUT', '/policies/needs-daemon', { rules: [{ service: { name: 'gantry-no-such-daemon' } }, { file: { path: config, contains: '^PermitRootLogin yes' } }] })).status).toBe(201);

    // Applying looked at both targets already: the agent answered for edge-1, the server itself for edge-2.
    for (const target of ['edge-1', 'edge-2']) {
      const rows = (await results()).filter((row) => row.target === target);
      expect(rows.find((row) => row.policy === 'ssh-hardened'), target).toMatchObject({ state: 'pass', reasons: [] });
      expect(rows.find((row) => row.policy === 'needs-daemon'), target).toMatchObject({
        state: 'fail',
        reasons: ['service gantry-no-such-daemon is not running', `file ${config}: no line matches /^PermitRootLogin yes/`],
      });
    }

    // The machine changes; the next check sees it.
    chmodSync(config, 0o644);
    const checked = await cli('policy', 'check');
    expect(checked.code, checked.err).toBe(0);
    expect(checked.out).toMatch(/edge-1\s+yes/);
    const after = await results();
    for (const target of ['edge-1', 'edge-2']) {
      expect(after.find((row) => row.target === target && row.policy === 'ssh-hardened')).toMatchObject({ state: 'fail', reasons: [`file ${config}: its mode is 0644, not 0600`] });
    }
    expect((await cli('policy', 'list')).out).toContain(`file ${config} (mode 0600, owner root, contains /^PermitRootLogin no$/)`);
  });

  it('keeps a target it cannot reach at its last answers, and says why', async () => {
    stopAgent();
    await waitForTarget(gantry, 'edge-1', (target) => target.online === false);
    const checked = await cli('policy', 'check', '--target', 'edge-1');
    expect(checked.code).toBe(1);
    expect(checked.out).toMatch(/edge-1\s+no: /);
    expect((await results()).find((row) => row.target === 'edge-1' && row.policy === 'ssh-hardened')?.state).toBe('fail');
  });

  it('refuses a rule it cannot check as written, naming the field, and stores nothing', async () => {
    const bad = await gantry.api<{ code: string; detail: string }>('PUT', '/policies/bad-file', { rules: [{ file: { path: 'relative/path', mode: '644x' } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/rules\.0\.file\.path: path must be an absolute file path/);
    const unquoted = await gantry.api<{ code: string; detail: string }>('PUT', '/policies/bad-mode', { rules: [{ file: { path: '/etc/passwd', mode: 644 } }] });
    expect(unquoted.body.detail).toMatch(/mode must be a quoted octal string/);
    expect((await gantry.api('GET', '/policies/bad-file')).status).toBe(404);
  });
});
