import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { analysisArgProblems, argsUsedBy, commandEnvironment, placeholdersIn, renderMetric, renderPlaceholders, type AnalysisContext } from './render-query.js';
import { analysisTemplateSchema } from './template-schema.js';

function thrown(action: () => unknown): GantryError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GantryError);
    return error as GantryError;
  }
  throw new Error('expected a GantryError, but nothing was thrown');
}

const context: AnalysisContext = { app: 'shop', release: '1.4.0+b7', env: 'production', targets: ['web-1', 'web-2'], args: { service: 'checkout api', code: '5..' } };

describe('renderPlaceholders', () => {
  it('substitutes app, release, env, targets and args', () => {
    expect(renderPlaceholders('sum(rate(x{app="{{app}}",release="{{ release }}",env="{{env}}",instance=~"{{targets}}",svc="{{args.service}}"}[1m]))', context)).toBe(
      'sum(rate(x{app="shop",release="1.4.0+b7",env="production",instance=~"web-1|web-2",svc="checkout api"}[1m]))',
    );
    expect(renderPlaceholders('up{job="x"}', context)).toBe('up{job="x"}');
    // A label matcher's braces may wrap a placeholder.
    expect(renderPlaceholders('up{{{args.code}}}', { ...context, args: { code: 'code="500"' } })).toBe('up{code="500"}');
  });

  it('encodes the values, not the text around them, for URLs', () => {
    expect(renderPlaceholders('http://127.0.0.1:8080/stats?release={{release}}&svc={{args.service}}&t={{targets}}', context, { encode: encodeURIComponent })).toBe(
      'http://127.0.0.1:8080/stats?release=1.4.0%2Bb7&svc=checkout%20api&t=web-1%7Cweb-2',
    );
  });

  it.each([
    ['{{version}}', 'unknown placeholder {{version}}: only {{app}}, {{release}}, {{env}}, {{targets}} and {{args.NAME}} are substituted'],
    ['{{args.}}', 'placeholder {{args.}} does not name an argument'],
    ['{{args.a-b}}', 'placeholder {{args.a-b}} does not name an argument'],
    ['x{{release}', '"{{" that is not part of a placeholder'],
    ['x{release}}', '"}}" that is not part of a placeholder'],
  ])('refuses %j, naming the field', (text, message) => {
    const error = thrown(() => renderPlaceholders(text, context, { field: 'analysis.t.metrics.0.provider.prometheus.query' }));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(`analysis.t.metrics.0.provider.prometheus.query: ${message}`);
  });

  it('names a missing argument', () => {
    const error = thrown(() => renderPlaceholders('x{svc="{{args.region}}"}', context));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toBe('placeholder {{args.region}} needs the argument "region", which the analysis step does not pass');
  });

  it('lists the placeholders a text uses', () => {
    expect(placeholdersIn('{{app}} {{args.a}} {{targets}}')).toEqual([{ kind: 'app' }, { kind: 'arg', name: 'a' }, { kind: 'targets' }]);
  });
});

const template = analysisTemplateSchema.parse({
  args: ['service', 'code'],
  metrics: [
    {
      name: 'errors',
      provider: { prometheus: { address: 'http://127.0.0.1:9090', query: 'x{svc="{{args.service}}",release="{{release}}"}', headers: { 'X-Scope': '{{app}}' } } },
      successCondition: 'result < 0.05',
    },
    { name: 'stats', provider: { http: { url: 'http://127.0.0.1:8080/stats?code={{args.code}}&t={{targets}}', jsonPath: '$.rate' } } },
    { name: 'script', provider: { command: { run: './check.sh "$GANTRY_RELEASE"', timeout: '2s' } } },
  ],
});

describe('renderMetric', () => {
  it('substitutes a Prometheus query and headers', () => {
    expect(renderMetric('error-rate', template.metrics[0]!, context)).toEqual({
      template: 'error-rate',
      name: 'errors',
      provider: { kind: 'prometheus', address: 'http://127.0.0.1:9090', query: 'x{svc="checkout api",release="1.4.0+b7"}', headers: { 'X-Scope': 'shop' }, timeout: 5000 },
    });
  });

  it('URL-encodes values in an http URL', () => {
    const rendered = renderMetric('error-rate', template.metrics[1]!, context);
    expect(rendered.provider).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:8080/stats?code=5..&t=web-1%7Cweb-2', jsonPath: { source: '$.rate' } });
  });

  it('leaves a command as written and passes the context as environment variables', () => {
    expect(renderMetric('error-rate', template.metrics[2]!, context).provider).toEqual({
      kind: 'command',
      run: './check.sh "$GANTRY_RELEASE"',
      timeout: 2000,
      env: {
        GANTRY_APP: 'shop',
        GANTRY_RELEASE: '1.4.0+b7',
        GANTRY_ENVIRONMENT: 'production',
        GANTRY_TARGETS: 'web-1 web-2',
        GANTRY_ARG_SERVICE: 'checkout api',
        GANTRY_ARG_CODE: '5..',
      },
    });
    expect(commandEnvironment({ ...context, targets: [], args: {} })).toEqual({ GANTRY_APP: 'shop', GANTRY_RELEASE: '1.4.0+b7', GANTRY_ENVIRONMENT: 'production', GANTRY_TARGETS: '' });
  });

  it('names the metric when an argument is missing', () => {
    const error = thrown(() => renderMetric('error-rate', template.metrics[0]!, { ...context, args: {} }));
    expect(error.message).toBe('analysis.error-rate.metrics.errors.provider.prometheus.query: placeholder {{args.service}} needs the argument "service", which the analysis step does not pass');
  });
});

describe('the arguments a step passes', () => {
  it('lists the arguments a template uses', () => {
    expect(argsUsedBy(template)).toEqual(['code', 'service']);
  });

  it('finds missing and unknown arguments before the deployment starts', () => {
    expect(analysisArgProblems('error-rate', template, ['service', 'code'])).toEqual([]);
    expect(analysisArgProblems('error-rate', template, ['service', 'regoin'])).toEqual([
      'analysis template "error-rate" needs the argument "code", which is not passed',
      'analysis template "error-rate" has no argument "regoin" (it takes service, code)',
    ]);
    expect(analysisArgProblems('plain', { args: [], metrics: [] }, ['x'])).toEqual(['analysis template "plain" has no argument "x" (it takes none)']);
  });
});
