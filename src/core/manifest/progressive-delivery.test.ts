import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { parseManifest, type ManifestProblem } from './parse-manifest.js';

/** The progressive-delivery parts of a manifest: canary steps, analysis runs, traffic, blue-green. */
const BASE = `app: shop
environments:
  - name: prod
    targets: { role: web }
    traffic: { target: lb, server: "127.0.0.1:\${PORT}", nginx: { file: /etc/nginx/conf.d/shop.conf, upstream: shop } }
variables: { PORT: "8080" }
hooks: { afterActivate: ./bin/restart, scaleDown: ./bin/stop }
analysis:
  errors:
    args: [service]
    metrics:
      - name: ratio
        provider: { prometheus: { address: "http://127.0.0.1:9090", query: 'rate(x{service="{{args.service}}"}[1m])' } }
        successCondition: "result < 0.05"
        count: 3
  watch:
    metrics:
      - name: up
        provider: { command: { run: ./check } }
`;

function problemsOf(strategy: string, base = BASE): ManifestProblem[] {
  try {
    parseManifest(`${base}strategy: ${strategy}\n`, 'gantry.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(GantryError);
    return (error as GantryError).details.problems as ManifestProblem[];
  }
  throw new Error('expected the manifest to be refused');
}

describe('progressive delivery in the manifest', () => {
  it('reads a canary with pauses, a step analysis and a background analysis', () => {
    const manifest = parseManifest(`${BASE}strategy: { type: canary, analysis: { template: watch }, steps: [{ targets: 10% }, { pause: { duration: 5m } }, { analysis: { template: errors, args: { service: web } } }, { pause: {} }, { targets: 50% }] }\n`);
    expect(manifest.strategy).toMatchObject({
      type: 'canary',
      steps: [{ targets: { percent: 10 } }, { pause: { durationMs: 300_000 } }, { analysis: { template: 'errors', args: { service: 'web' } } }, { pause: { durationMs: undefined } }, { targets: { percent: 50 } }],
      analysis: { template: 'watch', args: {} },
    });
    expect(manifest.environments[0]!.traffic).toMatchObject({ target: 'lb', drainDelay: 1000, nginx: { test: 'nginx -t', reload: 'nginx -s reload' } });
  });

  it.each([
    ['{ type: canary, steps: [{ pause: {} }] }', 'strategy.steps.0', 'the first step must be `targets`'],
    ['{ type: canary, steps: [{ targets: 50% }, { targets: 20% }] }', 'strategy.steps.1', 'must be more than'],
    ['{ type: canary, steps: [{ targets: 1 }, { analysis: { template: nope } }] }', 'strategy.steps.1.analysis.template', 'no analysis template "nope"'],
    ['{ type: canary, steps: [{ targets: 1 }, { analysis: { template: errors } }] }', 'strategy.steps.1.analysis.args', 'service'],
    ['{ type: canary, steps: [{ targets: 1 }, { analysis: { template: watch } }] }', 'strategy.steps.1.analysis.template', 'has no count'],
    ['{ type: canary, steps: [{ targets: 1 }, { wait: 5m }] }', 'strategy.steps.1', ''],
  ])('refuses the canary %s at %s', (strategy, path, message) => {
    const problems = problemsOf(strategy);
    expect(problems.some((problem) => problem.path === path && problem.message.includes(message)), JSON.stringify(problems)).toBe(true);
  });

  it('refuses traffic with both or neither switcher, and an address that is not one', () => {
    const both = problemsOf('{ type: rolling }', BASE.replace('upstream: shop }', 'upstream: shop }, hooks: { drain: a, undrain: b }'));
    expect(both.some((problem) => problem.path === 'environments.0.traffic' && problem.message.includes('exactly one'))).toBe(true);
    const file = problemsOf('{ type: rolling }', BASE.replace('/etc/nginx/conf.d/shop.conf', 'conf.d/shop.conf'));
    expect(file.some((problem) => problem.path === 'environments.0.traffic.nginx.file')).toBe(true);
  });

  it('reads blue-green and asks for what it needs: traffic on every environment and a scaleDown hook', () => {
    const blueGreen = '{ type: blueGreen, slots: { blue: { PORT: "8001" }, green: { PORT: "8002" } }, previewAnalysis: { template: errors, args: { service: web } }, autoPromote: false }';
    expect(parseManifest(`${BASE}strategy: ${blueGreen}\n`).strategy).toMatchObject({ type: 'blueGreen', autoPromote: false, scaleDownDelay: 30_000 });
    const noTraffic = problemsOf(blueGreen, BASE.replace(/\n    traffic: .*\n/, '\n').replace('scaleDown: ./bin/stop', 'beforeInstall: ./x'));
    expect(noTraffic.map((problem) => problem.path).sort()).toEqual(['environments.0.traffic', 'hooks.scaleDown']);
    const preview = problemsOf(blueGreen.replace('template: errors, args: { service: web }', 'template: watch'));
    expect(preview.some((problem) => problem.path === 'strategy.previewAnalysis.template' && problem.message.includes('has no count'))).toBe(true);
  });
});
