/**
 * Verbs load only what they need: `gantry serve` loads neither the client nor the CLI output
 * code, `gantry validate` never loads the HTTP client.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { captureIo } from './fake-server.js';

const loaded = vi.hoisted(() => new Set<string>());

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

describe('lazy loading', () => {
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
