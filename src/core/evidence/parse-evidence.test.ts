import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { MAX_EVIDENCE_BYTES } from './model.js';
import { describeEvidence, summariseEvidence } from './parse-evidence.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function failure(run: () => unknown): GantryError {
  try {
    run();
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error('expected a GantryError');
}

// What Maven Surefire / Jest's jest-junit write: suites in <testsuites>, a nested suite, and a
// suite whose attributes are stale (they say 1 failure, its cases have 2 and an error).
const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="all" tests="9" failures="1" errors="0" time="4.5">
  <testsuite name="cart" tests="4" failures="1" errors="0" skipped="1" time="1.25">
    <testcase classname="cart.Totals" name="adds tax" time="0.1"/>
    <testcase classname="cart.Totals" name="rounds half up" time="0.2">
      <failure message="expected 3 got 2" type="AssertionError">at cart.test.ts:12</failure>
    </testcase>
    <testcase classname="cart.Totals" name="discounts &amp; coupons" time="0.1">
      <failure message="boom"/>
    </testcase>
    <testcase classname="cart.Totals" name="currency" time="0"><skipped/></testcase>
  </testsuite>
  <testsuite name="api" time="3.25">
    <testcase name="GET /cart"/>
    <testsuite name="api.auth" time="1">
      <testcase name="refuses a bad token"><error message="ECONNREFUSED"/></testcase>
      <testcase name="accepts a good token"/>
    </testsuite>
  </testsuite>
