/**
 * Verbs load only what they need: `gantry serve` and `gantry agent` load neither the client nor
 * the CLI output code, `gantry validate` never loads the HTTP client.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { RunAgentOptions } from '../../src/agent/run-agent.js';
import { captureIo } from './fake-server.js';

const loaded = vi.hoisted(() => new Set<string>());
const agentRuns = vi.hoisted(() => [] as unknown[]);

vi.mock('../../src/client/api-client.js', async (importOriginal) => {
  loaded.add('client');
  return importOriginal();
});
vi.mock('../../src/client/http.js', async (importOriginal) => {
  loaded.add('http');
  return importOriginal();
});
vi.mock('../../src/cli/output.js', async (importOriginal) => {
  loaded.add('output');
  return importOriginal();
});
vi.mock('../../src/main/serve.js', () => {
  loaded.add('serve');
  return { runServe: async (options: { dataDir: string; listen: string }) => (options.dataDir === './.gantry' && options.listen === '127.0.0.1:7400' ? 0 : 9) };
});

vi.mock('../../src/agent/run-agent.js', () => {
  loaded.add('agent');
  return {
    runAgent: async (options: RunAgentOptions) => {
      agentRuns.push(options);
      return 0;
    },
  };
});

describe('lazy loading', () => {
  it('gantry agent passes its options to runAgent and loads no client or output code', async () => {
    // Runs first: nothing has loaded the client or the output code yet.
    const { main } = await import('../../src/cli/main.js');
    const io = captureIo();
    const env: Record<string, string | undefined> = { GANTRY_ENROL_TOKEN: 'from-env' };
    const code = await main(
      ['node', 'gantry', 'agent', '--server', 'http://127.0.0.1:7400', '--dir', 'agent-dir', '--label', 'role=web', '--label', 'zone=a', '--name', 'web-1', '--facts-interval', '30s', '--enrol', 'tok'],
      { ...io, cwd: '/var/lib', env },
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect([...loaded]).toEqual(['agent']);
    expect(agentRuns).toEqual([
      expect.objectContaining({ server: 'http://127.0.0.1:7400', enrolToken: 'tok', dir: '/var/lib/agent-dir', labels: { role: 'web', zone: 'a' }, name: 'web-1', factsIntervalMs: 30_000, env }),
    ]);
    loaded.clear();
  });

  it('gantry serve passes its defaults to runServe and loads no client or output code', async () => {
    const { main } = await import('../../src/cli/main.js');
    const code = await main(['node', 'gantry', 'serve'], { env: {} });
    expect(code).toBe(0);
    expect([...loaded]).toEqual(['serve']);

    const dir = await mkdtemp(join(tmpdir(), 'gantry-lazy-'));
    await writeFile(join(dir, 'gantry.yaml'), 'app: shop\nenvironments: [{ name: dev, targets: {} }]\n');
    const io = captureIo();
    const validate = await main(['node', 'gantry', 'validate'], { ...io, cwd: dir, env: {} });
    await rm(dir, { recursive: true, force: true });
    expect(io.out()).toBe('ok: gantry.yaml (app shop, 1 environment)\n');
    expect(validate).toBe(0);
    expect(loaded.has('output')).toBe(true);
    expect(loaded.has('client')).toBe(false);
    expect(loaded.has('http')).toBe(false);

    // The mocks do notice a load: a client verb loads the client.
    await main(['node', 'gantry', 'target', 'list', '--url', 'http://127.0.0.1:1'], { ...captureIo(), env: {} });
    expect(loaded.has('client')).toBe(true);
  });

});
