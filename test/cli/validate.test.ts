import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from './fake-server.js';

const GOOD = `app: shop
environments:
  - { name: staging, targets: { role: web, env: staging } }
  - { name: production, targets: { role: web, env: production }, protected: true }
lifecycle: [staging, production]
`;

const BAD = `app: shop
environments:
  - name: staging
    targets: { role: web }
    colour: blue
lifecycle: [staging, qa]
strategy: { type: rolling, onFailure: explode }
`;

describe('gantry validate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-validate-'));
    await writeFile(join(dir, 'gantry.yaml'), GOOD);
    await writeFile(join(dir, 'bad.yaml'), BAD);
    await writeFile(join(dir, 'broken.yaml'), 'app: shop\nenvironments: [\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a good manifest (gantry.yaml by default)', async () => {
    const io = captureIo();
    const code = await main(['node', 'gantry', 'validate'], { ...io, cwd: dir, env: {} });
    expect(io.err()).toBe('');
    expect(io.out()).toBe('ok: gantry.yaml (app shop, 2 environments)\n');
    expect(code).toBe(0);
  });

  it('prints every problem of a bad manifest as file:line:column and exits 2', async () => {
    const io = captureIo();
    const code = await main(['node', 'gantry', 'validate', '-f', 'bad.yaml'], { ...io, cwd: dir, env: {} });
    expect(code).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      [
        'error[MANIFEST_INVALID]: bad.yaml is not a valid manifest (2 problems)',
        'bad.yaml:5:5: environments.0.colour: unknown field "colour"',
        'bad.yaml:7:39: strategy.onFailure: expected one of "rollback", "halt"',
        '',
      ].join('\n'),
    );
  });

  it('reports a YAML syntax error with its position', async () => {
    const io = captureIo();
    const code = await main(['node', 'gantry', 'validate', '--file', 'broken.yaml'], { ...io, cwd: dir, env: {} });
    expect(code).toBe(2);
    expect(io.err()).toBe(
      'error[MANIFEST_INVALID]: broken.yaml is not a valid manifest (1 problem)\n' +
        'broken.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]\n',
    );
  });

  it('prints the problems as JSON with --json', async () => {
    const io = captureIo();
    const code = await main(['node', 'gantry', 'validate', '-f', 'bad.yaml', '--json'], { ...io, cwd: dir, env: {} });
    expect(code).toBe(2);
    const result = JSON.parse(io.out()) as { ok: boolean; problems: { line: number; column: number }[] };
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
  });

  it('names a missing file', async () => {
    const io = captureIo();
    const code = await main(['node', 'gantry', 'validate', '-f', 'nope.yaml'], { ...io, cwd: dir, env: {} });
    expect(code).toBe(2);
    expect(io.err()).toBe('error[REQUEST_INVALID]: cannot read nope.yaml: no such file\n');
  });
});