</testsuites>
`;

describe('JUnit XML reports', () => {
  it('counts tests, failures, errors and skipped from the test cases, nested suites included', () => {
    const summary = summariseEvidence('junit', bytes(JUNIT), 'unit.xml');
    expect(summary).toEqual({
      type: 'junit',
      tests: 7,
      failures: 2,
      errors: 1,
      skipped: 1,
      timeSeconds: 4.5,
      suites: 3,
      failingCases: [
        { suite: 'cart.Totals', name: 'rounds half up', outcome: 'failure' },
        { suite: 'cart.Totals', name: 'discounts & coupons', outcome: 'failure' },
        { suite: 'api.auth', name: 'refuses a bad token', outcome: 'error' },
      ],
      failingCasesTruncated: false,
    });
    expect(describeEvidence('unit', summary, 0)).toBe('junit unit: 7 tests, 2 failures, 1 errors, 1 skipped');
  });

  it('reads a single <testsuite> root, and totals from attributes when a suite lists no cases', () => {
    const summary = summariseEvidence('junit', bytes('<testsuite name="smoke" tests="120" failures="0" errors="0" skipped="3" time="12.5"></testsuite>'), 'smoke.xml');
    expect(summary).toMatchObject({ tests: 120, failures: 0, errors: 0, skipped: 3, timeSeconds: 12.5, failingCases: [] });
  });

  it('keeps a bounded list of failing case names but the exact count', () => {
    const cases = Array.from({ length: 80 }, (_, i) => `<testcase name="t${i}"><failure/></testcase>`).join('');
    const summary = summariseEvidence('junit', bytes(`<testsuite name="many">${cases}</testsuite>`), 'many.xml');
    expect(summary).toMatchObject({ tests: 80, failures: 80, failingCasesTruncated: true });
    expect(summary.type === 'junit' && summary.failingCases.length).toBe(50);
  });

  it('refuses an XXE attempt without reading the file it names', () => {
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE testsuite [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n<testsuite name="x"><testcase name="&xxe;"><failure message="&xxe;"/></testcase></testsuite>`;
    const error = failure(() => summariseEvidence('junit', bytes(xxe), 'evil.xml'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe('evil.xml:2: a DOCTYPE or ENTITY declaration is not accepted in a JUnit report');
    expect(error.message).not.toContain('root:');
  });

  it('accepts test output that quotes a DOCTYPE inside CDATA', () => {
    const report = '<testsuite name="web"><testcase name="renders"><failure><![CDATA[got <!DOCTYPE html><html></html>]]></failure></testcase></testsuite>';
    expect(summariseEvidence('junit', bytes(report), 'web.xml')).toMatchObject({ tests: 1, failures: 1 });
  });

  it('refuses billion laughs', () => {
    const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><testsuite name="&lol2;"/>`;
    expect(failure(() => summariseEvidence('junit', bytes(laughs), 'lol.xml')).code).toBe('EVIDENCE_INVALID');
  });

  it('names the file and line of malformed XML, and a root that is not a test report', () => {
    const broken = failure(() => summariseEvidence('junit', bytes('<testsuite name="a">\n  <testcase name="b">\n</testsuite>'), 'broken.xml'));
    expect(broken.code).toBe('EVIDENCE_INVALID');
    expect(broken.message).toMatch(/^broken\.xml:3: not well-formed XML: /);
    expect(failure(() => summariseEvidence('junit', bytes('<html><body/></html>'), 'page.xml')).message).toBe('page.xml: a JUnit report has <testsuites> or <testsuite> at its root');
  });

  it('refuses a file over the size bound', () => {
    const error = failure(() => summariseEvidence('attestation', new Uint8Array(MAX_EVIDENCE_BYTES + 1), 'big.bin'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain('big.bin');
  });
});

const SARIF = JSON.stringify({
  $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
  version: '2.1.0',
  runs: [
    {
      tool: {
        driver: {
          name: 'CodeQL',
          rules: [
            { id: 'js/sql-injection', defaultConfiguration: { level: 'error' }, properties: { 'security-severity': '8.8' } },
            { id: 'js/unused-variable', defaultConfiguration: { level: 'note' } },
            { id: 'js/no-default' },
          ],
        },
      },
      results: [
        { ruleId: 'js/sql-injection', message: { text: 'query built from user input' } },
        { ruleId: 'js/sql-injection', level: 'warning', message: { text: 'downgraded by config' } },
        { ruleIndex: 1, message: { text: 'unused x' } },
        { ruleId: 'js/no-default', message: { text: 'no level anywhere' } },
      ],
    },
    { tool: { driver: { name: 'trivy' } }, results: [{ ruleId: 'CVE-2024-1', level: 'none', message: { text: 'informational' } }] },
  ],
});

describe('SARIF 2.1.0 logs', () => {
  it('counts results by level: explicit, else the rule default, else warning; per tool and rule', () => {
    const summary = summariseEvidence('sarif', bytes(SARIF), 'codeql.sarif');
    expect(summary).toMatchObject({ type: 'sarif', results: 5, levels: { error: 1, warning: 2, note: 1, none: 1 }, maxSecuritySeverity: 8.8 });
    if (summary.type !== 'sarif') throw new Error('not sarif');
    expect(summary.tools).toEqual([
      { tool: 'CodeQL', levels: { error: 1, warning: 2, note: 1, none: 0 } },
      { tool: 'trivy', levels: { error: 0, warning: 0, note: 0, none: 1 } },
    ]);
    expect(summary.rules[0]).toEqual({ tool: 'CodeQL', rule: 'js/sql-injection', level: 'error', count: 1, securitySeverity: 8.8 });
    expect(summary.rules).toContainEqual({ tool: 'CodeQL', rule: 'js/unused-variable', level: 'note', count: 1, securitySeverity: null });
    expect(summary.rules).toContainEqual({ tool: 'CodeQL', rule: 'js/no-default', level: 'warning', count: 1, securitySeverity: null });
  });

  it('names the field of a log that is not SARIF 2.1.0', () => {
    const wrongVersion = failure(() => summariseEvidence('sarif', bytes(JSON.stringify({ version: '2.0.0', runs: [] })), 'old.sarif'));
    expect(wrongVersion.code).toBe('EVIDENCE_INVALID');
    expect(wrongVersion.message).toMatch(/^old\.sarif: not a SARIF 2\.1\.0 log: version: /);
    const badLevel = failure(() => summariseEvidence('sarif', bytes(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results: [{ level: 'fatal' }] }] })), 'bad.sarif'));
    expect(badLevel.message).toMatch(/^bad\.sarif: not a SARIF 2\.1\.0 log: runs\.0\.results\.0\.level: /);
    expect(failure(() => summariseEvidence('sarif', bytes('{"version":'), 'cut.sarif')).message).toMatch(/^cut\.sarif: not JSON/);
  });
});

describe('review records, coverage and attestations', () => {
  it('counts approvals by someone other than the author', () => {
    const record = { author: 'ana', reviewers: [{ name: 'ana', approved: true }, { name: 'bo', approved: true }, { name: 'cy', approved: false }], commits: { from: 'a1', to: 'b2' } };
    const summary = summariseEvidence('review', bytes(JSON.stringify(record)), 'review.json');
    expect(summary).toEqual({ type: 'review', ...record, independentApprovals: 1 });
    const selfOnly = summariseEvidence('review', bytes(JSON.stringify({ ...record, reviewers: [{ name: 'ana', approved: true }] })), 'review.json');
    expect(selfOnly).toMatchObject({ independentApprovals: 0 });
    expect(failure(() => summariseEvidence('review', bytes(JSON.stringify({ author: 'ana', reviewers: [{ name: 'bo' }], commits: { from: 'a', to: 'b' } })), 'r.json')).message).toMatch(/^r\.json: not a review record .*: reviewers\.0\.approved: /);
  });

  it('reads coverage as a bare number or {lines}, and refuses one outside 0–100', () => {
    expect(summariseEvidence('coverage', bytes('87.5\n'), 'c.txt')).toEqual({ type: 'coverage', lines: 87.5 });
    expect(summariseEvidence('coverage', bytes('{"lines": 91}'), 'c.json')).toEqual({ type: 'coverage', lines: 91 });
    expect(failure(() => summariseEvidence('coverage', bytes('140'), 'c.txt')).code).toBe('EVIDENCE_INVALID');
  });

  it('takes any attestation file as it is', () => {
    expect(summariseEvidence('attestation', new Uint8Array([0, 255, 1]), 'a.bin')).toEqual({ type: 'attestation' });
  });
});
