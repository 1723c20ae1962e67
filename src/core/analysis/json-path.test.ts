import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { MAX_JSON_PATH_STEPS, parseJsonPath, readJsonPath } from './json-path.js';

function thrown(action: () => unknown): GantryError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GantryError);
    return error as GantryError;
  }
  throw new Error('expected a GantryError, but nothing was thrown');
}

const read = (path: string, data: unknown) => readJsonPath(parseJsonPath(path), data);

describe('parseJsonPath', () => {
  it('parses dots, indexes and quoted keys', () => {
    expect(parseJsonPath('$').steps).toEqual([]);
    expect(parseJsonPath('$.errors.rate').steps).toEqual([
      { kind: 'property', name: 'errors' },
      { kind: 'property', name: 'rate' },
    ]);
    expect(parseJsonPath('$.data[0].value[12]').steps).toEqual([
      { kind: 'property', name: 'data' },
      { kind: 'index', index: 0 },
      { kind: 'property', name: 'value' },
      { kind: 'index', index: 12 },
    ]);
    expect(parseJsonPath(`$["a.b"]['c d']._x-y`).steps).toEqual([
      { kind: 'property', name: 'a.b' },
      { kind: 'property', name: 'c d' },
      { kind: 'property', name: '_x-y' },
    ]);
  });

  it.each([
    ['errors.rate', 'a jsonPath starts with "$"'],
    ['', 'a jsonPath starts with "$"'],
    ['$.', 'expected a property name after "." at character 2'],
    ['$..a', 'expected a property name after "." at character 2'],
    ['$.a[*]', 'wildcards, slices and filters are not supported'],
    ['$.a[?(@.x)]', 'wildcards, slices and filters are not supported'],
    ['$.a[-1]', 'brackets hold an array index'],
    ['$.a[0:2]', 'brackets hold an array index'],
    ['$.a b', 'unexpected " " at character 4'],
    ['$.__proto__', 'property "__proto__" at character 2 is not allowed'],
    ['$["constructor"]', 'property "constructor" at character 2 is not allowed'],
    [`$["a\\"b"]`, 'brackets hold an array index'],
  ])('refuses %j', (source, message) => {
    const error = thrown(() => parseJsonPath(source, 'analysis.t.metrics.0.provider.http.jsonPath'));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/^analysis\.t\.metrics\.0\.provider\.http\.jsonPath: /);
  });

  it('bounds length and depth', () => {
    expect(thrown(() => parseJsonPath(`$${'.a'.repeat(MAX_JSON_PATH_STEPS + 1)}`)).message).toContain(`more than ${MAX_JSON_PATH_STEPS} steps`);
    expect(thrown(() => parseJsonPath(`$.${'a'.repeat(600)}`)).message).toContain('at most 500 are allowed');
  });
});

describe('readJsonPath', () => {
  const data = { errors: { rate: 0.02, byCode: { '5xx': 3 } }, data: [{ value: [1, 2] }, null], ok: true };

  it('reads the value at the path', () => {
    expect(read('$', 7)).toBe(7);
    expect(read('$.errors.rate', data)).toBe(0.02);
    expect(read('$.errors', data)).toEqual({ rate: 0.02, byCode: { '5xx': 3 } });
    expect(read('$.errors.byCode["5xx"]', data)).toBe(3);
    expect(read('$.data[0].value[1]', data)).toBe(2);
    expect(read('$.data[1]', data)).toBeNull();
    expect(read('$.ok', data)).toBe(true);
  });

  it.each([
    ['$.errors.missing', '$.errors.missing does not exist'],
    ['$.data[5]', '$.data has 2 items, so there is no item [5]'],
    ['$.errors[0]', '$.errors is an object, not an array, so it has no item [0]'],
    ['$.errors.rate.x', '$.errors.rate is a number, not an object, so it has no property "x"'],
    ['$.data[1].value', '$.data[1] is null, not an object'],
    ['$.data.length', '$.data is an array, not an object'],
    ['$.toString', '$.toString does not exist'],
  ])('%s does not fit the document', (path, message) => {
    const error = thrown(() => read(path, data));
    expect(error.message).toContain(`jsonPath ${path}: ${message}`);
  });
});
