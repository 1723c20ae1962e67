import { GantryError } from '../errors.js';

/**
 * `successCondition` / `failureCondition` of an analysis metric: a small expression language over
 * one variable, `result`, in the shape Argo Rollouts uses (`result[0] >= 0.95`). It is tokenized,
 * parsed and walked by hand so that a condition can reach nothing but the measured value: no
 * `eval`, no `Function`, no strings, no names besides `result` and five functions, and no
 * property lookups that could climb a prototype chain.
 */

export const MAX_CONDITION_LENGTH = 500;
export const MAX_CONDITION_DEPTH = 32;

const FUNCTION_ARITY = { len: 1, abs: 1, isNaN: 1, min: 2, max: 2 } as const;
type FunctionName = keyof typeof FUNCTION_ARITY;

/** Names that lead from JSON data to JavaScript internals; refused even when the data has them. */
const FORBIDDEN_PROPERTIES = new Set(['__proto__', 'constructor', 'prototype']);

const ALLOWED = 'only `result`, numbers, true/false, comparisons, arithmetic, &&, ||, !, len(), abs(), isNaN(), min() and max() are allowed';

type BinaryOperator = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** How tightly each operator binds (Pratt binding power); higher binds tighter. */
const BINDING_POWER: Readonly<Record<BinaryOperator, number>> = {
  '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6,
};
const RELATIONAL_POWER = 4;
const UNARY_POWER = 7;

/** A node of the parsed condition; `at` is the 1-based character where it starts, for messages. */
export type ConditionNode =
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly at: number }
  | { readonly kind: 'result'; readonly at: number }
  | { readonly kind: 'member'; readonly object: ConditionNode; readonly name: string; readonly at: number }
  | { readonly kind: 'index'; readonly object: ConditionNode; readonly index: ConditionNode; readonly at: number }
  | { readonly kind: 'unary'; readonly operator: '!' | '-'; readonly operand: ConditionNode; readonly at: number }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: ConditionNode; readonly right: ConditionNode; readonly at: number }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly ConditionNode[]; readonly at: number };

export interface Condition {
  /** The text as written, kept for measurement messages. */
  readonly source: string;
  readonly root: ConditionNode;
}

interface Token {
  readonly kind: 'number' | 'name' | 'operator' | 'end';
  readonly text: string;
  readonly at: number;
}

// Longest first, so `<=` wins over `<`.
const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '!', '(', ')', '[', ']', '.', ','];
const NUMBER = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const WORD_TAIL = /^[A-Za-z0-9_.]*/;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

function tokenize(source: string, invalid: (at: number, message: string) => GantryError): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < source.length) {
    const char = source.charAt(offset);
    const at = offset + 1;
    if (WHITESPACE.has(char)) {
      offset++;
      continue;
    }
    const rest = source.slice(offset);
    const number = NUMBER.exec(rest)?.[0];
    const name = number === undefined ? NAME.exec(rest)?.[0] : undefined;
    const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (number !== undefined) {
      // `1.`, `1e`, `1.2.3` and `1abc` are typos, not a number followed by something else.
      const tail = WORD_TAIL.exec(rest.slice(number.length))?.[0] ?? '';
      if (tail !== '') throw invalid(at, `malformed number "${number}${tail}" at character ${at}: write numbers as 12, 0.5 or 1e-3`);
      tokens.push({ kind: 'number', text: number, at });
    } else if (name !== undefined) {
      tokens.push({ kind: 'name', text: name, at });
    } else if ((operator === '==' || operator === '!=') && rest.charAt(2) === '=') {
      throw invalid(at, `unexpected "${operator}=" at character ${at}: write ${operator}, comparisons are always strict`);
    } else if (operator !== undefined) {
      tokens.push({ kind: 'operator', text: operator, at });
    } else if (char === '"' || char === "'" || char === '`') {
      throw invalid(at, `unexpected ${char} at character ${at}: strings are not allowed; ${ALLOWED}`);
    } else if (char === '=') {
      throw invalid(at, `unexpected "=" at character ${at}: assignment is not allowed; use == to compare`);
    } else if (char === '&' || char === '|') {
      throw invalid(at, `unexpected "${char}" at character ${at}: bitwise operators are not allowed; use && or ||`);
    } else if (char === ';') {
      throw invalid(at, `unexpected ";" at character ${at}: a condition is a single expression; ${ALLOWED}`);
    } else {
      throw invalid(at, `unexpected "${String.fromCodePoint(rest.codePointAt(0) ?? 0)}" at character ${at}: ${ALLOWED}`);
    }
    offset += number?.length ?? name?.length ?? operator?.length ?? 1;
  }
  tokens.push({ kind: 'end', text: '', at: source.length + 1 });
  return tokens;
}

