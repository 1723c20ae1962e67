import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ProblemDto, ReleaseDto } from '../../src/protocol/api.js';
import type { CommitDto, ReleaseNotesDto } from '../../src/protocol/release-notes-api.js';
import { captureIo, sendJson, sendProblem, startFakeServer } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Release notes from a real git repository (issue 10): releases record the commit they were built
 * from and the commits they bring, read by the CLI with git; notes for an environment are the
 * commits between the release live there and the new one, merges and their parents included,
 * newest first; a release can be the tree of a tag; a bad ref creates nothing.
 */
const TRICKY_SUBJECT = `Say "hello" | it's naïve café ✓ 🚀 — a|b`;

/** A repository with fixed authors and dates, so every commit id is the same on every run. */
function makeRepository() {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-git-repo-'));
  const git = (when: string, ...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Zoë Dev',
        GIT_AUTHOR_EMAIL: 'zoe@example.test',
        GIT_AUTHOR_DATE: when,
        GIT_COMMITTER_NAME: 'Zoë Dev',
        GIT_COMMITTER_EMAIL: 'zoe@example.test',
        GIT_COMMITTER_DATE: when,
      },
    }).trim();
  git('2026-01-01T00:00:00Z', 'init', '-q', '-b', 'main');
  const commit = (when: string, subject: string, files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    git(when, 'add', '-A');
    git(when, 'commit', '-q', '-m', subject);
    return git(when, 'rev-parse', 'HEAD');
  };
  return { dir, git, commit };
}

interface Notified {
  readonly type: string;
  readonly lines: readonly string[];
  readonly items: readonly { readonly data: { readonly version?: string; readonly commits?: readonly { readonly sha: string }[] } }[];
}

