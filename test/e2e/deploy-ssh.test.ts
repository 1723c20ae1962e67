import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDto, TargetDto } from '../../src/protocol/api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { hostileArchive, type HostileEntry } from '../support/hostile-archives.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { readlinkSync } from 'node:fs';

const NAMES = ['ssh-1', 'ssh-2', 'ssh-3', 'ssh-4'];

/**
 * The health check is an HTTP GET made from each target's side (through the SSH connection) to
 * a server this test runs; the path says which answer to give.
 */
function manifest(healthByTarget: Record<string, string>, port: number): string {
  return `app: api
environments:
  - { name: live, targets: { tier: api } }
variables:
  HEALTH_PORT: "${port}"
  HEALTH: { default: ok, targets: ${JSON.stringify(healthByTarget)} }
config:
  - { template: config.tmpl, path: config.txt }
hooks:
  afterActivate: 'echo "$GANTRY_TARGET on $GANTRY_RELEASE" > ../../activated.txt'
health:
  - http: { url: "http://127.0.0.1:\${HEALTH_PORT}/health/\${HEALTH}" }
    retries: 1
    interval: 100ms
    timeout: 2s
  - tcp: { port: "\${HEALTH_PORT}" }
    retries: 0
strategy: { type: rolling, batch: 1, maxFailures: 0, onFailure: rollback }
`;
}

