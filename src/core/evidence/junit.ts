import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { GantryError } from '../errors.js';
import { MAX_FAILING_CASES, type FailingCase, type JunitSummary } from './model.js';

/**
 * JUnit XML test reports: `<testsuites>` or a single `<testsuite>`, suites nested in suites.
 *
 * Counting: every `<testcase>` is counted, and a case with `<failure>`, `<error>` or `<skipped>`
 * counts as that. Those counts win over the suites' `tests`/`failures`/… attributes whenever
 * the report has test cases, because they describe what actually ran and cannot be stale
 * (reporters that merge or rerun suites leave attributes that disagree). Attributes are used
 * only for a suite with no `<testcase>` children at all (a report that only carries totals).
 */

function invalid(file: string, message: string, line?: number): GantryError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new GantryError('EVIDENCE_INVALID', `${where}: ${message}`, { where });
}

type XmlNode = Record<string, unknown>;

const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const asNode = (value: unknown): XmlNode => (value !== null && typeof value === 'object' ? (value as XmlNode) : {});

function attribute(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function count(node: XmlNode, name: string): number | null {
  const raw = attribute(node, name);
  if (raw === undefined) return null;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

interface Totals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number | null;
  suites: number;
  failing: FailingCase[];
  failingTotal: number;
}

function addSuite(suite: XmlNode, totals: Totals): void {
  totals.suites += 1;
  const suiteName = attribute(suite, 'name') ?? '';
  const cases = asArray(suite['testcase']).map(asNode);
  const time = count(suite, 'time');
  const nested = asArray(suite['testsuite']).map(asNode);
  // A suite's time includes its nested suites' time: take the outermost figure only.
  if (time !== null) totals.time = (totals.time ?? 0) + time;
  if (cases.length > 0) {
    for (const testCase of cases) {
      totals.tests += 1;
      const outcome: FailingCase['outcome'] | 'skipped' | null =
        testCase['failure'] !== undefined ? 'failure' : testCase['error'] !== undefined ? 'error' : testCase['skipped'] !== undefined ? 'skipped' : null;
      if (outcome === 'skipped') totals.skipped += 1;
      else if (outcome !== null) {
        if (outcome === 'failure') totals.failures += 1;
        else totals.errors += 1;
        totals.failingTotal += 1;
        if (totals.failing.length < MAX_FAILING_CASES) {
          const className = attribute(testCase, 'classname');
          totals.failing.push({ suite: className ?? suiteName, name: attribute(testCase, 'name') ?? '(unnamed)', outcome });
        }
      }
    }
  } else if (nested.length === 0) {
    totals.tests += count(suite, 'tests') ?? 0;
    totals.failures += count(suite, 'failures') ?? 0;
    totals.errors += count(suite, 'errors') ?? 0;
    totals.skipped += count(suite, 'skipped') ?? count(suite, 'disabled') ?? 0;
  }
  for (const child of nested) addSuiteNested(child, totals);
}

/** Nested suites add their cases but not their time (the parent's time already covers them). */
function addSuiteNested(suite: XmlNode, totals: Totals): void {
  const time = totals.time;
  addSuite(suite, totals);
  totals.time = time;
}

/** Reads a JUnit XML report; `file` names it in errors. Refuses DOCTYPE (and so entities) outright. */
export function parseJunit(text: string, file: string): JunitSummary {
  // No DTD can do anything for a test report, and refusing it closes XXE and entity expansion for good.
  // Test output in CDATA or comments may quote an HTML page (`<!DOCTYPE html>`): blank those first, keeping lines.
  const markup = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, (quoted) => quoted.replace(/[^\n]/g, ' '));
  const doctype = /<!(DOCTYPE|ENTITY)/i.exec(markup);
  if (doctype) throw invalid(file, 'a DOCTYPE or ENTITY declaration is not accepted in a JUnit report', text.slice(0, doctype.index).split('\n').length);
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw invalid(file, `not well-formed XML: ${validation.err.msg}`, validation.err.line);
  // With DOCTYPE refused above, only the five predefined XML entities and character references remain to expand.
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', processEntities: true, htmlEntities: false, parseTagValue: false, parseAttributeValue: false, ignoreDeclaration: true, ignorePiTags: true });
  const document = asNode(parser.parse(text));
  const totals: Totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: null, suites: 0, failing: [], failingTotal: 0 };
  if (document['testsuites'] !== undefined) {
    const root = asNode(document['testsuites']);
    for (const suite of asArray(root['testsuite'])) addSuite(asNode(suite), totals);
    if (totals.time === null) totals.time = count(root, 'time');
  } else if (document['testsuite'] !== undefined) {
    for (const suite of asArray(document['testsuite'])) addSuite(asNode(suite), totals);
  } else {
    throw invalid(file, 'a JUnit report has <testsuites> or <testsuite> at its root');
  }
  return {
    type: 'junit',
    tests: totals.tests,
    failures: totals.failures,
    errors: totals.errors,
    skipped: totals.skipped,
    timeSeconds: totals.time === null ? null : Math.round(totals.time * 1000) / 1000,
    suites: totals.suites,
    failingCases: totals.failing,
    failingCasesTruncated: totals.failingTotal > totals.failing.length,
  };
}
