import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentTokenDto, TargetDto } from '../../src/protocol/api.js';
import { startAgent, waitForTarget } from '../support/agent-process.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

describe('the gantry agent process against a real server', () => {
  let gantry: TestGantry;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    gantry = await startTestGantry({ env: { GANTRY_AGENT_HEARTBEAT_MS: '300' } });
  });
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await gantry?.close();
  });

  const target = (name: string, until: (target: TargetDto) => boolean) => waitForTarget(gantry, name, until);

  it('enrols, comes online with its facts, refuses a reused token, and stops when revoked', async () => {
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { role: 'edge' } })).body;
    const dir = mkdtempSync(join(tmpdir(), 'gantry-agent-dir-'));
    const agent = startAgent(gantry, ['--enrol', token, '--dir', dir, '--name', 'edge-9', '--label', 'zone=b']);
    running.push(agent.child);
    const online = await target('edge-9', (t) => t.online === true && t.facts !== null);
    expect(online).toMatchObject({ transport: 'agent', labels: { role: 'edge', zone: 'b' }, revoked: false });
    expect(online.facts?.packages.length).toBeGreaterThan(0);
    expect(statSync(join(dir, 'agent.key')).mode & 0o777).toBe(0o600);

    const reuse = startAgent(gantry, ['--enrol', token, '--dir', mkdtempSync(join(tmpdir(), 'gantry-agent-dir-')), '--name', 'edge-10']);
    running.push(reuse.child);
    expect(await reuse.exited).toBe(5);
    expect(reuse.output()).toContain('ENROLMENT_TOKEN_INVALID');
    expect(reuse.output()).not.toContain(token);

    expect((await gantry.api('POST', '/agents/edge-9/revoke')).status).toBe(200);
    expect(await agent.exited).toBe(5);
    expect((await target('edge-9', () => true)).online).toBe(false);
    expect(agent.output()).not.toContain(token);
  });

  it('starts again from its directory, without a token, as the same agent', async () => {
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', {})).body;
    const dir = mkdtempSync(join(tmpdir(), 'gantry-agent-dir-'));
    const first = startAgent(gantry, ['--enrol', token, '--dir', dir, '--name', 'edge-11']);
    running.push(first.child);
    await target('edge-11', (t) => t.online === true);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect((await target('edge-11', (t) => t.online === false)).lastSeenAt).not.toBeNull();
    const again = startAgent(gantry, ['--dir', dir]);
    running.push(again.child);
    await target('edge-11', (t) => t.online === true);
    // One agent per directory: a second one would take the first one's commands for interrupted.
    const twin = startAgent(gantry, ['--dir', dir]);
    running.push(twin.child);
    expect(await twin.exited).toBe(2);
    expect(twin.output()).toContain(`error[AGENT_DIR_IN_USE]: another gantry agent (pid ${again.child.pid}) is running with ${dir}`);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
