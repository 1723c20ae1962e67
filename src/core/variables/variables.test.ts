import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { resolveVariables } from './resolve-variables.js';
import { interpolateField, missingVariablesError, renderTemplate, type MissingVariable } from './substitute.js';

const definitions = {
  PORT: '8080',
  LEVEL: { default: 'info', environments: { production: 'warn' } },
  SLOT: { environments: { staging: 'blue' }, targets: { 'web-1': 'green' } },
};

describe('resolveVariables', () => {
  it('takes the target value over the environment value over the default', () => {
    expect(resolveVariables(definitions, { environment: 'staging', target: 'web-1' })).toEqual({ PORT: '8080', LEVEL: 'info', SLOT: 'green' });
    expect(resolveVariables(definitions, { environment: 'staging', target: 'web-2' })).toEqual({ PORT: '8080', LEVEL: 'info', SLOT: 'blue' });
    expect(resolveVariables(definitions, { environment: 'production', target: 'web-2' })).toEqual({ PORT: '8080', LEVEL: 'warn' });
  });
});

describe('renderTemplate', () => {
  it('fills {{ NAME }} placeholders and leaves other text alone', () => {
    const missing: MissingVariable[] = [];
    expect(renderTemplate('PORT={{PORT}}\nLEVEL={{ LEVEL }}\nSHELL=${HOME}\n', { PORT: '1', LEVEL: 'x' }, 'app.env.tmpl', missing)).toBe('PORT=1\nLEVEL=x\nSHELL=${HOME}\n');
    expect(missing).toEqual([]);
  });

  it('inserts values literally, never evaluating them', () => {
    const missing: MissingVariable[] = [];
    expect(renderTemplate('X={{ X }}', { X: '$(touch pwned) {{ Y }}' }, 't', missing)).toBe('X=$(touch pwned) {{ Y }}');
    expect(missing).toEqual([]);
  });

  it('collects every missing variable with file and line', () => {
    const missing: MissingVariable[] = [];
    renderTemplate('a={{ A }}\nb={{ B }}\nc={{ A }}', {}, 'deploy/app.env.tmpl', missing);
    expect(missing).toEqual([
      { name: 'A', where: 'deploy/app.env.tmpl:1' },
      { name: 'B', where: 'deploy/app.env.tmpl:2' },
      { name: 'A', where: 'deploy/app.env.tmpl:3' },
    ]);
    const error = missingVariablesError(missing, { environment: 'production', target: 'web-3' });
    expect(error).toBeInstanceOf(GantryError);
    expect(error.code).toBe('VARIABLE_MISSING');
    expect(error.message).toContain('A, B have no value in environment production for target web-3');
    expect(error.message).toContain('deploy/app.env.tmpl:2');
  });
});

describe('interpolateField', () => {
  it('fills ${NAME} and reports missing ones by field', () => {
    const missing: MissingVariable[] = [];
    expect(interpolateField('http://127.0.0.1:${PORT}/x', { PORT: '80' }, 'health[0].http.url', missing)).toBe('http://127.0.0.1:80/x');
    interpolateField('${NOPE}', {}, 'health[1].http.url', missing);
    expect(missing).toEqual([{ name: 'NOPE', where: 'health[1].http.url' }]);
  });
});
