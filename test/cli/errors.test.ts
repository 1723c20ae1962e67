import { describe, expect, it } from 'vitest';
import { ApiUnreachableError } from '../../src/client/api-client.js';
import { EXIT_CODES, exitCodeOfKind } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { describeError } from '../../src/cli/output.js';
import { ERROR_CATALOGUE, GantryError, type ErrorCode } from '../../src/core/errors.js';
import { captureIo, closedPortUrl, sendProblem, startFakeServer } from './fake-server.js';

describe('exit codes', () => {
  it('maps each kind of error to its exit code', () => {
    expect(exitCodeOfKind('invalid')).toBe(2);
    expect(exitCodeOfKind('not_found')).toBe(3);
    expect(exitCodeOfKind('conflict')).toBe(4);
    expect(exitCodeOfKind('unauthorized')).toBe(5);
    expect(exitCodeOfKind('forbidden')).toBe(5);
    expect(exitCodeOfKind('unavailable')).toBe(6);
    expect(exitCodeOfKind('internal')).toBe(1);
  });

  it.each(Object.keys(ERROR_CATALOGUE) as ErrorCode[])('prints %s as one error[CODE] line with its exit code', (code) => {
    const report = describeError(new GantryError(code, 'something\nwent wrong'));
    expect(report.exitCode).toBe(exitCodeOfKind(ERROR_CATALOGUE[code].kind));
    if (code === 'MANIFEST_INVALID') return;
    expect(report.lines).toHaveLength(1);
    expect(report.lines[0]).toMatch(new RegExp(`^error\\[${code}\\]: something; went wrong`));
  });

  it('prints each manifest problem on its own line', () => {
    const problems = [
      { file: 'g.yaml', line: 1, column: 1, path: '', message: 'bad' },
      { file: 'g.yaml', line: 4, column: 7, path: 'environments.0.name', message: 'is required' },
    ];
    expect(describeError(new GantryError('MANIFEST_INVALID', 'ignored', { problems }))).toEqual({
      lines: ['error[MANIFEST_INVALID]: g.yaml is not a valid manifest (2 problems)', 'g.yaml:1:1: bad', 'g.yaml:4:7: environments.0.name: is required'],
      exitCode: 2,
    });
  });

  it('falls back to the message lines for a manifest error without problems', () => {
    expect(describeError(new GantryError('MANIFEST_INVALID', 'a.yaml:1:1: x\na.yaml:2:1: y')).lines).toEqual([
      'error[MANIFEST_INVALID]: the manifest is not valid (2 problems)',
      'a.yaml:1:1: x',
      'a.yaml:2:1: y',
    ]);
  });

  it('reports an unreachable server with exit 6', () => {
    expect(describeError(new ApiUnreachableError('http://127.0.0.1:7400', { reason: 'ECONNREFUSED' }))).toEqual({
      lines: ['error[SERVER_UNREACHABLE]: cannot reach the Gantry server at http://127.0.0.1:7400 (is `gantry serve` running?)'],
      exitCode: EXIT_CODES.unavailable,
    });
  });

  it('reports an unexpected error as INTERNAL without a stack trace unless debugging', () => {
    const error = new TypeError('x is undefined');
    expect(describeError(error)).toEqual({ lines: ['error[INTERNAL]: x is undefined (set GANTRY_DEBUG=1 for the stack trace)'], exitCode: 1 });
    expect(describeError(error, { debug: true }).lines[1]).toContain('TypeError: x is undefined');
  });

  it('adds a hint to UNAUTHORIZED', () => {
    expect(describeError(new GantryError('UNAUTHORIZED', 'a valid API token is required')).lines[0]).toBe(
      'error[UNAUTHORIZED]: a valid API token is required (no API token given: set GANTRY_TOKEN or pass --token)',
    );
    expect(describeError(new GantryError('UNAUTHORIZED', 'bad token'), { tokenGiven: true }).lines[0]).toBe('error[UNAUTHORIZED]: bad token (check --token or GANTRY_TOKEN)');
  });
});