describe('deploying over SSH to four real sshd hosts', () => {
  let sshd: SshdFixture;
  let gantry: TestGantry;
  let health: Server;
  let healthPort: number;
  let version = 0;
  const currentOf = (index: number) => readlinkSync(join(sshd.hosts[index]!.root, 'api', 'current'));

  beforeAll(async () => {
    [sshd, gantry] = await Promise.all([startSshd({ count: NAMES.length }), startTestGantry()]);
    health = createServer((request, response) => {
      response.statusCode = request.url === '/health/ok' ? 200 : 500;
      response.end();
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    healthPort = (health.address() as { port: number }).port;
    for (const [index, name] of NAMES.entries()) {
      const host = sshd.hosts[index]!;
      const added = await gantry.api<TargetDto>('POST', '/targets', {
        name,
        labels: { tier: 'api' },
        ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root },
      });
      expect(added.status).toBe(201);
      expect(added.body.hostKeySha256).toBe(host.hostKeySha256);
    }
  });
  afterAll(async () => {
    await gantry?.close();
    await sshd?.stop();
    health?.close();
  });

  async function release(healthByTarget: Record<string, string> = {}) {
    version += 1;
    await gantry.apply(manifest(healthByTarget, healthPort));
    await gantry.release('api', `${version}.0`, makeBuildDir({ 'config.tmpl': 'port={{ HEALTH_PORT }}\n', 'index.html': `v${version}` }));
    return `${version}.0`;
  }

  it('rolls a release out to every host and points each current at it', async () => {
    for (let round = 0; round < 2; round++) {
      const name = await release();
      const detail = await gantry.waitFor((await gantry.deploy('api', name, 'live')).deployment.id);
      expect(detail.deployment.state).toBe('succeeded');
      expect(detail.deployment.batches).toEqual(NAMES.map((target) => [target]));
      for (const index of NAMES.keys()) expect(currentOf(index)).toBe(`releases/${name}`);
    }
    const detail = await gantry.api<{ tasks: { previousVersion: string }[] }>('GET', `/deployments/${(await gantry.api<{ deployments: { id: string }[] }>('GET', '/deployments?app=api&limit=1')).body.deployments[0]!.id}`);
    expect(detail.body.tasks.every((task) => task.previousVersion === '1.0')).toBe(true);
  });

  it('rolls back the switched hosts when a health check fails on one, leaving the others untouched', async () => {
    const before = await release();
    await gantry.waitFor((await gantry.deploy('api', before, 'live')).deployment.id);
    const failing = await release({ 'ssh-2': 'broken' });
    const detail = await gantry.waitFor((await gantry.deploy('api', failing, 'live')).deployment.id);
    expect(detail.deployment.state).toBe('rolled_back');
    expect(detail.tasks.map((task) => [task.target, task.state])).toEqual([
      ['ssh-1', 'rolled_back'],
      ['ssh-2', 'rolled_back'],
      ['ssh-3', 'skipped'],
      ['ssh-4', 'skipped'],
    ]);
    expect(detail.tasks[1]?.error?.code).toBe('HEALTH_CHECK_FAILED');
    expect(detail.tasks[1]?.error?.message).toContain('status 500');
    for (const index of NAMES.keys()) expect(currentOf(index)).toBe(`releases/${before}`);
    expect(existsSync(join(sshd.hosts[2]!.root, 'api', 'releases', failing))).toBe(false);
  });

  it.each<HostileEntry>(['dot-dot', 'absolute', 'symlink-out', 'hardlink', 'device'])('refuses an archive with a %s entry, naming it, and stores nothing', async (kind) => {
    const response = await fetch(`${gantry.url}/api/v1/applications/api/releases/evil-${kind}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gantry.token}`, 'content-type': 'application/gzip' },
      body: hostileArchive(kind),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as ProblemDto;
    expect(problem.code).toBe('ARTIFACT_UNSAFE');
    expect((await gantry.api('GET', '/applications/api/releases')).body).not.toContain(`evil-${kind}`);
  });

  it('refuses a tampered archive before anything is activated', async () => {
    const live = currentOf(0);
    const name = await release();
    const releases = await gantry.api<{ releases: { version: string; digest: string }[] }>('GET', '/applications/api/releases');
    const digest = releases.body.releases.find((entry) => entry.version === name)!.digest;
    writeFileSync(join(gantry.dataDir, 'artifacts', 'sha256', `${digest}.tar.gz`), hostileArchive('dot-dot'));
    const detail = await gantry.waitFor((await gantry.deploy('api', name, 'live')).deployment.id);
    expect(detail.deployment.state).toBe('failed');
    expect(detail.deployment.reason).toContain('ARTIFACT_DIGEST_MISMATCH');
    for (const index of NAMES.keys()) {
      expect(currentOf(index)).toBe(live);
      expect(readdirSync(join(sshd.hosts[index]!.root, 'api', 'releases'))).not.toContain(name);
    }
  });

  it('refuses a host whose key changed, and never accepts it silently', async () => {
    const live = currentOf(0);
    await sshd.restartWithNewHostKey(0);
    const name = await release();
    const detail = await gantry.waitFor((await gantry.deploy('api', name, 'live')).deployment.id);
    expect(detail.deployment.state).toBe('rolled_back');
    expect(detail.tasks[0]).toMatchObject({ target: 'ssh-1', state: 'failed', error: { code: 'HOST_KEY_MISMATCH' } });
    expect(detail.deployment.reason).toContain('HOST_KEY_MISMATCH');
    expect(currentOf(0)).toBe(live);
    // Registering it again against the old known_hosts is refused too.
    const host = sshd.hosts[0]!;
    const again = await gantry.api<ProblemDto>('POST', '/targets', {
      name: 'ssh-1b',
      labels: {},
      ssh: { user: host.user, host: host.host, port: host.port, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, root: host.root },
    });
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('HOST_KEY_MISMATCH');
  });

  it('refuses to register an unreachable host, creating nothing', async () => {
    const result = await gantry.api<ProblemDto>('POST', '/targets', {
      name: 'nowhere',
      labels: {},
      ssh: { user: 'root', host: '127.0.0.1', port: 1, keyPath: sshd.keyPath, root: '/srv/x' },
    });
    expect(result.status).toBe(503);
    expect(result.body.code).toBe('TARGET_UNREACHABLE');
    expect(result.body.detail).toContain('127.0.0.1:1');
    expect((await gantry.api('GET', '/targets/nowhere')).status).toBe(404);
  });
});
