import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { evaluateCondition, MAX_CONDITION_DEPTH, MAX_CONDITION_LENGTH, parseCondition } from './condition.js';

const holds = (source: string, result: unknown) => evaluateCondition(parseCondition(source), result);

function thrown(action: () => unknown): GantryError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GantryError);
    return error as GantryError;
  }
  throw new Error('expected a GantryError, but nothing was thrown');
}

describe('evaluateCondition', () => {
  it.each([
    // The shapes Argo Rollouts users write.
    ['result[0] >= 0.95', [0.97], true],
    ['result[0] >= 0.95', [0.9], false],
    ['result < 0.05', 0.01, true],
    ['result < 0.05', 0.05, false],
    ['len(result) > 0 && result[0] < 100', [50], true],
    ['len(result) > 0 && result[0] < 100', [150], false],
    ['len(result) > 0 && result[0] < 100', [], false],
    ['result.status == 200', { status: 200 }, true],
    ['result.status != 200', { status: 503 }, true],
    ['isNaN(result)', Number.NaN, true],
    ['isNaN(result)', 0.5, false],
    ['result.requests_succeeded / result.requests_made * 100 >= 90', { requests_made: 200, requests_succeeded: 190 }, true],
    // The rest of the language.
    ['abs(result - 1) < 0.1', 0.95, true],
    ['min(result[0], result[1]) > 0 && max(result[0], result[1]) == 3', [1, 3], true],
    ['!(result > 1)', 0, true],
    ['-result < 0', 2, true],
    ['result % 2 == 1', 7, true],
    ['1e3 == 1000 && 2.5e-1 == 0.25 && 1.5E+2 == 150', null, true],
    ['result.ok == true', { ok: true }, true],
    ['result.name == result.expected', { name: 'v2', expected: 'v2' }, true],
    ['result.items[1].x == 2', { items: [1, { x: 2 }] }, true],
    ['result[result.at] == 9', { at: 'n', n: 9 }, true],
    ['result[0] == true', { 0: true }, true],
    ['result[1 + 1] == 3', [1, 2, 3], true],
    ['len(result.name) == 2', { name: 'v2' }, true],
    ['result.a == result.b', { a: null, b: null }, true],
    ['(result)[0] > 0', [1], true],
    ['result\n  >= 0.5\t&& true', 0.5, true],
  ])('%s with result %j is %s', (source, result, expected) => {
    expect(holds(source, result)).toBe(expected);
  });

  it.each([
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['10 - 4 - 3 == 3', true],
    ['12 / 3 / 2 == 2', true],
    ['2 * 3 % 4 == 2', true],
    ['-2 * 3 == -6', true],
    ['--2 == 2', true],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['!true == false', true],
    ['!false && false', false],
    ['1 < 2 == 2 < 3', true],
    ['1 + 1 > 1 && 2 * 2 <= 4', true],
  ])('respects precedence and associativity: %s is %s', (source, expected) => {
    expect(holds(source, null)).toBe(expected);
  });

  it('short-circuits && and ||, so the right side is not evaluated when the left decides', () => {
    expect(holds('false && result.missing', {})).toBe(false);
    expect(holds('true || result[5] > 0', [])).toBe(true);
    expect(holds('len(result) == 0 || result[0] > 1', [])).toBe(true);
    expect(() => holds('true && result.missing', {})).toThrow(GantryError);
  });

  it.each([
    ['result + 1', 1, 'the condition gives a number, not true or false'],
    ['result[0]', [1], 'the condition gives a number, not true or false'],
    ['result[3] > 0', [1, 2], 'index 3 is out of range: the array has 2 items (at character 7)'],
    ['result[-1] > 0', [1], 'index -1 is out of range'],
    ['result[0.5] > 0', [1], 'an array index must be a whole number, not a number (0.5)'],
    ['result + 1 > 0', 'a', '+ needs a number, not a string (at character 8)'],
    ['result > 0', '0.9', '> needs a number, not a string'],
    ['result > 0', null, '> needs a number, not null'],
    ['result.value > 0', {}, 'property "value" does not exist (at character 8)'],
    ['result.toString == 1', {}, 'property "toString" does not exist'],
    ['result.length > 0', [1], 'cannot read property "length" of an array; use len() for its length'],
    ['result.x > 0', 5, 'cannot read property "x" of a number'],
    ['result[0] > 0', 5, 'cannot index a number'],
    ['result == 200', '200', '== compares two numbers, strings, booleans or nulls, not a string and a number'],
    ['result == result', [1], '== compares two numbers, strings, booleans or nulls, not an array and an array'],
    ['result && true', 1, '&& needs true or false, not a number'],
    ['!result', 'yes', '! needs true or false, not a string'],
    ['len(result) > 0', 5, 'len() needs an array or a string, not a number'],
    ['isNaN(result)', 'NaN', 'isNaN() needs a number, not a string'],
    ['result > 0', undefined, 'result is undefined, not JSON data'],
  ])('%s with result %j is a measurement error: %s', (source, result, message) => {
    const error = thrown(() => holds(source, result));
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message).toContain(message);
    expect(error.details.where).toMatch(/^character \d+$/);
  });

  it('refuses keys that lead to JavaScript internals even when the data has them', () => {
    // JSON.parse makes "__proto__" an own property; it must still not be readable.
    const data: unknown = JSON.parse('{"key": "__proto__", "__proto__": {"polluted": true}, "ctor": "constructor"}');
    expect(thrown(() => holds('result[result.key].polluted', data)).message).toContain('property "__proto__" is not allowed');
    expect(thrown(() => holds('result[result.ctor] == 1', data)).message).toContain('property "constructor" is not allowed');
  });

  it('reads only JSON data: no getters run, no functions, no class instances', () => {
    let getterRan = false;
    const withGetter = Object.defineProperty({}, 'x', { enumerable: true, get: () => { getterRan = true; return 1; } });
    expect(thrown(() => holds('result.x > 0', withGetter)).message).toContain('property "x" is not JSON data');
    expect(getterRan).toBe(false);
    expect(thrown(() => holds('result.f == 1', { f: () => 1 })).message).toContain('property "f" is a function, not JSON data');
    expect(thrown(() => holds('result.size > 0', new Map())).message).toContain('result is an object that is not plain JSON data');
  });
});

