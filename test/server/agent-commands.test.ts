/**
 * The server's side of deployment steps on agents, checked on the wire: results are accepted
 * once, only with the right fencing token and session; commands are redelivered after a
 * reconnect with the same id.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit/audit-chain.js';
import type { CommandResult } from '../../src/protocol/agent.js';
import type { AgentTokenDto } from '../../src/protocol/api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { connectHandAgent, keyPair, type HandAgent } from '../support/hand-agent.js';
import { makeBuildDir } from '../support/release-dirs.js';

const ok = (stdout = ''): CommandResult => ({ exitCode: 0, exitSignal: null, stdout, stderr: '', timedOut: false, cancelled: false, interrupted: false });

describe('deployment commands on the agent channel', () => {
  let gantry: TestGantry;
  const key = keyPair();

  beforeAll(async () => {
    gantry = await startTestGantry({ env: { GANTRY_AGENT_HEARTBEAT_MS: '300', GANTRY_AGENT_OFFLINE_MS: '5000' } });
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { role: 'probe' } })).body;
    const enrolled = await fetch(`${gantry.url}/api/v1/agents/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'probe-1', publicKey: key.publicKey, root: mkdtempSync(join(tmpdir(), 'gantry-probe-')) }),
    });
    expect(enrolled.status).toBe(201);
    await gantry.apply('app: probe\nenvironments:\n  - { name: p, targets: { role: probe } }\n');
    await gantry.release('probe', '1.0', makeBuildDir({ 'index.html': 'v1' }));
  });
  afterAll(async () => gantry?.close());

  it('refuses stale, foreign and unknown results, ignores a replay, redelivers after a reconnect, and fails the step on a bad exit', async () => {
    let agent: HandAgent = await connectHandAgent(gantry, 'probe-1', key.privateKey);
    await agent.welcome;
    const { id } = (await gantry.deploy('probe', '1.0', 'p')).deployment;

    const first = await agent.next('run');
    expect(first.id).toBe(`${id}/probe-1/upload/1#1`);
    expect(first.token).toBeGreaterThan(0);
    const result = (overrides: object) => ({ type: 'result', id: first.id, token: first.token, session: agent.sessionId(), result: ok(), ...overrides });

    agent.send(result({ token: first.token + 1 }));
    expect((await agent.next('refused')).reason).toContain('stale fencing token');
    agent.send(result({ session: 'another-session' }));
    expect((await agent.next('refused')).reason).toContain('not delivered on this session');
    agent.send(result({ id: 'made-up#1' }));
    expect((await agent.next('refused')).id).toBe('made-up#1');
    agent.send(result({}));
    expect(await agent.next('ack')).toEqual({ type: 'ack', id: first.id, duplicate: false });
    agent.send(result({}));
    expect(await agent.next('ack')).toEqual({ type: 'ack', id: first.id, duplicate: true });
    // Each refusal and the replay are audited (before the answer is sent), as the agent, from its address.
    const audited = (await gantry.api<{ records: AuditRecord[] }>('GET', `/audit?action=${encodeURIComponent('agent result')}`)).body.records;
    const about = (command: string, outcome: string, reason?: string) =>
      expect.objectContaining({ actor: 'agent:probe-1', resource: `/agents/probe-1/commands/${command}`, address: '127.0.0.1', outcome, details: expect.objectContaining({ agent: 'probe-1', command, ...(reason ? { reason: expect.stringContaining(reason) } : {}) }) });
    expect(audited).toEqual([
      about(first.id, 'refused', 'stale fencing token'),
      about(first.id, 'refused', 'not delivered on this session'),
      about('made-up#1', 'refused', 'no step is waiting'),
      about(first.id, 'ignored: duplicate'),
    ]);

    // The next command is in flight when the connection drops: it comes again, same id, on the new session.
    const second = await agent.next('run');
    expect(second.id).toBe(`${id}/probe-1/upload/1#2`);
    const oldSession = agent.sessionId();
    agent.socket.terminate();
    agent = await connectHandAgent(gantry, 'probe-1', key.privateKey);
    await agent.welcome;
    const again = await agent.next('run');
    expect(again).toMatchObject({ id: second.id, token: second.token, script: second.script });
    // A result stamped with the session it was first delivered on is refused now.
    agent.send({ type: 'result', id: second.id, token: second.token, session: oldSession, result: ok('present') });
    expect((await agent.next('refused')).reason).toContain('not delivered on this session');

    agent.send({ type: 'result', id: second.id, token: second.token, session: agent.sessionId(), result: ok('missing') });
    expect((await agent.next('ack')).duplicate).toBe(false);

    // The upload: the archive streams in as stdin chunks, once.
    const upload = await agent.next('run');
    expect(upload).toMatchObject({ id: `${id}/probe-1/upload/1#3`, stdin: true, redelivered: false });
    const chunks: Buffer[] = [];
    for (;;) {
      const frame = await agent.next(['stdin', 'stdin-end']);
      if (frame.type === 'stdin-end') break;
      chunks.push(Buffer.from(frame.data, 'base64'));
    }
    const [release] = (await gantry.api<{ releases: { digest: string }[] }>('GET', '/applications/probe/releases')).body.releases;
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).toBe(release!.digest);
    // Redelivered after a reconnect without its input: an agent that has it running answers from its journal.
    agent.socket.terminate();
    agent = await connectHandAgent(gantry, 'probe-1', key.privateKey);
    await agent.welcome;
    expect(await agent.next('run')).toMatchObject({ id: upload.id, stdin: true, redelivered: true });
    await expect(agent.next('stdin', 300)).rejects.toThrow(/no stdin frame/);

    agent.send({ type: 'output', id: upload.id, token: upload.token, session: agent.sessionId(), stream: 'stderr', text: 'checking the disk\n' });
    agent.send({ type: 'result', id: upload.id, token: upload.token, session: agent.sessionId(), result: { ...ok(), exitCode: 1, stderr: 'no space left on device\n' } });
    expect((await agent.next('ack')).duplicate).toBe(false);
    expect((await gantry.api<{ ok: boolean }>('GET', '/audit/verify')).body.ok).toBe(true);
    const detail = await gantry.waitFor(id);
    expect(detail.deployment.state).toBe('rolled_back');
    expect(detail.tasks[0]?.error).toMatchObject({ code: 'STEP_FAILED', message: expect.stringContaining('no space left on device') });
    const logs = (await gantry.api<{ logs: { text: string }[] }>('GET', `/deployments/${id}/logs`)).body.logs;
    expect(logs.map((line) => line.text).join('')).toContain('checking the disk');
    agent.socket.close();
  });

  it('fails a step at once when its agent is revoked mid-step', async () => {
    const agent = await connectHandAgent(gantry, 'probe-1', key.privateKey);
    await agent.welcome;
    const { id } = (await gantry.deploy('probe', '1.0', 'p')).deployment;
    await agent.next('run');
    expect((await gantry.api('POST', '/agents/probe-1/revoke')).status).toBe(200);
    expect(await agent.closed).toBe(4403);
    const detail = await gantry.waitFor(id, 4000);
    expect(detail.tasks[0]?.error).toMatchObject({ code: 'TARGET_UNREACHABLE', message: expect.stringContaining('revoked') });
  });
});
