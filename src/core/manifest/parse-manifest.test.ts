import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { parseManifest, type ManifestProblem } from './parse-manifest.js';

const VALID = `app: storefront
keepReleases: 3
environments:
  - { name: staging, targets: { role: web, env: staging } }
  - { name: production, targets: { role: web, env: production }, protected: true }
lifecycle: [staging, production]
variables:
  PORT: "8080"
  LOG_LEVEL: { default: info, environments: { production: warn } }
config:
  - { template: deploy/app.env.tmpl, path: app.env }
hooks:
  afterActivate: ./bin/restart
  beforeInstall: { run: ./bin/check, timeout: 30s }
health:
  - http: { url: "http://127.0.0.1:\${PORT}/healthz" }
    retries: 10
    interval: 500ms
strategy: { type: rolling, batch: 25%, maxFailures: 0, onFailure: rollback }
`;

function problemsOf(text: string): ManifestProblem[] {
  try {
    parseManifest(text, 'gantry.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(GantryError);
    expect((error as GantryError).code).toBe('MANIFEST_INVALID');
    return (error as GantryError).details.problems as ManifestProblem[];
  }
  throw new Error('expected the manifest to be refused');
}

describe('parseManifest', () => {
  it('reads a complete manifest with durations and quantities parsed', () => {
    const manifest = parseManifest(VALID);
    expect(manifest.app).toBe('storefront');
    expect(manifest.hooks.beforeInstall).toEqual({ run: './bin/check', timeout: 30_000 });
    expect(manifest.health[0]).toMatchObject({ retries: 10, interval: 500, timeout: 5000 });
    expect(manifest.strategy).toEqual({ type: 'rolling', batch: { percent: 25 }, maxFailures: { count: 0 }, pauseBetweenBatches: 0, onFailure: 'rollback' });
  });

  it('defaults to a rolling strategy of 25% batches with no tolerated failure', () => {
    const manifest = parseManifest('app: a\nenvironments: [{ name: dev, targets: {} }]\n');
    expect(manifest.strategy).toMatchObject({ type: 'rolling', batch: { percent: 25 }, maxFailures: { count: 0 }, onFailure: 'rollback' });
    expect(manifest.keepReleases).toBe(5);
  });

  it('names file, line and column of a wrong value', () => {
    const problems = problemsOf(VALID.replace('batch: 25%', 'batch: lots'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'gantry.yaml', line: 19, path: 'strategy.batch' });
    expect(problems[0]!.message).toContain('percent');
  });

  it('names an unknown field where it is', () => {
    const problems = problemsOf(VALID.replace('keepReleases: 3', 'keepRelease: 3'));
    expect(problems.some((p) => p.line === 2 && p.column === 1 && p.path === 'keepRelease' && p.message.includes('"keepRelease"'))).toBe(true);
  });

  it('reports a missing required field at its parent', () => {
    const problems = problemsOf('app: shop\n');
    expect(problems[0]).toMatchObject({ path: 'environments', line: 1, column: 1 });
    expect(problems[0]!.message).toContain('required');
  });

  it('refuses a lifecycle naming an unknown environment', () => {
    const problems = problemsOf(VALID.replace('lifecycle: [staging, production]', 'lifecycle: [staging, prod]'));
    expect(problems[0]).toMatchObject({ line: 6, path: 'lifecycle.1' });
    expect(problems[0]!.message).toContain('"prod" is not one of the environments');
  });

  it('refuses config paths that leave the release', () => {
    const problems = problemsOf(VALID.replace('path: app.env', 'path: ../../etc/passwd'));
    expect(problems[0]!.path).toBe('config.0.path');
  });

  it('refuses hostile names', () => {
    for (const name of ['../x', '-x', '@file', 'a/b', 'x'.repeat(101), '.hidden']) {
      expect(problemsOf(VALID.replace('app: storefront', `app: "${name}"`))[0]!.path).toBe('app');
    }
  });

  it('refuses duplicate keys, naming the line', () => {
    const problems = problemsOf(VALID.replace('keepReleases: 3', 'keepReleases: 3\nkeepReleases: 4'));
    expect(problems[0]!.line).toBe(3);
  });

  it('refuses custom tags instead of running them', () => {
    const problems = problemsOf(`app: !!js/function "function () { return 1 }"\nenvironments: [{ name: dev, targets: {} }]\n`);
    expect(problems[0]!.line).toBe(1);
  });

  it('refuses an alias bomb without expanding it', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const problems = problemsOf(`${lines.join('\n')}\napp: x\nenvironments: [{ name: dev, targets: {} }]\n`);
    expect(problems.length).toBeGreaterThan(0);
  });

  it('refuses variables named like Gantry\'s own', () => {
    const problems = problemsOf(VALID.replace('PORT: "8080"', 'GANTRY_APP: "x"'));
    expect(problems[0]!.message).toContain('reserved');
  });
});
