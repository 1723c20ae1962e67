/** The CLI side of agents: `gantry agent token create`, `gantry agent revoke`, and agents in `target list | show`. */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo, sendJson, sendProblem, startFakeServer, type FakeServer, type Handler } from '../cli/fake-server.js';

const NOW = new Date('2025-01-01T01:00:00.000Z');

const FACTS = {
  hostname: 'web-1',
  os: { name: 'Debian GNU/Linux', version: '12 (bookworm)' },
  kernel: '6.1.0-18-amd64',
  architecture: 'x86_64',
  cpus: 4,
  memoryBytes: 8 * 1024 ** 3,
  disks: [
    { mount: '/', sizeBytes: 40 * 1024 ** 3, freeBytes: 12 * 1024 ** 3 },
    { mount: '/data', sizeBytes: 100 * 1024 ** 3, freeBytes: 90 * 1024 ** 3 },
  ],
  addresses: ['192.0.2.10', 'fd00::10'],
  packages: [
    { name: 'bash', version: '5.2.15-2+b2' },
    { name: 'openssl', version: '3.0.11-1~deb12u2' },
  ],
  agentVersion: '0.1.0',
  uptimeSeconds: 3 * 86_400 + 4 * 3600 + 120,
};

function target(overrides: Record<string, unknown> = {}) {
  return {
    name: 'dev',
    transport: 'local',
    address: '/srv/dev',
    root: '/srv/dev',
    labels: {},
    hostKeySha256: null,
    online: null,
    lastSeenAt: null,
    revoked: false,
    facts: null,
    factsReportedAt: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const agentTarget = (overrides: Record<string, unknown> = {}) =>
  target({ name: 'web-1', transport: 'agent', address: 'agent', root: '', labels: { role: 'web' }, online: true, lastSeenAt: '2025-01-01T00:59:55.000Z', ...overrides });

describe('agent verbs', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function run(handler: Handler, ...args: string[]) {
    server = await startFakeServer(handler);
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args], { ...io, env: { GANTRY_URL: server.url, GANTRY_TOKEN: 't' }, now: () => NOW });
    return { code, out: io.out(), err: io.err(), requests: server.requests };
  }

  it('agent token create prints the token alone on stdout, its details on stderr', async () => {
    const dto = { token: 'gat_enrol_abc', labels: { role: 'web', env: 'staging' }, expiresAt: '2025-01-01T01:15:00.000Z', serverFingerprint: 'AB:CD' };
    const result = await run((_request, response) => sendJson(response, 201, dto), 'agent', 'token', 'create', '--label', 'role=web', '--label', 'env=staging', '--expires', '15m');
    expect(result.code).toBe(0);
    expect(result.out).toBe('gat_enrol_abc\n');
    expect(result.err).toContain('one-time enrolment token, expires 2025-01-01T01:15:00.000Z, labels role=web,env=staging');
    expect(result.err).toContain('gantry agent --server URL --dir /var/lib/gantry-agent --server-fingerprint AB:CD');
    expect(result.requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/agent-tokens' });
    expect(result.requests[0]?.headers.authorization).toBe('Bearer t');
    expect(JSON.parse(result.requests[0]!.body.toString())).toEqual({ labels: { role: 'web', env: 'staging' }, expiresInSeconds: 900 });
  });

  it('agent token create --json prints the DTO; without --expires the server default applies', async () => {
    const dto = { token: 'gat_enrol_abc', labels: {}, expiresAt: '2025-01-01T02:00:00.000Z', serverFingerprint: null };
    const result = await run((_request, response) => sendJson(response, 201, dto), 'agent', 'token', 'create', '--json');
    expect(JSON.parse(result.out)).toEqual(dto);
    expect(JSON.parse(result.requests[0]!.body.toString())).toEqual({ labels: {} });
  });

  it('agent token create refuses a bad --expires without contacting the server', async () => {
    for (const expires of ['10s', '31d', 'soon', '721h']) {
      const result = await run((_request, response) => sendJson(response, 201, {}), 'agent', 'token', 'create', '--expires', expires);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/^error\[REQUEST_INVALID\]: --expires ".*" must be a duration from 60s to 720h/);
      expect(result.requests).toHaveLength(0);
      await server?.close();
      server = undefined;
    }
  });

  it('agent revoke posts to the revoke route', async () => {
    const result = await run((_request, response) => sendJson(response, 200, agentTarget({ revoked: true, online: false })), 'agent', 'revoke', 'web-1');
    expect(result.code).toBe(0);
    expect(result.requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/agents/web-1/revoke' });
    expect(result.out).toBe('revoked agent web-1: it is refused from now on and its session, if any, is dropped\n');
  });

  it('agent revoke of an unknown target exits 3', async () => {
    const result = await run((_request, response) => sendProblem(response, 404, 'TARGET_NOT_FOUND', 'no target named web-9'), 'agent', 'revoke', 'web-9');
    expect(result.code).toBe(3);
    expect(result.err).toBe('error[TARGET_NOT_FOUND]: no target named web-9\n');
  });

  it('gantry agent without --server or --dir is a usage error', async () => {
    const io = captureIo();
    expect(await main(['node', 'gantry', 'agent', '--dir', '/tmp/x'], { ...io, env: {} })).toBe(2);
    expect(io.err()).toBe("error[REQUEST_INVALID]: required option '--server <url>' not specified (see `gantry agent --help`)\n");
    const io2 = captureIo();
    expect(await main(['node', 'gantry', 'agent', '--server', 'http://127.0.0.1:7400', '--facts-interval', 'often', '--dir', '/tmp/x'], { ...io2, env: {} })).toBe(2);
    expect(io2.err()).toContain('--facts-interval "often" must be a duration');
  });

  it('target list shows agents online, offline or revoked, and when they were last seen', async () => {
    const targets = [
      target(),
      agentTarget(),
      agentTarget({ name: 'web-2', online: false, lastSeenAt: '2024-12-31T22:00:00.000Z' }),
      agentTarget({ name: 'web-3', online: false, revoked: true, lastSeenAt: null }),
    ];
    const result = await run((_request, response) => sendJson(response, 200, { targets }), 'target', 'list');
    expect(result.out).toBe(
      [
        'NAME   TRANSPORT  ADDRESS   ROOT      LABELS    STATUS   SEEN  AGE',
        'dev    local      /srv/dev  /srv/dev  -         -        -     1h',
        'web-1  agent      agent     -         role=web  online   5s    1h',
        'web-2  agent      agent     -         role=web  offline  3h    1h',
        'web-3  agent      agent     -         role=web  revoked  -     1h',
        '',
      ].join('\n'),
    );
  });

  it('target show lists an agent\'s facts and its last fact changes', async () => {
    const changes = [
      { at: '2025-01-01T00:50:00.000Z', changes: [{ path: 'packages.openssl', from: '3.0.11-1~deb12u1', to: '3.0.11-1~deb12u2' }] },
      { at: '2025-01-01T00:10:00.000Z', changes: [{ path: 'packages.curl', from: null, to: '7.88.1-10' }, { path: 'os.version', from: '11', to: '12 (bookworm)' }] },
    ];
    const result = await run(
      (request, response) =>
        request.url.endsWith('/facts/history')
          ? sendJson(response, 200, { changes })
          : sendJson(response, 200, agentTarget({ facts: FACTS, factsReportedAt: '2025-01-01T00:58:00.000Z' })),
      'target',
      'show',
      'web-1',
    );
    expect(result.err).toBe('');
    expect(result.requests.map((request) => request.url)).toEqual(['/api/v1/targets/web-1', '/api/v1/targets/web-1/facts/history']);
    expect(result.out).toBe(
      [
        'name:           web-1',
        'transport:      agent',
        'address:        agent',
        'root:           -',
        'labels:         role=web',
        'status:         online (last seen 5s ago, 2025-01-01T00:59:55.000Z)',
        'host key:       -',
        'created:        2025-01-01T00:00:00.000Z',
        'facts reported: 2025-01-01T00:58:00.000Z (2m ago)',
        'hostname:       web-1',
        'os:             Debian GNU/Linux 12 (bookworm)',
        'kernel:         6.1.0-18-amd64',
        'architecture:   x86_64',
        'cpus:           4',
        'memory:         8.0 GiB',
        'disks:          / 12.0 GiB free of 40.0 GiB, /data 90.0 GiB free of 100.0 GiB',
        'addresses:      192.0.2.10, fd00::10',
        'packages:       2 installed',
        'agent version:  0.1.0',
        'uptime:         3d 4h',
        'fact changes (last 2, newest first):',
        '  2025-01-01T00:50:00.000Z (10m ago)',
        '    packages.openssl: 3.0.11-1~deb12u1 → 3.0.11-1~deb12u2',
        '  2025-01-01T00:10:00.000Z (50m ago)',
        '    packages.curl: (none) → 7.88.1-10',
        '    os.version: 11 → 12 (bookworm)',
        '',
      ].join('\n'),
    );
  });

  it('target show --json adds an agent\'s last fact changes; local and SSH targets need no history', async () => {
    const changes = Array.from({ length: 8 }, (_, index) => ({ at: `2025-01-01T00:0${index}:00.000Z`, changes: [] }));
    const agent = await run(
      (request, response) => (request.url.endsWith('/facts/history') ? sendJson(response, 200, { changes }) : sendJson(response, 200, agentTarget({ online: false, lastSeenAt: null }))),
      'target',
      'show',
      'web-1',
      '--json',
    );
    expect(JSON.parse(agent.out)).toEqual({ ...agentTarget({ online: false, lastSeenAt: null }), factChanges: changes.slice(0, 5) });
    await server?.close();

    const local = await run((_request, response) => sendJson(response, 200, target()), 'target', 'show', 'dev');
    expect(local.requests).toHaveLength(1);
    expect(local.out).not.toContain('status');
    expect(local.out).not.toContain('facts');
  });

  it('target show for an agent that never reported', async () => {
    const result = await run(
      (request, response) => (request.url.endsWith('/facts/history') ? sendJson(response, 200, { changes: [] }) : sendJson(response, 200, agentTarget({ online: false, lastSeenAt: null }))),
      'target',
      'show',
      'web-1',
    );
    expect(result.out).toContain('status:    offline (never connected)\n');
    expect(result.out).toContain('facts:     none reported yet\n');
    expect(result.out).toContain('fact changes: none recorded\n');
  });
});
