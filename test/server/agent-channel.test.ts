import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../src/protocol/agent.js';
import type { AuditRecord } from '../../src/core/audit/audit-chain.js';
import type { AgentTokenDto, FactChangeDto, ProblemDto, TargetDto } from '../../src/protocol/api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { connectHandAgent, keyPair } from '../support/hand-agent.js';

const FACTS: Facts = {
  hostname: 'edge-1',
  os: { name: 'Debian GNU/Linux', version: '12' },
  kernel: '6.1.0',
  architecture: 'x64',
  cpus: 2,
  memoryBytes: 1024,
  disks: [{ mount: '/', sizeBytes: 100, freeBytes: 50 }],
  addresses: ['127.0.0.1'],
  packages: [{ name: 'openssl', version: '3.0.11' }],
  agentVersion: '0.1.0',
  uptimeSeconds: 5,
};

const connect = connectHandAgent;

describe('the agent channel', () => {
  let gantry: TestGantry;
  const agent = keyPair();
  let token: string;

  beforeAll(async () => {
    gantry = await startTestGantry();
    token = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { role: 'edge' }, expiresInSeconds: 600 })).body.token;
  });
  afterAll(async () => gantry?.close());

  /** The audit records of refused agent handshakes, oldest first. */
  const handshakeRefusals = async () =>
    (await gantry.api<{ records: AuditRecord[] }>('GET', `/audit?action=${encodeURIComponent('agent connect')}`)).body.records;

  const enrol = (body: unknown) => fetch(`${gantry.url}/api/v1/agents/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('enrols once per token; the token labels win over the agent labels', async () => {
    const first = await enrol({ token, name: 'edge-1', publicKey: agent.publicKey, root: '/srv/agent', labels: { role: 'mine', zone: 'a' } });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ name: 'edge-1', labels: { role: 'edge', zone: 'a' } });
    const again = await enrol({ token, name: 'edge-2', publicKey: keyPair().publicKey, root: '/srv/agent' });
    expect(again.status).toBe(401);
    expect(((await again.json()) as ProblemDto).code).toBe('ENROLMENT_TOKEN_INVALID');
  });

  it('keeps a token unused when the name is taken', async () => {
    const fresh = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', {})).body.token;
    expect((await enrol({ token: fresh, name: 'edge-1', publicKey: keyPair().publicKey, root: '/srv/agent' })).status).toBe(409);
    expect((await enrol({ token: fresh, name: 'edge-3', publicKey: keyPair().publicKey, root: '/srv/agent' })).status).toBe(201);
  });

  it('refuses an expired token', async () => {
    const short = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { expiresInSeconds: 60 })).body;
    expect(Date.parse(short.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await gantry.api<ProblemDto>('POST', '/agent-tokens', { expiresInSeconds: 1 })).status).toBe(400);
  });

  it('lets the agent in by its signature, shows it online with its facts, and records what changed', async () => {
    const { socket, welcome } = await connect(gantry, 'edge-1', agent.privateKey);
    expect(await welcome).toMatchObject({ type: 'welcome', name: 'edge-1' });
    socket.send(JSON.stringify({ type: 'facts', facts: FACTS }));
    socket.send(JSON.stringify({ type: 'facts', facts: { ...FACTS, packages: [{ name: 'openssl', version: '3.0.15' }], uptimeSeconds: 50 } }));
    let shown: TargetDto | undefined;
    for (let i = 0; i < 100; i++) {
      shown = (await gantry.api<TargetDto>('GET', '/targets/edge-1')).body;
      if (shown.facts?.packages[0]?.version === '3.0.15') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(shown).toMatchObject({ transport: 'agent', online: true, revoked: false, labels: { role: 'edge', zone: 'a' }, facts: { hostname: 'edge-1' } });
    const history = (await gantry.api<{ changes: FactChangeDto[] }>('GET', '/targets/edge-1/facts/history')).body.changes;
    expect(history[0]?.changes).toEqual([{ path: 'packages.openssl', from: '3.0.11', to: '3.0.15' }]);
    socket.close();
  });

  it('refuses a signature made with another key, and an unknown agent', async () => {
    const impostor = await connect(gantry, 'edge-1', keyPair().privateKey);
    expect(await impostor.closed).toBe(4401);
    const stranger = await connect(gantry, 'nobody', keyPair().privateKey);
    expect(await stranger.closed).toBe(4401);
    // Both audited (written before the socket closes), with the name claimed and the address.
    expect(await handshakeRefusals()).toEqual([
      expect.objectContaining({ actor: 'anonymous', action: 'agent connect', resource: '/agents/edge-1', address: '127.0.0.1', outcome: 'refused: bad signature', details: expect.objectContaining({ agent: 'edge-1' }) }),
      expect.objectContaining({ actor: 'anonymous', resource: '/agents/nobody', address: '127.0.0.1', outcome: 'refused: unknown agent', details: expect.objectContaining({ agent: 'nobody' }) }),
    ]);
  });

  it('drops a revoked agent at once and refuses it afterwards', async () => {
    const { welcome, closed } = await connect(gantry, 'edge-1', agent.privateKey);
    await welcome;
    const revoked = await gantry.api<TargetDto>('POST', '/agents/edge-1/revoke');
    expect(revoked.body.revoked).toBe(true);
    expect(await closed).toBe(4403);
    expect((await gantry.api<TargetDto>('GET', '/targets/edge-1')).body.online).toBe(false);
    const retry = await connect(gantry, 'edge-1', agent.privateKey);
    expect(await retry.closed).toBe(4403);
    expect((await handshakeRefusals()).at(-1)).toMatchObject({ resource: '/agents/edge-1', address: '127.0.0.1', outcome: 'refused: revoked agent' });
    expect((await gantry.api<{ ok: boolean }>('GET', '/audit/verify')).body.ok).toBe(true);
  });

  it('fails a deployment step on a revoked agent with a clear reason, touching nothing', async () => {
    await gantry.apply('app: a\nenvironments: [{ name: e, targets: { role: edge } }]\n');
    const { makeBuildDir } = await import('../support/release-dirs.js');
    await gantry.release('a', '1', makeBuildDir({ x: '' }));
    const detail = await gantry.waitFor((await gantry.deploy('a', '1', 'e')).deployment.id);
    expect(detail.deployment.state).toBe('rolled_back');
    expect(detail.tasks[0]?.error).toMatchObject({ code: 'TARGET_UNREACHABLE', message: 'agent edge-1 was revoked' });
  });
});