describe('the command line reports errors', () => {
  it('exits 6 when the server cannot be reached', async () => {
    const url = await closedPortUrl();
    const io = captureIo();
    const code = await main(['node', 'gantry', 'target', 'list'], { ...io, env: { GANTRY_URL: url } });
    expect(code).toBe(6);
    expect(io.err()).toBe(`error[SERVER_UNREACHABLE]: cannot reach the Gantry server at ${url} (is \`gantry serve\` running?)\n`);
    expect(io.out()).toBe('');
  });

  it('exits with the kind of the server error (not found: 3, conflict: 4, unauthorized: 5)', async () => {
    const server = await startFakeServer((request, response) => {
      if (request.url?.includes('/status')) return sendProblem(response, 404, 'APP_NOT_FOUND', 'no application shop');
      if (request.url?.includes('/cancel')) return sendProblem(response, 409, 'DEPLOYMENT_FINISHED', 'deployment d-1 has already finished');
      return sendProblem(response, 401, 'UNAUTHORIZED', 'a valid API token is required');
    });
    try {
      const env = { GANTRY_URL: server.url };
      let io = captureIo();
      expect(await main(['node', 'gantry', 'status', 'shop'], { ...io, env })).toBe(3);
      expect(io.err()).toBe('error[APP_NOT_FOUND]: no application shop\n');
      io = captureIo();
      expect(await main(['node', 'gantry', 'cancel', 'd-1'], { ...io, env })).toBe(4);
      expect(io.err()).toBe('error[DEPLOYMENT_FINISHED]: deployment d-1 has already finished\n');
      io = captureIo();
      expect(await main(['node', 'gantry', 'deployments'], { ...io, env })).toBe(5);
      expect(io.err()).toBe('error[UNAUTHORIZED]: a valid API token is required (no API token given: set GANTRY_TOKEN or pass --token)\n');
    } finally {
      await server.close();
    }
  });

  it('exits 2 for an unknown option, naming the command', async () => {
    const io = captureIo();
    const code = await main(['node', 'gantry', 'deploy', 'shop', '1.0.0', '--to', 'staging', '--bogus'], { ...io, env: {} });
    expect(code).toBe(2);
    expect(io.err()).toBe("error[REQUEST_INVALID]: unknown option '--bogus' (see `gantry deploy --help`)\n");
  });

  it('exits 2 for a missing required option or argument', async () => {
    let io = captureIo();
    expect(await main(['node', 'gantry', 'deploy', 'shop', '1.0.0'], { ...io, env: {} })).toBe(2);
    expect(io.err()).toBe("error[REQUEST_INVALID]: required option '--to <env>' not specified (see `gantry deploy --help`)\n");
    io = captureIo();
    expect(await main(['node', 'gantry', 'release', 'list'], { ...io, env: {} })).toBe(2);
    expect(io.err()).toBe("error[REQUEST_INVALID]: missing required argument 'app' (see `gantry release list --help`)\n");
    io = captureIo();
    expect(await main(['node', 'gantry', 'deployments', '--limit', '0'], { ...io, env: {} })).toBe(2);
    expect(io.err()).toContain('must be a whole number from 1 to 500');
  });

  it('exits 2 for an unknown command and for no command at all', async () => {
    let io = captureIo();
    expect(await main(['node', 'gantry', 'deplyo'], { ...io, env: {} })).toBe(2);
    expect(io.err()).toBe("error[REQUEST_INVALID]: unknown command 'deplyo' (Did you mean deploy?) (see `gantry --help`)\n");
    io = captureIo();
    expect(await main(['node', 'gantry'], { ...io, env: {} })).toBe(2);
    expect(io.err()).toContain('Usage: gantry');
  });

  it('prints help and the version with exit 0', async () => {
    let io = captureIo();
    expect(await main(['node', 'gantry', 'target', 'add', '--help'], { ...io, env: {} })).toBe(0);
    expect(io.out()).toContain('Usage: gantry target add [options] <name>');
    expect(io.out()).toContain('--ssh <user@host[:port]>');
    io = captureIo();
    expect(await main(['node', 'gantry', '--version'], { ...io, env: {} })).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a server URL that is not http(s)', async () => {
    const io = captureIo();
    expect(await main(['node', 'gantry', 'target', 'list', '--url', 'localhost:7400'], { ...io, env: {} })).toBe(2);
    expect(io.err()).toBe('error[REQUEST_INVALID]: server URL "localhost:7400" must start with http:// or https://\n');
  });
});
