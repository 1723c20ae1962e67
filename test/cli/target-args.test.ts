import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { buildAddTargetRequest, parseLabels, parseSshAddress } from '../../src/cli/target-args.js';
import { GantryError } from '../../src/core/errors.js';
import { captureIo, sendJson, startFakeServer, type FakeServer } from './fake-server.js';

function errorOf(run: () => unknown): GantryError {
  try {
    run();
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error('expected a GantryError');
}

describe('parseSshAddress', () => {
  it.each([
    ['deploy@web-1', { user: 'deploy', host: 'web-1', port: 22 }],
    ['deploy@web-1.example.com:2222', { user: 'deploy', host: 'web-1.example.com', port: 2222 }],
    ['root@10.0.0.5:22', { user: 'root', host: '10.0.0.5', port: 22 }],
    ['deploy@[::1]:2222', { user: 'deploy', host: '::1', port: 2222 }],
    ['deploy@[2001:db8::1]', { user: 'deploy', host: '2001:db8::1', port: 22 }],
    ['deploy@2001:db8::1', { user: 'deploy', host: '2001:db8::1', port: 22 }],
  ])('reads %s', (value, expected) => {
    expect(parseSshAddress(value)).toEqual(expected);
  });

  it.each([
    ['web-1', 'must be USER@HOST[:PORT]'],
    ['@web-1', 'must be USER@HOST[:PORT]'],
    ['deploy@', 'the host is missing'],
    ['deploy@:22', 'the host is missing'],
    ['deploy@web-1:0', 'port "0" must be a number from 1 to 65535'],
    ['deploy@web-1:65536', 'port "65536" must be a number from 1 to 65535'],
    ['deploy@web-1:ssh', 'port "ssh" must be a number'],
    ['deploy@web-1:', 'port "" must be a number'],
    ['deploy@[::1', '"[" without "]"'],
    ['deploy@[::1]2222', 'unexpected "2222" after "]"'],
    ['deploy@-oProxyCommand=x', 'may not start with "-"'],
  ])('refuses %s', (value, message) => {
    const error = errorOf(() => parseSshAddress(value));
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message).toContain(message);
    expect(error.details.where).toBe('--ssh');
  });
});

describe('parseLabels', () => {
  it('reads key=value pairs, keeping "=" in values and allowing empty values', () => {
    expect(parseLabels(['role=web', 'query=a=b', 'empty='])).toEqual({ role: 'web', query: 'a=b', empty: '' });
  });

  it('names a label without "="', () => {
    const error = errorOf(() => parseLabels(['role=web', 'zone']));
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message).toBe('--label "zone" must be KEY=VALUE (e.g. --label role=web)');
  });

  it('refuses an empty key and a key given twice', () => {
    expect(errorOf(() => parseLabels(['=web'])).message).toContain('has no key');
    expect(errorOf(() => parseLabels(['role=web', 'role=db'])).message).toBe('--label "role" is given twice');
  });
});

describe('buildAddTargetRequest', () => {
  it('builds a local target with its directory made absolute', () => {
    expect(buildAddTargetRequest('dev', { local: 'targets/dev', label: ['role=web'] }, '/home/me/project')).toEqual({
      name: 'dev',
      labels: { role: 'web' },
      local: { root: '/home/me/project/targets/dev' },
    });
  });

  it('builds an SSH target with key paths made absolute and the default root', () => {
    expect(buildAddTargetRequest('web-1', { ssh: 'deploy@[::1]:2222', key: '../keys/id_ed25519', knownHosts: 'known_hosts' }, '/home/me/project')).toEqual({
      name: 'web-1',
      labels: {},
      ssh: { user: 'deploy', host: '::1', port: 2222, keyPath: '/home/me/keys/id_ed25519', knownHostsPath: '/home/me/project/known_hosts', root: '/srv/gantry' },
    });
  });

  it('keeps an absolute --root', () => {
    const request = buildAddTargetRequest('web-1', { ssh: 'deploy@web-1', key: '/k', root: '/opt/apps' }, '/');
    expect(request).toMatchObject({ ssh: { root: '/opt/apps', port: 22 } });
  });

  it.each([
    [{}, 'give --local DIR or --ssh USER@HOST[:PORT] --key FILE'],
    [{ local: '/a', ssh: 'u@h', key: '/k' }, 'not both'],
    [{ ssh: 'u@h' }, '--ssh needs --key FILE'],
    [{ local: '/a', key: '/k' }, '--key is only for --ssh targets'],
    [{ local: '/a', root: '/r' }, '--root is only for --ssh targets'],
    [{ ssh: 'u@h', key: '/k', root: 'relative' }, '--root "relative" must be an absolute path on the target'],
  ])('refuses %j', (options, message) => {
    const error = errorOf(() => buildAddTargetRequest('t', options, '/cwd'));
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message).toContain(message);
  });
});

describe('gantry target add (through the command line)', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const targetDto = { name: 'web-1', transport: 'ssh', address: 'deploy@[::1]:2222', root: '/srv/gantry', labels: { role: 'web' }, hostKeySha256: 'SHA256:abc', online: null, lastSeenAt: null, revoked: false, facts: null, factsReportedAt: null, createdAt: '2025-01-01T00:00:00.000Z' };

  it('sends the request with the token and prints the host key', async () => {
    server = await startFakeServer((_request, response) => sendJson(response, 201, targetDto));
    const io = captureIo();
    const code = await main(['node', 'gantry', 'target', 'add', 'web-1', '--ssh', 'deploy@[::1]:2222', '--key', 'id_key', '--label', 'role=web', '--label', 'zone=a=b'], {
      ...io,
      cwd: '/home/me',
      env: { GANTRY_URL: server.url, GANTRY_TOKEN: 'secret-token' },
    });
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/api/v1/targets');
    expect(request?.headers.authorization).toBe('Bearer secret-token');
    expect(JSON.parse(request!.body.toString())).toEqual({
      name: 'web-1',
      labels: { role: 'web', zone: 'a=b' },
      ssh: { user: 'deploy', host: '::1', port: 2222, keyPath: '/home/me/id_key', root: '/srv/gantry' },
    });
    expect(io.out()).toBe('added target web-1 (ssh deploy@[::1]:2222, root /srv/gantry)\nhost key: SHA256:abc\n');
  });

  it('takes option values literally, even when they look like options or file references', async () => {
    server = await startFakeServer((_request, response) => sendJson(response, 201, { ...targetDto, transport: 'local', hostKeySha256: null }));
    const io = captureIo();
    const code = await main(['node', 'gantry', 'target', 'add', 'dev', '--local', '-x', '--label', '@labels.txt=--y', '--url', server.url], { ...io, cwd: '/w', env: {} });
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ name: 'dev', labels: { '@labels.txt': '--y' }, local: { root: '/w/-x' } });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('names a --label without "=" and exits 2 without contacting the server', async () => {
    server = await startFakeServer((_request, response) => sendJson(response, 201, targetDto));
    const io = captureIo();
    const code = await main(['node', 'gantry', 'target', 'add', 'web-1', '--local', '/srv/x', '--label', 'role'], { ...io, env: { GANTRY_URL: server.url } });
    expect(code).toBe(2);
    expect(io.err()).toBe('error[REQUEST_INVALID]: --label "role" must be KEY=VALUE (e.g. --label role=web)\n');
    expect(io.out()).toBe('');
    expect(server.requests).toHaveLength(0);
  });
});