describe('parseCondition', () => {
  it.each([
    ['process.exit(1)', 'unexpected "process" at character 1: only `result`, numbers, true/false, comparisons'],
    ['global', 'unexpected "global" at character 1'],
    ['constructor', 'unexpected "constructor" at character 1'],
    ['this.result', 'unexpected "this" at character 1'],
    ['result > foo', 'unexpected "foo" at character 10'],
    ['new result', 'unexpected "new" at character 1'],
    ['result.constructor', 'property "constructor" at character 8 is not allowed'],
    ['result.__proto__.polluted == 1', 'property "__proto__" at character 8 is not allowed'],
    ['result.prototype', 'property "prototype" at character 8 is not allowed'],
    ['result["__proto__"]', 'unexpected " at character 8: strings are not allowed'],
    ["result['status'] == 200", "unexpected ' at character 8: strings are not allowed"],
    ['`${result}` == 1', 'unexpected ` at character 1: strings are not allowed'],
    ['result = 1', 'unexpected "=" at character 8: assignment is not allowed; use == to compare'],
    ['result.x = 1', 'unexpected "=" at character 10: assignment is not allowed'],
    ['result === 1', 'unexpected "===" at character 8'],
    ['eval(result)', 'unknown function "eval" at character 1: only len(), abs(), isNaN(), min() and max() can be called'],
    ['require(result)', 'unknown function "require" at character 1'],
    ['result.toString()', 'unexpected "(" at character 16: only len(), abs(), isNaN(), min() and max() can be called'],
    ['len(result)(1)', 'unexpected "(" at character 12'],
    ['result > 1; true', 'unexpected ";" at character 11: a condition is a single expression'],
    ['result > 1 & 2', 'unexpected "&" at character 12: bitwise operators are not allowed'],
    ['result > 1 && (', 'unexpected end of the condition at character 16: expected a value'],
    ['(result > 1', 'unexpected end of the condition at character 12: expected ")" to close the "(" at character 1'],
    ['result[0 > 1', 'expected "]" to close the "[" at character 7'],
    ['result result', 'unexpected "result" at character 8: expected an operator or the end of the condition'],
    ['result..x', 'unexpected "." at character 8: expected a property name after "."'],
    ['result.0 > 1', 'unexpected "0" at character 8: expected a property name after "."; use result[0] for array items'],
    ['len(result, 1) > 0', 'len() at character 1 takes 1 argument, not 2'],
    ['min(result) > 0', 'min() at character 1 takes 2 arguments, not 1'],
    ['len > 0', '"len" at character 1 is a function: call it as len(...)'],
    ['1 < result < 3', 'unexpected "<" at character 12: comparisons cannot be chained'],
    ['.5 < result', 'unexpected "." at character 1: expected a value'],
    ['result > 1abc', 'malformed number "1abc" at character 10'],
    ['result > 1.', 'malformed number "1." at character 10'],
    ['result > 1e', 'malformed number "1e" at character 10'],
    ['result > 0 @ 1', 'unexpected "@" at character 12'],
    ['result > 0 ? 1 : 2', 'unexpected "?" at character 12'],
    ['{}', 'unexpected "{" at character 1'],
    ['', 'the condition is empty'],
    ['   ', 'the condition is empty'],
  ])('refuses %j: %s', (source, message) => {
    const error = thrown(() => parseCondition(source));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(message);
  });

  it('names the field and position in the message and in where', () => {
    const error = thrown(() => parseCondition('result > foo', 'analysis.metrics[0].successCondition'));
    expect(error.message).toBe('analysis.metrics[0].successCondition: unexpected "foo" at character 10: only `result`, numbers, true/false, comparisons, arithmetic, &&, ||, !, len(), abs(), isNaN(), min() and max() are allowed');
    expect(error.details.where).toBe('analysis.metrics[0].successCondition, character 10');
  });

  it(`refuses a condition longer than ${MAX_CONDITION_LENGTH} characters`, () => {
    const longest = `${'result > 0 && '.repeat(35)}${'1'.repeat(MAX_CONDITION_LENGTH - 14 * 35 - 4)} > 0`;
    expect(longest).toHaveLength(MAX_CONDITION_LENGTH);
    expect(() => parseCondition(longest)).not.toThrow();
    const error = thrown(() => parseCondition(`${longest} `));
    expect(error.message).toContain(`the condition is ${MAX_CONDITION_LENGTH + 1} characters long; at most ${MAX_CONDITION_LENGTH} are allowed`);
  });

  it(`refuses nesting deeper than ${MAX_CONDITION_DEPTH} levels`, () => {
    const parens = (depth: number) => `${'('.repeat(depth)}result > 0${')'.repeat(depth)}`;
    expect(holds(parens(MAX_CONDITION_DEPTH), 1)).toBe(true);
    expect(thrown(() => parseCondition(parens(MAX_CONDITION_DEPTH + 1))).message).toContain(`the condition nests deeper than ${MAX_CONDITION_DEPTH} levels at character ${MAX_CONDITION_DEPTH + 1}`);
    expect(thrown(() => parseCondition(`${'!'.repeat(MAX_CONDITION_DEPTH + 1)}true`)).message).toContain('nests deeper');
    expect(thrown(() => parseCondition(`${'abs('.repeat(MAX_CONDITION_DEPTH + 1)}result${')'.repeat(MAX_CONDITION_DEPTH + 1)} > 0`)).message).toContain('nests deeper');
    expect(thrown(() => parseCondition(`result${'[0'.repeat(MAX_CONDITION_DEPTH + 1)}${']'.repeat(MAX_CONDITION_DEPTH + 1)} > 0`)).message).toContain('nests deeper');
  });
});