const isBinaryOperator = (text: string): text is BinaryOperator => Object.hasOwn(BINDING_POWER, text);
const isFunctionName = (text: string): text is FunctionName => Object.hasOwn(FUNCTION_ARITY, text);
const describeToken = (token: Token) => (token.kind === 'end' ? 'end of the condition' : `"${token.text}"`);

/**
 * Parses a condition once, when the manifest is read, so that a typo is a manifest error rather
 * than a measurement error at deploy time. `field` names where the condition came from.
 */
export function parseCondition(source: string, field?: string): Condition {
  const invalid = (at: number, message: string) =>
    new GantryError('MANIFEST_INVALID', field === undefined ? message : `${field}: ${message}`, { where: field === undefined ? `character ${at}` : `${field}, character ${at}` });
  if (source.length > MAX_CONDITION_LENGTH) {
    throw invalid(MAX_CONDITION_LENGTH + 1, `the condition is ${source.length} characters long; at most ${MAX_CONDITION_LENGTH} are allowed`);
  }
  const tokens = tokenize(source, invalid);
  if (tokens.length === 1) throw invalid(1, 'the condition is empty: write an expression over `result`, such as result >= 0.95');

  let position = 0;
  let depth = 0;
  const peek = (): Token => tokens[position] ?? tokens[tokens.length - 1]!;
  const advance = (): Token => {
    const token = peek();
    if (token.kind !== 'end') position++;
    return token;
  };
  const isOperator = (text: string) => peek().kind === 'operator' && peek().text === text;
  const expect = (text: string, context: string) => {
    const token = advance();
    if (token.kind !== 'operator' || token.text !== text) throw invalid(token.at, `unexpected ${describeToken(token)} at character ${token.at}: expected "${text}" ${context}`);
  };
  // Nesting is bounded so that neither the parser nor the evaluator can recurse without limit.
  const nested = <T>(at: number, parse: () => T): T => {
    if (++depth > MAX_CONDITION_DEPTH) throw invalid(at, `the condition nests deeper than ${MAX_CONDITION_DEPTH} levels at character ${at}`);
    const node = parse();
    depth--;
    return node;
  };

  function expression(minimumPower: number): ConditionNode {
    let left = prefix();
    let lastPower = 0;
    for (;;) {
      const token = peek();
      if (token.kind !== 'operator' || !isBinaryOperator(token.text)) return left;
      const power = BINDING_POWER[token.text];
      if (power <= minimumPower) return left;
      if (power === RELATIONAL_POWER && lastPower === RELATIONAL_POWER) {
        throw invalid(token.at, `unexpected "${token.text}" at character ${token.at}: comparisons cannot be chained; write a < b && b < c`);
      }
      advance();
      left = { kind: 'binary', operator: token.text, left, right: expression(power), at: token.at };
      lastPower = power;
    }
  }

  function prefix(): ConditionNode {
    const token = advance();
    if (token.kind === 'number') return postfix({ kind: 'number', value: Number(token.text), at: token.at });
    if (token.kind === 'name') return postfix(named(token));
    if (token.text === '!' || token.text === '-') {
      const operator = token.text;
      return nested(token.at, () => ({ kind: 'unary', operator, operand: expression(UNARY_POWER), at: token.at }));
    }
    if (token.text === '(') {
      const inner = nested(token.at, () => expression(0));
      expect(')', `to close the "(" at character ${token.at}`);
      return postfix(inner);
    }
    throw invalid(token.at, `unexpected ${describeToken(token)} at character ${token.at}: expected a value such as result, a number, true or false`);
  }

  function named(token: Token): ConditionNode {
    const name = token.text;
    if (name === 'result') return { kind: 'result', at: token.at };
    if (name === 'true' || name === 'false') return { kind: 'boolean', value: name === 'true', at: token.at };
    const called = isOperator('(');
    if (!isFunctionName(name)) {
      if (called) throw invalid(token.at, `unknown function "${name}" at character ${token.at}: only len(), abs(), isNaN(), min() and max() can be called`);
      throw invalid(token.at, `unexpected "${name}" at character ${token.at}: ${ALLOWED}`);
    }
    if (!called) throw invalid(token.at, `"${name}" at character ${token.at} is a function: call it as ${name}(...)`);
    advance();
    const args = nested(token.at, () => {
      const parsed: ConditionNode[] = [];
      if (!isOperator(')')) {
        parsed.push(expression(0));
        while (isOperator(',')) {
          advance();
          parsed.push(expression(0));
        }
      }
      return parsed;
    });
    expect(')', `to close the call of ${name}() at character ${token.at}`);
    const arity = FUNCTION_ARITY[name];
    if (args.length !== arity) {
      throw invalid(token.at, `${name}() at character ${token.at} takes ${arity} argument${arity === 1 ? '' : 's'}, not ${args.length}`);
    }
    return { kind: 'call', name, args, at: token.at };
  }

  function postfix(target: ConditionNode): ConditionNode {
    let node = target;
    for (;;) {
      const token = peek();
      if (token.kind !== 'operator') return node;
      if (token.text === '.') {
        advance();
        const property = advance();
        if (property.kind !== 'name') {
          throw invalid(property.at, `unexpected ${describeToken(property)} at character ${property.at}: expected a property name after "."; use result[0] for array items`);
        }
        if (FORBIDDEN_PROPERTIES.has(property.text)) throw invalid(property.at, `property "${property.text}" at character ${property.at} is not allowed`);
        node = { kind: 'member', object: node, name: property.text, at: property.at };
      } else if (token.text === '[') {
        advance();
        const index = nested(token.at, () => expression(0));
        expect(']', `to close the "[" at character ${token.at}`);
        node = { kind: 'index', object: node, index, at: token.at };
      } else if (token.text === '(') {
        throw invalid(token.at, `unexpected "(" at character ${token.at}: only len(), abs(), isNaN(), min() and max() can be called`);
      } else {
        return node;
      }
    }
  }

  const root = expression(0);
  const rest = peek();
  if (rest.kind !== 'end') throw invalid(rest.at, `unexpected ${describeToken(rest)} at character ${rest.at}: expected an operator or the end of the condition`);
  return { source, root };
}

