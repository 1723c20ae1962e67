import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AttachEvidenceResponseDto, EvidenceDetailDto, EvidenceDto } from '../../src/protocol/release-evidence-api.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Release evidence (issue 11): the CI system attaches a JUnit report, a SARIF log, a review record,
 * coverage and an attestation to a release, through the CLI and the API; the summaries come back
 * as parsed, the file comes back byte for byte, and a malformed file is refused and stores nothing.
 */
const UNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="cart" tests="5" failures="1" errors="0" skipped="1" time="2.5">
    <testcase classname="cart" name="adds"/>
    <testcase classname="cart" name="rounds"><failure message="expected 3"/></testcase>
    <testcase classname="cart" name="taxes"><failure message="expected 7"/></testcase>
    <testcase classname="cart" name="currency"><skipped/></testcase>
    <testcase classname="cart" name="crashes"><error message="TypeError"/></testcase>
  </testsuite>
</testsuites>
`;
const SARIF = JSON.stringify({
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'semgrep', rules: [{ id: 'no-eval', defaultConfiguration: { level: 'error' } }] } }, results: [{ ruleId: 'no-eval', message: { text: 'eval' } }, { ruleId: 'other', message: { text: 'x' } }] }],
});

for (const dialect of DIALECTS) describe(`release evidence (store: ${dialect})`, () => {
  let gantry: TestGantry;
  let database: TestDatabase;
  const files = mkdtempSync(join(tmpdir(), 'gantry-evidence-'));
  const write = (name: string, content: string | Uint8Array) => {
    const path = join(files, name);
    writeFileSync(path, content);
    return path;
  };
  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };
  const post = async (path: string, body: Uint8Array | string) => {
    const response = await fetch(`${gantry.url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${gantry.token}`, 'content-type': 'application/octet-stream' }, body });
    return { status: response.status, body: (await response.json()) as AttachEvidenceResponseDto & { code?: string; detail?: string } };
  };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    gantry = await startTestGantry(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {});
    await gantry.apply('app: shop\nenvironments:\n  - { name: staging, targets: { role: web } }\nstrategy: { type: allAtOnce }\n');
    expect((await cli('release', 'create', 'shop', '1.0', '--path', makeBuildDir({ 'index.html': 'one' }))).code).toBe(0);
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('attaches a JUnit report and a SARIF log through the CLI and shows their summaries', async () => {
    const unit = await cli('release', 'attest', 'shop', '1.0', '--type', 'junit', '--name', 'unit', '--file', write('unit.xml', UNIT));
    expect(unit.err).toBe('');
    expect(unit.code).toBe(0);
    expect(unit.out).toContain('junit unit: 5 tests, 2 failures, 1 errors, 1 skipped');
    expect((await cli('release', 'attest', 'shop', '1.0', '--type', 'sarif', '--file', write('scan.sarif', SARIF))).code).toBe(0);

    const shown = await cli('release', 'evidence', 'shop', '1.0');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('junit unit: 5 tests, 2 failures, 1 errors, 1 skipped');
    expect(shown.out).toContain('failure: cart › rounds');
    expect(shown.out).toContain('error: cart › crashes');
    expect(shown.out).toContain('sarif sarif: 2 results (1 error, 1 warning, 0 note, 0 none)');
    expect(shown.out).toContain('error: semgrep no-eval ×1');

    const json = await cli('release', 'evidence', 'shop', '1.0', '--json');
    const { evidence } = JSON.parse(json.out) as { evidence: EvidenceDto[] };
    expect(evidence.map((entry) => [entry.type, entry.name])).toEqual([['junit', 'unit'], ['sarif', 'sarif']]);
    expect(evidence[0]?.summary).toMatchObject({ type: 'junit', tests: 5, failures: 2, errors: 1, skipped: 1 });
    expect(evidence[1]?.summary).toMatchObject({ type: 'sarif', levels: { error: 1, warning: 1, note: 0, none: 0 } });
  });

  it('attaches review, coverage and a binary attestation through the API and gives the file back', async () => {
    const review = await post('/applications/shop/releases/1.0/evidence?type=review', JSON.stringify({ author: 'ana', reviewers: [{ name: 'bo', approved: true }], commits: { from: 'a1b2', to: 'c3d4' } }));
    expect(review.status).toBe(201);
    expect(review.body.summary).toMatchObject({ type: 'review', independentApprovals: 1 });
    expect(review.body.attachedBy).toBe('admin');
    expect((await post('/applications/shop/releases/1.0/evidence?type=coverage', '{"lines": 83.4}')).body.description).toBe('coverage coverage: 83.4% lines');

    const provenance = new Uint8Array([0x7b, 0x00, 0xff, 0x10, 0x7d]);
    const attested = await post('/applications/shop/releases/1.0/evidence?type=attestation&name=slsa', provenance);
    expect(attested.status).toBe(201);
    expect(attested.body.sizeBytes).toBe(5);
    const detail = await gantry.api<EvidenceDetailDto>('GET', `/applications/shop/releases/1.0/evidence/${attested.body.id}`);
    expect(detail.status).toBe(200);
    expect([...Buffer.from(detail.body.contentBase64, 'base64')]).toEqual([...provenance]);
    const raw = await fetch(`${gantry.url}/api/v1/applications/shop/releases/1.0/evidence/${attested.body.id}?download=1`, { headers: { authorization: `Bearer ${gantry.token}` } });
    expect(raw.headers.get('x-content-sha256')).toBe(attested.body.sha256);
    expect([...new Uint8Array(await raw.arrayBuffer())]).toEqual([...provenance]);

    // The same type and name again replaces the report (a CI job that ran again).
    const again = await post('/applications/shop/releases/1.0/evidence?type=coverage', '90');
    expect(again.body.replaced).not.toBeNull();
    const list = await gantry.api<{ evidence: EvidenceDto[] }>('GET', '/applications/shop/releases/1.0/evidence');
    expect(list.body.evidence.filter((entry) => entry.type === 'coverage').map((entry) => entry.summary)).toEqual([{ type: 'coverage', lines: 90 }]);
  });

  it('takes files up to 5 MiB as the body, and refuses a larger one with 413', async () => {
    const large = await post('/applications/shop/releases/1.0/evidence?type=attestation&name=large', new Uint8Array(3 * 1024 * 1024).fill(7));
    expect(large.status).toBe(201);
    expect(large.body.sizeBytes).toBe(3 * 1024 * 1024);
    const tooLarge = await post('/applications/shop/releases/1.0/evidence?type=attestation&name=too-large', new Uint8Array(6 * 1024 * 1024).fill(7));
    expect(tooLarge.status).toBe(413);
  });

  it('refuses a malformed file, naming it and the line, and stores nothing', async () => {
    const before = (await gantry.api<{ evidence: EvidenceDto[] }>('GET', '/applications/shop/releases/1.0/evidence')).body.evidence.length;
    const broken = await cli('release', 'attest', 'shop', '1.0', '--type', 'junit', '--name', 'integration', '--file', write('integration.xml', '<testsuite name="a">\n<testcase name="b">\n</testsuite>\n'));
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/error\[EVIDENCE_INVALID\]: .*integration\.xml:3: not well-formed XML/);
    const xxe = await post('/applications/shop/releases/1.0/evidence?type=junit&name=evil&file=evil.xml', '<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<testsuite name="&x;"/>');
    expect(xxe.status).toBe(400);
    expect(xxe.body.code).toBe('EVIDENCE_INVALID');
    expect(xxe.body.detail).not.toContain('root:');
    const sarif = await post('/applications/shop/releases/1.0/evidence?type=sarif&file=old.sarif', '{"version":"2.0.0","runs":[]}');
    expect(sarif.body.detail).toMatch(/^old\.sarif: not a SARIF 2\.1\.0 log: version/);
    const after = (await gantry.api<{ evidence: EvidenceDto[] }>('GET', '/applications/shop/releases/1.0/evidence')).body.evidence.length;
    expect(after).toBe(before);
  });

  it('refuses evidence for a release that does not exist, and an unknown evidence id', async () => {
    expect((await post('/applications/shop/releases/9.9/evidence?type=coverage', '50')).body.code).toBe('RELEASE_NOT_FOUND');
    expect((await gantry.api<{ code: string }>('GET', '/applications/shop/releases/1.0/evidence/evd-nope')).body.code).toBe('EVIDENCE_NOT_FOUND');
  });
});
