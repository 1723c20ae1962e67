import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gantry.js');

const MANIFEST = `app: web
environments:
  - { name: test, targets: { app: web } }
health:
  - command: 'test ! -f broken && { test ! -f slow || sleep 3; }'
    retries: 0
strategy: { type: rolling, batch: 50%, maxFailures: 0 }
`;

/** The built CLI, as a user runs it, against a real server. */
describe('the gantry command line', () => {
  let gantry: TestGantry;
  let dir: string;
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.token } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  beforeAll(async () => {
    gantry = await startTestGantry();
    dir = mkdtempSync(join(tmpdir(), 'gantry-cli-'));
    writeFileSync(join(dir, 'gantry.yaml'), MANIFEST);
    writeFileSync(join(dir, 'bad.yaml'), MANIFEST.replace('batch: 50%', 'batch: half'));
  });
  afterAll(async () => gantry?.close());

  it('validates a manifest locally, naming file, line and column of a problem', async () => {
    expect((await cli('validate', '-f', join(dir, 'gantry.yaml'))).code).toBe(0);
    const bad = await cli('validate', '-f', join(dir, 'bad.yaml'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, 'bad.yaml')}:7:35: strategy.batch:`);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('registers targets, applies, releases and deploys with live progress', async () => {
    for (const name of ['w1', 'w2']) {
      expect((await cli('target', 'add', name, '--local', mkdtempSync(join(tmpdir(), `gantry-${name}-`)), '--label', 'app=web')).code).toBe(0);
    }
    expect((await cli('apply', '-f', join(dir, 'gantry.yaml'))).code).toBe(0);
    expect((await cli('release', 'create', 'web', '1.0', '--path', makeBuildDir({ 'index.html': 'one' }), '--commit', 'abc123')).code).toBe(0);
    const deploy = await cli('deploy', 'web', '1.0', '--to', 'test', '--wait');
    expect(deploy.stdout).toContain('succeeded');
    expect(deploy.code).toBe(0);
    const status = JSON.parse((await cli('status', 'web', '--json')).stdout) as { environments: { environment: string; liveVersion: string }[] };
    expect(status.environments).toEqual([expect.objectContaining({ environment: 'test', liveVersion: '1.0' })]);
  });

  it('exits non-zero when the deployment rolls back, and says why', async () => {
    expect((await cli('release', 'create', 'web', '2.0', '--path', makeBuildDir({ broken: '' }))).code).toBe(0);
    const deploy = await cli('deploy', 'web', '2.0', '--to', 'test', '--wait');
    expect(deploy.code).toBe(1);
    expect(`${deploy.stdout}${deploy.stderr}`).toContain('rolled_back');
    expect(`${deploy.stdout}${deploy.stderr}`).toContain('HEALTH_CHECK_FAILED');
  });

  it('gives one clear line for bad input', async () => {
    const duplicate = await cli('release', 'create', 'web', '1.0', '--path', makeBuildDir({ x: '' }));
    expect(duplicate.code).toBe(4);
    expect(duplicate.stderr.trim().split('\n')).toHaveLength(1);
    expect(duplicate.stderr).toMatch(/^error\[RELEASE_EXISTS\]: /);
    const unknown = await cli('deploy', 'nope', '1.0', '--to', 'test');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/^error\[APP_NOT_FOUND\]: /);
    const noTargets = await cli('target', 'add', 'x', '--ssh', 'root@127.0.0.1:1', '--key', join(dir, 'gantry.yaml'));
    expect(noTargets.code).toBe(6);
    expect(noTargets.stderr).toMatch(/^error\[TARGET_UNREACHABLE\]: .*127\.0\.0\.1:1/);
    const unauthorized = await run(process.execPath, [BIN, 'target', 'list'], { env: { ...process.env, GANTRY_URL: gantry.url, GANTRY_TOKEN: 'gantry_wrong' } }).then(
      () => ({ code: 0 }),
      (error: { code: number }) => error,
    );
    expect(unauthorized.code).toBe(5);
  });

  it('says when a deployment queues behind another', async () => {
    expect((await cli('release', 'create', 'web', '3.0', '--path', makeBuildDir({ slow: '' }))).code).toBe(0);
    const first = await cli('deploy', 'web', '3.0', '--to', 'test');
    const second = await cli('deploy', 'web', '1.0', '--to', 'test', '--wait');
    const firstId = /d-[0-9a-z]+/.exec(first.stdout)?.[0];
    expect(second.stdout).toContain(`queued behind ${firstId}`);
    expect(second.code).toBe(0);
  });
});
