/**
 * The agent against a real Gantry server on loopback (in this process): token from the CLI,
 * enrolment, online with facts, fact history, token reuse refused, revoke ends the agent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFacts } from '../../src/agent/facts.js';
import { runAgent, type RunAgentOptions } from '../../src/agent/run-agent.js';
import { main } from '../../src/cli/main.js';
import { loadServerConfig } from '../../src/config/server-config.js';
import { startGantry, type RunningGantry } from '../../src/main/serve.js';
import type { Facts } from '../../src/protocol/agent.js';
import type { TargetDto } from '../../src/protocol/api.js';
import { captureIo } from '../cli/fake-server.js';
import { waitFor } from './fake-agent-server.js';

describe('agent against a real server', () => {
  let root: string;
  let gantry: RunningGantry;
  let env: Record<string, string>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gantry-agent-e2e-'));
    const config = loadServerConfig({ dataDir: join(root, 'server'), listen: '127.0.0.1:0' }, { GANTRY_AGENT_HEARTBEAT_MS: '200', GANTRY_LEASE_MS: '3000', GANTRY_HEARTBEAT_MS: '500' });
    gantry = await startGantry(config, { logger: pino({ level: 'silent' }) });
    env = { GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.adminToken! };
  });
  afterAll(async () => {
    await gantry?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args], { ...io, env });
    return { code, out: io.out(), err: io.err() };
  }

  async function target(name: string): Promise<TargetDto | undefined> {
    const { out } = await cli('target', 'list', '--json');
    return (JSON.parse(out) as { targets: TargetDto[] }).targets.find((t) => t.name === name);
  }

  /** Retries `check` until it stops throwing (or rethrows after `timeoutMs`). */
  async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await check();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  function agent(name: string, overrides: Partial<RunAgentOptions> = {}) {
    const stop = new AbortController();
    let stderr = '';
    const done = runAgent({
      server: gantry.url,
      dir: join(root, name),
      labels: { zone: 'a' },
      name,
      env: {},
      stderr: { write: (chunk: string) => (stderr += chunk) },
      signal: stop.signal,
      handleSignals: false,
      backoff: { baseMs: 50, capMs: 200 },
      ...overrides,
    });
    return { done, stop: () => stop.abort(), stderr: () => stderr };
  }

  it('enrols with a CLI-made token, comes online with facts, records a package change, and is cut off by revoke', async () => {
    const created = await cli('agent', 'token', 'create', '--label', 'role=web', '--expires', '10m');
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).not.toBe('');

    // Real facts on the first report, then one package upgraded.
    const real = await collectFacts({ agentVersion: '0.1.0' });
    let reports = 0;
    const facts = async (): Promise<Facts> => {
      reports++;
      const packages = [...real.packages.filter((p) => p.name !== 'gantry-test-pkg'), { name: 'gantry-test-pkg', version: reports === 1 ? '1.0' : '1.1' }];
      return { ...real, packages: packages.sort((a, b) => (a.name < b.name ? -1 : 1)).slice(0, 20_000) };
    };
    const edge = agent('edge-1', { env: { GANTRY_ENROL_TOKEN: token }, collectFacts: facts, factsIntervalMs: 1000 });

    const online = await eventually(async () => {
      const found = await target('edge-1');
      expect(found).toMatchObject({ transport: 'agent', online: true, revoked: false, labels: { role: 'web', zone: 'a' } });
      expect(found?.facts?.hostname).toBe(real.hostname);
      return found;
    });
    expect(online?.factsReportedAt).not.toBeNull();

    const shown = await eventually(async () => {
      const result = await cli('target', 'show', 'edge-1');
      expect(result.out).toContain('packages.gantry-test-pkg: 1.0 → 1.1');
      return result;
    });
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/status: +online \(last seen/);
    expect(shown.out).toContain(`packages:       ${real.packages.length + 1} installed`);

    // The token was single-use.
    const again = agent('edge-2', { enrolToken: token });
    expect(await again.done).toBe(5);
    expect(again.stderr()).toContain('error[ENROLMENT_TOKEN_INVALID]');
    expect(again.stderr()).not.toContain(token);

    // Revoke: the live agent ends with exit 5, and a restart is refused the same way.
    const revoked = await cli('agent', 'revoke', 'edge-1');
    expect(revoked.code).toBe(0);
    expect(await edge.done).toBe(5);
    expect(edge.stderr()).toContain('error[AGENT_REVOKED]');
    expect(await target('edge-1')).toMatchObject({ revoked: true, online: false });
    const list = await cli('target', 'list');
    expect(list.out).toMatch(/edge-1 +agent .* revoked /);

    const restart = agent('edge-1', { labels: {} });
    expect(await restart.done).toBe(5);
    expect(restart.stderr()).toContain('error[AGENT_REVOKED]');
  });

  it('shows offline once the agent stops', async () => {
    const created = await cli('agent', 'token', 'create');
    const edge = agent('edge-3', { enrolToken: created.out.trim(), collectFacts: () => collectFacts({ agentVersion: '0.1.0' }) });
    await waitFor(() => edge.stderr().includes('connected to'), 10_000, 'the connection');
    await eventually(async () => expect(await target('edge-3')).toMatchObject({ online: true }));
    edge.stop();
    expect(await edge.done).toBe(0);
    const status = await eventually(async () => {
      const found = await target('edge-3');
      expect(found).toMatchObject({ online: false, revoked: false });
      return found;
    });
    expect(status?.lastSeenAt).not.toBeNull();
  });
});