for (const dialect of DIALECTS) describe(`release notes from git (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let root: string;
  let repo: ReturnType<typeof makeRepository>;
  const shas: Record<string, string> = {};
  let hooks: Server;
  const received: Notified[] = [];

  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };
  const notes = async (version: string, environment?: string) => {
    const answer = await gantry.api<ReleaseNotesDto>('GET', `/applications/site/releases/${version}/notes${environment ? `?environment=${environment}` : ''}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const versions = async () => (await gantry.api<{ releases: ReleaseDto[] }>('GET', '/applications/site/releases')).body.releases.map((release) => release.version).sort();
  const deployed = async (version: string) => {
    const detail = await gantry.waitFor((await gantry.deploy('site', version, 'staging')).deployment.id);
    expect(detail.deployment.state).toBe('succeeded');
  };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    // A webhook receiver: deployment notifications carry the release notes.
    hooks = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notified);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    gantry = await startTestGantry({
      ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}),
      env: { GANTRY_OUTBOUND_ALLOW: '127.0.0.1', GANTRY_NOTIFY_INTERVAL: '100ms' },
    });
    expect((await gantry.api('PUT', '/notifications/channels/hooks', { type: 'webhook', url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/` })).status).toBeLessThan(300);
    expect((await gantry.api('PUT', '/notifications/subscriptions/deployed', { channel: 'hooks', events: ['deployment.succeeded'] })).status).toBeLessThan(300);
    root = mkdtempSync(join(tmpdir(), 'gantry-notes-target-'));
    await gantry.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root } });
    await gantry.apply('app: site\nenvironments:\n  - { name: staging, targets: { role: web } }\n  - { name: production, targets: { role: web } }\nstrategy: { type: allAtOnce }\n');
    repo = makeRepository();
    shas.root = repo.commit('2026-01-01T10:00:00Z', 'Initial commit', { 'app.txt': 'one\n' });
    // A commit date with an offset: stored as UTC.
    shas.a = repo.commit('2026-01-02T12:00:00+02:00', 'Add the greeting', { 'app.txt': 'two\n' });
  });
  afterAll(async () => {
    await gantry?.close();
    await new Promise((resolve) => hooks?.close(resolve));
    await database?.drop();
    if (repo) rmSync(repo.dir, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('records the commit a release was built from, resolved in the repository, and the commits it brings', async () => {
    const created = await cli('release', 'create', 'site', '1.0.0', '--path', makeBuildDir({ 'app.txt': 'built\n' }), '--git', repo.dir, '--commit', shas.a!.slice(0, 10));
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(new RegExp(`commit:\\s+${shas.a}`));
    expect(created.out).toContain('2 commits new in this release');
    const commits = (await gantry.api<{ commits: CommitDto[] }>('GET', '/applications/site/releases/1.0.0/commits')).body.commits;
    expect(commits).toEqual([
      { sha: shas.a, parents: [shas.root], authorName: 'Zoë Dev', authorEmail: 'zoe@example.test', committedAt: '2026-01-02T10:00:00.000Z', subject: 'Add the greeting' },
      { sha: shas.root, parents: [], authorName: 'Zoë Dev', authorEmail: 'zoe@example.test', committedAt: '2026-01-01T10:00:00.000Z', subject: 'Initial commit' },
    ]);
    await deployed('1.0.0');
  });

  it('lists exactly the commits between the release live in the environment and the new one, merge parents included, newest first', async () => {
    repo.git('2026-01-03T09:00:00Z', 'checkout', '-q', '-b', 'feature', shas.a!);
    shas.feature = repo.commit('2026-01-03T10:00:00Z', TRICKY_SUBJECT, { 'feature.txt': 'feature\n' });
    repo.git('2026-01-03T11:00:00Z', 'checkout', '-q', 'main');
    shas.main = repo.commit('2026-01-04T10:00:00Z', 'Work on main', { 'app.txt': 'three\n' });
    repo.git('2026-01-05T10:00:00Z', 'merge', '-q', '--no-ff', 'feature', '-m', "Merge branch 'feature'");
    shas.merge = repo.git('2026-01-05T10:00:00Z', 'rev-parse', 'HEAD');
    shas.b = repo.commit('2026-01-06T10:00:00Z', 'After the merge', { 'app.txt': 'four\n' });

    const created = await cli('release', 'create', 'site', '2.0.0', '--path', makeBuildDir({ 'app.txt': 'built 2\n' }), '--git', repo.dir, '--commit', 'main');
    expect(created.code).toBe(0);
    expect(created.out).toContain('4 commits new in this release');

    const between = await notes('2.0.0', 'staging');
    expect(between.from).toEqual({ version: '1.0.0', commit: shas.a });
    expect(between.to).toEqual({ version: '2.0.0', commit: shas.b });
    expect(between.commits.map((commit) => commit.sha)).toEqual([shas.b, shas.merge, shas.main, shas.feature]);
    expect(between.commits.find((commit) => commit.sha === shas.merge)?.parents).toEqual([shas.main, shas.feature]);
    expect(between.commits.find((commit) => commit.sha === shas.feature)?.subject).toBe(TRICKY_SUBJECT);
    expect(between.releases).toEqual([]);
    // Nothing live in production: every known commit of the release's history.
    const fromNothing = await notes('2.0.0', 'production');
    expect(fromNothing.from).toBeNull();
    expect(fromNothing.commits.map((commit) => commit.sha)).toEqual([shas.b, shas.merge, shas.main, shas.feature, shas.a, shas.root]);

    const printed = await cli('release', 'notes', 'site', '2.0.0', '--env', 'staging');
    expect(printed.code).toBe(0);
    expect(printed.out).toContain('since 1.0.0');
    expect(printed.out).toContain(shas.feature!.slice(0, 12));
    expect(printed.out).toContain(TRICKY_SUBJECT);
    expect(printed.out).toContain('Zoë Dev <zoe@example.test>');
    expect(printed.out).toContain('2026-01-03 10:00Z');
    expect(printed.out.indexOf(shas.b!.slice(0, 12))).toBeLessThan(printed.out.indexOf(shas.feature!.slice(0, 12)));
    const json = JSON.parse((await cli('release', 'notes', 'site', '2.0.0', '--env', 'staging', '--json')).out) as ReleaseNotesDto;
    expect(json.commits.map((commit) => commit.subject)).toContain(TRICKY_SUBJECT);
  });

  it('packs the tree of a git ref, not the working directory, and deploys it', async () => {
    shas.c = repo.commit('2026-01-07T10:00:00Z', 'Version three', { 'app.txt': 'tagged three\n' });
    repo.git('2026-01-07T10:00:00Z', 'tag', 'v3.0.0');
    // Changes after the tag, committed or not, are not part of it.
    repo.commit('2026-01-08T10:00:00Z', 'Later work', { 'app.txt': 'later\n' });
    writeFileSync(join(repo.dir, 'app.txt'), 'uncommitted\n');
    writeFileSync(join(repo.dir, 'scratch.txt'), 'untracked\n');

    const created = await cli('release', 'create', 'site', '3.0.0', '--from-git', repo.dir, '--ref', 'v3.0.0');
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(new RegExp(`commit:\\s+${shas.c}`));
    expect(created.out).toContain('1 commit new in this release');

    // Against staging (1.0.0 live): 2.0.0 lies in between.
    const between = await notes('3.0.0', 'staging');
    expect(between.commits.map((commit) => commit.sha)).toEqual([shas.c, shas.b, shas.merge, shas.main, shas.feature]);
    expect(between.releases.map((release) => release.version)).toEqual(['2.0.0']);
    // Without an environment: since the previous release.
    expect((await notes('3.0.0')).commits.map((commit) => commit.sha)).toEqual([shas.c]);

    await deployed('3.0.0');
    expect(readFileSync(join(root, 'site', 'current', 'app.txt'), 'utf8')).toBe('tagged three\n');
    expect(readFileSync(join(root, 'site', 'current', 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(() => readFileSync(join(root, 'site', 'current', 'scratch.txt'))).toThrow();
    // Now live: nothing between staging and 3.0.0.
    expect((await notes('3.0.0', 'staging')).commits).toEqual([]);
    // The notification still says what the deployment brought: counted from what was live when it was asked for.
    let notified: Notified | undefined;
    for (let tries = 0; !notified && tries < 300; tries++) {
      notified = received.find((message) => message.type === 'deployment.succeeded' && message.items[0]?.data.version === '3.0.0');
      if (!notified) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(notified?.lines).toContain('5 commits since 1.0.0:');
    expect(notified?.lines).toContain(`${shas.feature!.slice(0, 12)} ${TRICKY_SUBJECT} (Zoë Dev)`);
    expect(notified?.items[0]?.data.commits?.map((commit) => commit.sha)).toEqual([shas.c, shas.b, shas.merge, shas.main, shas.feature]);
  });

  it('refuses a ref that names no commit with a clear error, and creates nothing', async () => {
    const before = await versions();
    const badRef = await cli('release', 'create', 'site', '9.9.9', '--from-git', repo.dir, '--ref', 'v-no-such-tag');
    expect(badRef.code).toBe(2);
    expect(badRef.err).toContain('error[GIT_REF_NOT_FOUND]');
    expect(badRef.err).toContain('v-no-such-tag');
    expect(badRef.err).toContain(repo.dir);
    const badCommit = await cli('release', 'create', 'site', '9.9.9', '--path', makeBuildDir({ x: '' }), '--git', repo.dir, '--commit', 'deadbeef');
    expect(badCommit.err).toContain('error[GIT_REF_NOT_FOUND]');
    const notARepo = await cli('release', 'create', 'site', '9.9.9', '--from-git', mkdtempSync(join(tmpdir(), 'gantry-not-a-repo-')), '--ref', 'main');
    expect(notARepo.err).toMatch(/error\[GIT_FAILED\]: git rev-parse in .* \(--from-git\) failed: not a git repository/);
    const both = await cli('release', 'create', 'site', '9.9.9', '--path', makeBuildDir({ x: '' }), '--from-git', repo.dir, '--ref', 'main');
    expect(both.err).toContain('--path and --from-git are exclusive');
    expect(both.code).toBe(2);
    expect(await versions()).toEqual(before);
  });

  it('attaches the commits of a release created without them, once; the same again changes nothing, others are refused', async () => {
    shas.d = repo.commit('2026-01-09T10:00:00Z', 'Version four', { 'app.txt': 'four\n' });
    // Recorded commit, no commits read (as when the upload of the commits failed).
    expect((await cli('release', 'create', 'site', '4.0.0', '--path', makeBuildDir({ 'app.txt': 'built 4\n' }), '--commit', shas.d!)).code).toBe(0);
    expect((await gantry.api<{ commits: CommitDto[] }>('GET', '/applications/site/releases/4.0.0/commits')).body.commits).toEqual([]);

    const attached = await cli('release', 'commits', 'site', '4.0.0', '--git', repo.dir);
    expect(attached.code).toBe(0);
    // Everything after 3.0.0's commit: the later work and this one.
    expect(attached.out).toContain('attached 2 commits');
    expect((await notes('4.0.0')).commits.map((commit) => commit.subject)).toEqual(['Version four', 'Later work']);
    const again = await cli('release', 'commits', 'site', '4.0.0', '--git', repo.dir);
    expect(again.out).toContain('nothing changed');

    const other = await gantry.api<ProblemDto>('PUT', '/applications/site/releases/4.0.0/commits', {
      commits: [{ sha: shas.d, parents: [], authorName: 'x', authorEmail: 'x@example.test', committedAt: '2026-01-09T10:00:00Z', subject: 'rewritten' }],
    });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('RELEASE_COMMITS_ATTACHED');
    const invalid = await gantry.api<ProblemDto>('PUT', '/applications/site/releases/4.0.0/commits', { commits: [{ sha: 'HEAD', parents: [], authorName: '', authorEmail: '', committedAt: 'yesterday', subject: '' }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('REQUEST_INVALID');
  });
});

describe('a release whose commits could not be attached', () => {
  it('says the release exists without its commits and how to attach them, and exits with the error', async () => {
    const repo = makeRepository();
    const head = repo.commit('2026-02-01T10:00:00Z', 'Only commit', { 'app.txt': 'x\n' });
    const release = { app: 'site', version: '5.0.0', digest: 'sha256:00', sizeBytes: 1, commit: head, notes: null, createdAt: '2026-02-01T11:00:00.000Z' };
    const server = await startFakeServer((request, response) => {
      if (request.method === 'GET') return sendJson(response, 200, { releases: [] });
      if (request.method === 'POST') return sendJson(response, 201, release);
      return sendProblem(response, 503, 'STORE_UNAVAILABLE', 'the database cannot be reached');
    });
    try {
      const io = captureIo();
      const code = await main(['node', 'gantry', 'release', 'create', 'site', '5.0.0', '--from-git', repo.dir, '--ref', 'main', '--url', server.url, '--token', 't'], { ...io, env: {} });
      expect(code).toBe(6);
      expect(io.err()).toContain('release site 5.0.0 was created, but without its commits');
      expect(io.err()).toContain(`gantry release commits site 5.0.0 --git ${repo.dir}`);
      expect(io.err()).toContain('error[STORE_UNAVAILABLE]');
      const attach = server.requests.find((request) => request.method === 'PUT');
      expect(attach?.url).toBe('/api/v1/applications/site/releases/5.0.0/commits');
      expect((JSON.parse(attach!.body.toString('utf8')) as { commits: CommitDto[] }).commits.map((commit) => commit.sha)).toEqual([head]);
    } finally {
      await server.close();
      rmSync(repo.dir, { recursive: true, force: true });
    }
  });
});
