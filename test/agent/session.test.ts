/**
 * The agent (runAgent, in process) against a fake server on loopback that plays the server
 * side of the protocol: enrolment, challenge → signature check → welcome, heartbeats both ways,
 * facts, revocation, a server that goes silent, and commands reaching the agent's runner
 * (CommandRunner itself is tested in commands.test.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_CLOSE_CODES, AGENT_PROTOCOL_VERSION, type Facts } from '../../src/protocol/agent.js';
import { runAgent, type RunAgentOptions } from '../../src/agent/run-agent.js';
import { problem, startFakeAgentServer, waitFor, type FakeAgentServer, type FakeAgentServerOptions } from './fake-agent-server.js';

const TOKEN = 'enrol-token-5f2c9a71d3';

const FACTS: Facts = {
  hostname: 'web-1',
  os: { name: 'Debian GNU/Linux', version: '12 (bookworm)' },
  kernel: '6.1.0',
  architecture: 'x86_64',
  cpus: 2,
  memoryBytes: 8 * 1024 ** 3,
  disks: [{ mount: '/', sizeBytes: 100, freeBytes: 50 }],
  addresses: ['192.0.2.2'],
  packages: [{ name: 'openssl', version: '3.0.11-1' }],
  agentVersion: '0.1.0',
  uptimeSeconds: 42,
};

describe('agent session', () => {
  let dir: string;
  let server: FakeAgentServer | undefined;
  let stop: AbortController;
  let stderr: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-agent-'));
    stop = new AbortController();
    stderr = '';
  });
  afterEach(async () => {
    stop.abort();
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(options: Partial<FakeAgentServerOptions> = {}): Promise<FakeAgentServer> {
    server = await startFakeAgentServer({ heartbeatMs: 50, ...options });
    return server;
  }

  function start(overrides: Partial<RunAgentOptions> = {}): Promise<number> {
    return runAgent({
      server: server!.url,
      dir,
      labels: { role: 'web' },
      name: 'web-1',
      env: {},
      stderr: { write: (chunk: string) => (stderr += chunk) },
      signal: stop.signal,
      handleSignals: false,
      collectFacts: async () => FACTS,
      backoff: { baseMs: 20, capMs: 50 },
      handshakeTimeoutMs: 2000,
      ...overrides,
    });
  }

  it('enrols, answers the challenge, sends heartbeats and facts, and stops on the signal with 0', async () => {
    await serve();
    const env: Record<string, string | undefined> = { GANTRY_ENROL_TOKEN: TOKEN, OTHER: 'kept' };
    const running = start({ env });
    // The token is out of the environment at once.
    expect(env).toEqual({ OTHER: 'kept' });

    await waitFor(() => (server!.sessions[0]?.messages.filter((m) => m.type === 'heartbeat').length ?? 0) >= 3, 5000, 'three heartbeats');
    const session = server!.sessions[0]!;
    expect(session.welcomed).toBe(true);
    expect(session.messages[0]).toMatchObject({ type: 'hello', name: 'web-1', protocol: AGENT_PROTOCOL_VERSION });
    expect(session.messages[1]).toEqual({ type: 'facts', facts: FACTS });
    expect(server!.enrolments).toEqual([{ token: TOKEN, name: 'web-1', publicKey: server!.keys.get('web-1'), labels: { role: 'web' }, root: join(dir, 'apps') }]);

    stop.abort();
    expect(await running).toBe(0);
    await waitFor(() => session.closed !== undefined, 2000, 'the close');
    expect(session.closed?.code).toBe(1000);
    expect(stderr).toMatch(/enrolled with http:\/\/127\.0\.0\.1:\d+ as web-1 \(labels role=web\)/);
    expect(stderr).toContain('connected to ws://127.0.0.1:');
    expect(stderr).toContain('stopped');

    // The token is written nowhere and logged nowhere; the identity is.
    expect(stderr).not.toContain(TOKEN);
    expect((await readdir(dir)).sort()).toEqual(['agent.json', 'agent.key', 'apps', 'attempts']);
    for (const file of ['agent.json', 'agent.key']) expect(await readFile(join(dir, file), 'utf8')).not.toContain(TOKEN);
    expect(JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8'))).toMatchObject({ name: 'web-1', server: server!.url, publicKey: server!.keys.get('web-1') });
  });

  it('restarts from its directory without a token: same key, no second enrolment', async () => {
    await serve();
    stop = new AbortController();
    const first = start({ enrolToken: TOKEN });
    await waitFor(() => server!.sessions[0]?.welcomed === true, 5000, 'the first welcome');
    stop.abort();
    expect(await first).toBe(0);

    stop = new AbortController();
    const second = start({ name: undefined, labels: {} });
    await waitFor(() => server!.sessions[1]?.welcomed === true, 5000, 'the second welcome');
    stop.abort();
    expect(await second).toBe(0);
    expect(server!.enrolments).toHaveLength(1);
  });

  it('ends with exit 5 when the server revokes it (4403) and does not reconnect', async () => {
    await serve({ onWelcome: (session) => setTimeout(() => session.ws.close(AGENT_CLOSE_CODES.revoked, 'revoked'), 100) });
    const code = await start({ enrolToken: TOKEN });
    expect(code).toBe(5);
    expect(stderr).toContain('error[AGENT_REVOKED]: the server revoked agent web-1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server!.sessions).toHaveLength(1);
  });

  it('ends with exit 5 when the server does not know its identity (4401)', async () => {
    await serve();
    const first = start({ enrolToken: TOKEN });
    await waitFor(() => server!.sessions[0]?.welcomed === true, 5000, 'the welcome');
    stop.abort();
    await first;
    server!.keys.clear(); // the target was removed on the server
    stop = new AbortController();
    const code = await start();
    expect(code).toBe(5);
    expect(stderr).toContain('error[AGENT_UNKNOWN]');
    const last = server!.sessions.at(-1)!;
    await waitFor(() => last.closed !== undefined, 2000, 'the close');
    expect(last.closed?.code).toBe(AGENT_CLOSE_CODES.unauthenticated);
  });

  it('reconnects when the server goes silent for 3 heartbeats', async () => {
    await serve({ silent: (session) => session.index === 0 });
    const running = start({ enrolToken: TOKEN });
    await waitFor(() => server!.sessions[1]?.welcomed === true, 5000, 'a second session');
    const first = server!.sessions[0]!;
    expect(first.closed?.code).toBe(1006); // the agent cut it
    expect(stderr).toMatch(/disconnected: no word from the server for 0\.\d+s; retrying in 0\.0s/);
    // The agent kept sending heartbeats on the silent session until it gave up.
    expect(first.messages.filter((m) => m.type === 'heartbeat').length).toBeGreaterThanOrEqual(1);
    stop.abort();
    expect(await running).toBe(0);
  });

  it('retries with backoff while the server is down, then connects when it is back', async () => {
    await serve();
    const port = Number(new URL(server!.url).port);
    const running = start({ enrolToken: TOKEN });
    await waitFor(() => server!.sessions[0]?.welcomed === true, 5000, 'the welcome');
    const keys = new Map(server!.keys);
    await server!.close();
    await waitFor(() => (stderr.match(/cannot connect: /g)?.length ?? 0) >= 2, 5000, 'two failed retries');
    expect(stderr).toMatch(/disconnected: .*; retrying in 0\.0s/);
    expect(stderr).toMatch(/cannot connect: connect ECONNREFUSED 127\.0\.0\.1:\d+; retrying in 0\.0s/);

    server = await startFakeAgentServer({ heartbeatMs: 50, port, keys });
    await waitFor(() => server!.sessions[0]?.welcomed === true, 5000, 'the welcome from the restarted server');
    stop.abort();
    expect(await running).toBe(0);
  });

  it('runs a command the server sends once welcomed, answering on that session; a redelivery on the next session is answered, not run', async () => {
    const script = `echo ran >> '${join(dir, 'runs.txt')}'; echo hello`;
    await serve({ onWelcome: (session) => session.ws.send(JSON.stringify({ type: 'run', id: 'step-1', token: 3, script, timeoutMs: 10_000, stdin: false })) });
    const running = start({ enrolToken: TOKEN });
    await waitFor(() => server!.sessions[0]?.messages.some((m) => m.type === 'result') === true, 5000, 'the result');
    const first = server!.sessions[0]!;
    expect(first.messages).toContainEqual({ type: 'output', id: 'step-1', token: 3, session: 's-0', stream: 'stdout', text: 'hello\n' });
    const result = first.messages.find((m) => m.type === 'result');
    expect(result).toMatchObject({ id: 'step-1', token: 3, session: 's-0', result: { exitCode: 0, stdout: 'hello\n', interrupted: false } });

    first.ws.close(1012, 'restarting');
    await waitFor(() => server!.sessions[1]?.messages.some((m) => m.type === 'result') === true, 5000, 'the result on the second session');
    expect(server!.sessions[1]!.messages.find((m) => m.type === 'result')).toEqual({ ...result, session: 's-1' });
    expect(await readFile(join(dir, 'runs.txt'), 'utf8')).toBe('ran\n');
    stop.abort();
    expect(await running).toBe(0);
  });

  it('reports the commands a previous run left running as interrupted when it starts', async () => {
    await serve();
    const first = start({ enrolToken: TOKEN });
    await waitFor(() => server!.sessions[0]?.welcomed === true, 5000, 'the welcome');
    stop.abort();
    await first;
    // What a crash between the journal's first write and the spawn leaves behind.
    const entry = { id: 'deploy-9/unpack', token: 2, startedAt: new Date().toISOString(), pid: null, pidStartTime: null };
    await writeFile(join(dir, 'attempts', `${createHash('sha256').update(entry.id).digest('hex')}.json`), JSON.stringify(entry));
    stop = new AbortController();
    const second = start();
    await waitFor(() => server!.sessions[1]?.welcomed === true, 5000, 'the second welcome');
    expect(stderr).toContain('gantry agent: interrupted by the restart: deploy-9/unpack\n');
    stop.abort();
    expect(await second).toBe(0);
  });

  it('refuses to start without an identity or a token (exit 2), contacting no one', async () => {
    await serve();
    const code = await start();
    expect(code).toBe(2);
    expect(stderr).toContain('error[AGENT_NOT_ENROLLED]');
    expect(server!.enrolments).toHaveLength(0);
    expect(server!.sessions).toHaveLength(0);
  });

  it('exits 5 when the enrolment token is refused, keeping no identity and never showing the token', async () => {
    await serve({ enrol: () => problem(401, 'ENROLMENT_TOKEN_INVALID', `token ${TOKEN} is unknown, used or expired`) });
    const code = await start({ enrolToken: TOKEN });
    expect(code).toBe(5);
    expect(stderr).toContain('error[ENROLMENT_TOKEN_INVALID]: the server refused the enrolment token');
    expect(stderr).not.toContain(TOKEN);
    // The key is kept for a retry; agent.json, the mark of an enrolled agent, is not written.
    expect((await readdir(dir)).sort()).toEqual(['agent.key', 'apps', 'attempts']);
  });

  it('exits 4 when the name is taken', async () => {
    await serve({ enrol: () => problem(409, 'TARGET_EXISTS', 'a target named web-1 exists') });
    expect(await start({ enrolToken: TOKEN })).toBe(4);
    expect(stderr).toContain('error[TARGET_EXISTS]: a target named "web-1" already exists on the server; choose another --name');
  });

  it('refuses a directory enrolled with another server', async () => {
    await serve();
    const first = start({ enrolToken: TOKEN });
    await waitFor(() => server!.sessions[0]?.welcomed === true, 5000, 'the welcome');
    stop.abort();
    await first;
    stop = new AbortController();
    const code = await start({ server: 'http://127.0.0.1:9' });
    expect(code).toBe(2);
    expect(stderr).toContain('error[AGENT_DIR_INVALID]');
  });
});