/** A value read from the measurement: JSON data only. Containers are checked item by item as they are read. */
type Value = number | string | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

function describe(value: Value): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: object): value is { readonly [key: string]: unknown } {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Evaluates a parsed condition against one measured value. Any misfit between the condition and
 * the value — a missing property, an index out of range, arithmetic on a string, an outcome that
 * is not true/false — throws a GantryError, which the analysis counts as a measurement error
 * rather than a failure.
 */
export function evaluateCondition(condition: Condition, result: unknown): boolean {
  const outcome = evaluate(condition.root, result);
  if (typeof outcome !== 'boolean') throw measurementError(1, `the condition gives ${describe(outcome)}, not true or false`);
  return outcome;
}

function measurementError(at: number, message: string): GantryError {
  return new GantryError('REQUEST_INVALID', `${message} (at character ${at})`, { where: `character ${at}` });
}

function asValue(raw: unknown, at: number, what: string): Value {
  if (raw === null || typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'object' && (Array.isArray(raw) || isPlainObject(raw))) return raw;
  if (typeof raw === 'object') throw measurementError(at, `${what} is an object that is not plain JSON data`);
  throw measurementError(at, `${what} is ${raw === undefined ? 'undefined' : `a ${typeof raw}`}, not JSON data`);
}

/** Reads an own data property without running getters and without touching prototypes. */
function ownValue(container: object, key: string, at: number, what: string): Value {
  if (FORBIDDEN_PROPERTIES.has(key)) throw measurementError(at, `property "${key}" is not allowed`);
  const descriptor = Object.getOwnPropertyDescriptor(container, key);
  if (descriptor === undefined) throw measurementError(at, `${what} does not exist`);
  if (!('value' in descriptor)) throw measurementError(at, `${what} is not JSON data`);
  return asValue(descriptor.value, at, what);
}

function element(target: Value, key: Value, at: number): Value {
  if (Array.isArray(target)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) throw measurementError(at, `an array index must be a whole number, not ${describe(key)}${typeof key === 'number' ? ` (${key})` : ''}`);
    if (key < 0 || key >= target.length) throw measurementError(at, `index ${key} is out of range: the array has ${target.length} item${target.length === 1 ? '' : 's'}`);
    return ownValue(target, String(key), at, `item ${key}`);
  }
  if (target !== null && typeof target === 'object') {
    if (typeof key !== 'string' && typeof key !== 'number') throw measurementError(at, `an object key must be a string or a number, not ${describe(key)}`);
    return ownValue(target, String(key), at, `property "${String(key)}"`);
  }
  throw measurementError(at, `cannot index ${describe(target)}`);
}

