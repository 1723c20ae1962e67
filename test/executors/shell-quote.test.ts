import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentTokenDto } from '../../src/protocol/api.js';
import { quoteShellArg, shellCommand } from '../../src/executors/shell-quote.js';
import { startAgent, waitForTarget, type AgentProcess } from '../support/agent-process.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { openUnpackedRelease, type TransportKind, type UnpackedRelease } from './transports.js';

const run = promisify(execFile);

/** Values a shell would read specially if they were spliced into a command unquoted. */
const HOSTILE = [
  '$(touch pwned)',
  '`touch pwned`',
  '; touch pwned',
  '| touch pwned',
  '&& touch pwned',
  '\ntouch pwned\n',
  "it's",
  "'; touch pwned; '",
  '"$(touch pwned)"',
  '--x',
  '-n',
  '$HOME ${PATH} $1 $@ $$',
  '* ? [a-z] ~root',
  '\\ \\\\ \\n',
  'A=b',
  '',
  ' leading and trailing ',
  '\t\r',
  'ünïcødé ✓ 日本',
  '> pwned < /dev/null 2>&1',
  '#not a comment',
  '!event',
];

/** Random strings over an alphabet of shell metacharacters. */
function randomHostileStrings(count: number, seed: number): string[] {
  const alphabet = [..."$`'\"\\;|&<>(){}[]*?~!#=%^ \t\n-_.,:+@/", 'a', 'Z', '0', 'é', '✓'];
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: next() % 24 }, () => alphabet[next() % alphabet.length] ?? '').join(''),
  );
}

describe('quoteShellArg', () => {
  it('makes sh read back exactly the value, whatever it contains', async () => {
    const values = [...HOSTILE, ...randomHostileStrings(300, 42)];
    const cwd = await mkdtemp(join(tmpdir(), 'gantry-quote-'));
    try {
      const { stdout } = await run('sh', ['-c', `printf '%s\\0' ${values.map(quoteShellArg).join(' ')}`], { cwd });
      expect(stdout.split('\0').slice(0, -1)).toEqual(values);
      expect(await readdir(cwd)).toEqual([]);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('leaves plain words readable and quotes the rest', () => {
    expect(shellCommand(['tar', '-xzf', '/srv/app/a.tar.gz'])).toBe('tar -xzf /srv/app/a.tar.gz');
    expect(quoteShellArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteShellArg('A=b')).toBe("'A=b'");
    expect(quoteShellArg('')).toBe("''");
  });

  it('refuses a NUL byte, which no shell argument can carry', () => {
    expect(() => quoteShellArg('a\0b')).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
  });
});

describe.each<TransportKind>(['local', 'ssh'])('hostile values reaching a hook over %s', (kind) => {
  let fixture: UnpackedRelease;

  beforeAll(async () => {
    fixture = await openUnpackedRelease(kind, 'quoting');
  }, 30_000);

  afterAll(async () => {
    await fixture?.close();
  });

  it('passes every value literally through the environment and runs no part of it', { timeout: 30_000 }, async () => {
    const values = [...HOSTILE, ...randomHostileStrings(40, 7)];
    const env = Object.fromEntries(values.map((value, index) => [`V${index}`, value]));
    const command = `printf '%s\\0' ${values.map((_, index) => `"$V${index}"`).join(' ')}`;
    let stdout = '';
    await fixture.session.runHook('app', '1.0.0', { command, env }, { timeoutMs: 10_000, onOutput: (stream, text) => stream === 'stdout' && (stdout += text) });
    expect(stdout.split('\0').slice(0, -1)).toEqual(values);

    expect(await readdir(fixture.releaseDir)).not.toContain('pwned');
    expect(await readdir(fixture.transport.root)).not.toContain('pwned');
  });

  it('passes a hostile hook command to sh -c as one argument', { timeout: 30_000 }, async () => {
    let stdout = '';
    await fixture.session.runHook('app', '1.0.0', { command: "echo '$(touch pwned)' \"`echo ok`\"", env: {} }, {
      timeoutMs: 10_000,
      onOutput: (stream, text) => stream === 'stdout' && (stdout += text),
    });
    expect(stdout).toBe('$(touch pwned) ok\n');
    expect(await readdir(fixture.releaseDir)).not.toContain('pwned');
  });
});

/**
 * The third transport, a real `gantry agent` process, has no session outside a server: the
 * values go the whole way instead, as manifest variables of a deployment it runs.
 */
describe('hostile values reaching a hook over an agent', () => {
  let gantry: TestGantry;
  let agent: AgentProcess;
  let dir: string;

  beforeAll(async () => {
    gantry = await startTestGantry();
    dir = await mkdtemp(join(tmpdir(), 'gantry-agent-quoting-'));
    const { token } = (await gantry.api<AgentTokenDto>('POST', '/agent-tokens', { labels: { role: 'quoting' } })).body;
    agent = startAgent(gantry, ['--enrol', token, '--dir', dir, '--name', 'agent-q']);
    await waitForTarget(gantry, 'agent-q', (target) => target.online === true);
  }, 60_000);

  afterAll(async () => {
    if (agent?.child.exitCode === null) agent.child.kill('SIGKILL');
    await gantry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes every value literally through the environment and runs no part of it', { timeout: 60_000 }, async () => {
    const values = [...HOSTILE, ...randomHostileStrings(40, 11)];
    // JSON strings are YAML double-quoted scalars: the manifest carries each value exactly.
    const variables = values.map((value, index) => `  V${index}: ${JSON.stringify(value)}`).join('\n');
    const printed = values.map((_, index) => `"$V${index}"`).join(' ');
    await gantry.apply(`app: quoting
environments: [{ name: prod, targets: { role: quoting } }]
variables:
${variables}
hooks:
  afterActivate: ${JSON.stringify(`printf '%s\\0' ${printed} > ../../values.bin; echo '$(touch pwned)' "\`echo ok\`" > ../../command.txt`)}
strategy: { type: allAtOnce }
`);
    await gantry.release('quoting', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const detail = await gantry.waitFor((await gantry.deploy('quoting', '1.0.0', 'prod')).deployment.id);
    expect(detail.deployment.state, JSON.stringify(detail.tasks)).toBe('succeeded');

    const app = join(dir, 'apps', 'quoting');
    expect((await readFile(join(app, 'values.bin'), 'utf8')).split('\0').slice(0, -1)).toEqual(values);
    expect(await readFile(join(app, 'command.txt'), 'utf8')).toBe('$(touch pwned) ok\n');
    expect(await readdir(join(app, 'releases', '1.0.0'))).not.toContain('pwned');
    expect(await readdir(app)).not.toContain('pwned');
  });
});