describe('token soup', () => {
  // A seeded generator keeps the loop reproducible; a failure prints the source that caused it.
  function mulberry32(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const vocabulary = [
    'result', 'result', 'result', 'true', 'false', 'len', 'abs', 'isNaN', 'min', 'max', '(', '(', ')', ')', '[', ']', '.', ',', '!', '-', '+', '*', '/', '%',
    '<', '<=', '>', '>=', '==', '!=', '&&', '||', '0', '1', '2.5', '1e3', '-1', 'x', 'status', 'constructor', '__proto__', 'prototype', '"', "'", '`',
    '=', ';', '&', '|', '.5', '1e', '@', '\\', '{', '}', '\n', '\u00e9', '\ud83d\ude00', 'process', 'this', '=>', '?', ':',
  ];
  const results: unknown[] = [
    0, 1, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '', 'a', true, false, null, undefined, [], [1, 2], [[0]], { status: 200 },
    { x: [1, { x: 2 }], status: 'ok' }, JSON.parse('{"__proto__": {"x": 1}, "constructor": 1}'),
  ];

  // Random well-formed conditions, so that the evaluator sees many shapes, not only parse errors.
  function wellFormed(random: () => number, depth: number): string {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    if (depth === 0 || random() < 0.3) return pick(['result', 'result[0]', 'result.x', 'result.status', '1', '0.5', '-1', 'true', 'false', 'len(result)']);
    const inner = () => wellFormed(random, depth - 1);
    switch (Math.floor(random() * 5)) {
      // Parenthesised, because chained comparisons (a < b < c) are refused on purpose.
      case 0: return `(${inner()} ${pick(['<', '<=', '>', '>=', '==', '!=', '+', '-', '*', '/', '%', '&&', '||'])} ${inner()})`;
      case 1: return `${pick(['!', '-'])}${inner()}`;
      case 2: return `(${inner()})`;
      case 3: return `${pick(['abs', 'isNaN', 'len'])}(${inner()})`;
      default: return `${pick(['min', 'max'])}(${inner()}, ${inner()})`;
    }
  }

  // Plain checks rather than expect() in the hot loop; every surprise is collected with its input.
  const surprises: string[] = [];
  function check(source: string): boolean {
    let condition;
    try {
      condition = parseCondition(source);
    } catch (error) {
      const ok = error instanceof GantryError && error.code === 'MANIFEST_INVALID' && /at character \d+|is empty/.test(error.message);
      if (!ok) surprises.push(`parse ${JSON.stringify(source)}: ${String(error)}`);
      return false;
    }
    for (const result of results) {
      try {
        const outcome: unknown = evaluateCondition(condition, result);
        if (typeof outcome !== 'boolean') surprises.push(`${JSON.stringify(source)} with ${String(result)} gave ${String(outcome)}`);
      } catch (error) {
        if (!(error instanceof GantryError && error.code === 'REQUEST_INVALID')) surprises.push(`${JSON.stringify(source)} with ${String(result)}: ${String(error)}`);
      }
    }
    return true;
  }

  it('never throws anything but a GantryError, and never touches Object.prototype', () => {
    const random = mulberry32(20240611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    let parsedMutations = 0;
    for (let round = 0; round < 3000; round++) {
      // Pure soup, a well-formed condition, and a well-formed condition with a few characters swapped for soup.
      const soup = Array.from({ length: 1 + Math.floor(random() * 14) }, () => pick(vocabulary)).join(random() < 0.5 ? ' ' : '');
      const valid = wellFormed(random, 4);
      const cut = Math.floor(random() * valid.length);
      const mutated = `${valid.slice(0, cut)}${pick(vocabulary)}${valid.slice(cut + 1 + Math.floor(random() * 3))}`;
      check(soup);
      if (valid.length <= MAX_CONDITION_LENGTH && !check(valid)) surprises.push(`well-formed ${JSON.stringify(valid)} was refused`);
      if (check(mutated)) parsedMutations++;
    }
    expect(surprises).toEqual([]);
    expect(parsedMutations).toBeGreaterThan(100);
    expect(Object.prototype).not.toHaveProperty('x');
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