function number(value: Value, at: number, operation: string): number {
  if (typeof value !== 'number') throw measurementError(at, `${operation} needs a number, not ${describe(value)}`);
  return value;
}

function boolean(value: Value, at: number, operation: string): boolean {
  if (typeof value !== 'boolean') throw measurementError(at, `${operation} needs true or false, not ${describe(value)}`);
  return value;
}

function evaluate(node: ConditionNode, result: unknown): Value {
  switch (node.kind) {
    case 'number':
    case 'boolean':
      return node.value;
    case 'result':
      return asValue(result, node.at, 'result');
    case 'member': {
      const target = evaluate(node.object, result);
      if (target === null || typeof target !== 'object' || Array.isArray(target)) {
        throw measurementError(node.at, `cannot read property "${node.name}" of ${describe(target)}${Array.isArray(target) ? '; use len() for its length' : ''}`);
      }
      return ownValue(target, node.name, node.at, `property "${node.name}"`);
    }
    case 'index':
      return element(evaluate(node.object, result), evaluate(node.index, result), node.at);
    case 'unary': {
      const operand = evaluate(node.operand, result);
      return node.operator === '!' ? !boolean(operand, node.at, '!') : -number(operand, node.at, 'unary -');
    }
    case 'binary':
      return binary(node.operator, node.left, node.right, node.at, result);
    case 'call':
      return call(node.name, node.args.map((arg) => evaluate(arg, result)), node.at);
  }
}

function binary(operator: BinaryOperator, leftNode: ConditionNode, rightNode: ConditionNode, at: number, result: unknown): Value {
  const left = evaluate(leftNode, result);
  // Short-circuit, so `len(result) > 0 && result[0] < 100` is safe on an empty result.
  if (operator === '&&') return boolean(left, at, '&&') && boolean(evaluate(rightNode, result), at, '&&');
  if (operator === '||') return boolean(left, at, '||') || boolean(evaluate(rightNode, result), at, '||');
  const right = evaluate(rightNode, result);
  if (operator === '==' || operator === '!=') {
    // No coercion: "200" == 200 is a mistake in the condition or the data, so it is an error, not false.
    if (left === null ? right !== null : typeof left !== typeof right || typeof left === 'object') {
      throw measurementError(at, `${operator} compares two numbers, strings, booleans or nulls, not ${describe(left)} and ${describe(right)}`);
    }
    return operator === '==' ? left === right : left !== right;
  }
  const a = number(left, at, operator);
  const b = number(right, at, operator);
  switch (operator) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
  }
}

function call(name: FunctionName, args: readonly Value[], at: number): Value {
  const [first = null, second = null] = args;
  switch (name) {
    case 'len':
      if (typeof first === 'string' || Array.isArray(first)) return first.length;
      throw measurementError(at, `len() needs an array or a string, not ${describe(first)}`);
    case 'abs':
      return Math.abs(number(first, at, 'abs()'));
    case 'isNaN':
      return Number.isNaN(number(first, at, 'isNaN()'));
    case 'min':
      return Math.min(number(first, at, 'min()'), number(second, at, 'min()'));
    case 'max':
      return Math.max(number(first, at, 'max()'), number(second, at, 'max()'));
  }
}
