import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../manifest/parse-manifest.js';
import { compareFiles, comparePackages } from './compare.js';
import { explainDrift } from './explain.js';
import { globPattern, globProblem, ignoredBy, prunableDirectories } from './ignore-globs.js';
import { LIST_RELEASE_FILES, parseReleaseListing, PRUNE_VARIABLE } from './listing.js';
import type { DriftRecord } from './model.js';
import { needsExplanation, nextDriftRecord, type DriftSubject } from './record.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('drift.ignore globs', () => {
  it('matches * within a segment, ? one character, ** any number of segments', () => {
    expect(globPattern('*.log').test('app.log')).toBe(true);
    expect(globPattern('*.log').test('logs/app.log')).toBe(false);
    expect(globPattern('**/*.log').test('app.log')).toBe(true);
    expect(globPattern('**/*.log').test('a/b/app.log')).toBe(true);
    expect(globPattern('node_modules/**').test('node_modules/x/index.js')).toBe(true);
    expect(globPattern('node_modules/**').test('node_modules')).toBe(false);
    expect(globPattern('v?.txt').test('v1.txt')).toBe(true);
    expect(globPattern('a+b(c).txt').test('a+b(c).txt')).toBe(true);
    expect(globPattern('a.txt').test('aXtxt')).toBe(false);
    expect(ignoredBy(['cache/**', '*.pid'])('cache/a/b')).toBe(true);
    expect(ignoredBy([])('anything')).toBe(false);
  });

  it('refuses globs that leave the release directory or cannot be passed on', () => {
    expect(globProblem('/etc/**')).toMatch(/relative/);
    expect(globProblem('../x')).toMatch(/"\.\."/);
    expect(globProblem('a\nb')).toMatch(/line breaks/);
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('node_modules/**')).toBeNull();
  });

  it('prunes only whole literal directories on the target', () => {
    expect(prunableDirectories(['node_modules/**', 'vendor/cache/**', '*.log', 'b*/**', 'x[1]/**', 'node_modules/**'])).toEqual(['node_modules', 'vendor/cache']);
  });

  it('is an optional manifest field; a bad glob names its path', () => {
    const base = 'app: web\nenvironments:\n  - { name: prod, targets: { role: web } }\n';
    expect(parseManifest(base).drift).toBeUndefined();
    expect(parseManifest(`${base}drift: { ignore: ["node_modules/**"] }\n`).drift).toEqual({ ignore: ['node_modules/**'] });
    expect(() => parseManifest(`${base}drift: { ignore: ["/abs"] }\n`, 'gantry.yaml')).toThrow(/drift\.ignore\.0|drift.*ignore/);
  });
});

describe('comparing desired and live files', () => {
  it('lists changed, added and removed files, sorted, leaving ignored files out on both sides', () => {
    const desired = new Map([['index.html', sha('a')], ['config.txt', sha('port=1')], ['gone.txt', sha('g')], ['node_modules/x.js', sha('x')]]);
    const live = new Map([['index.html', sha('b')], ['config.txt', sha('port=1')], ['new.txt', sha('n')], ['b.txt', sha('b')], ['node_modules/y.js', sha('y')]]);
    expect(compareFiles(desired, live, ['node_modules/**'])).toEqual({ changed: ['index.html'], added: ['b.txt', 'new.txt'], removed: ['gone.txt'], packages: [] });
    expect(compareFiles(desired, new Map(desired))).toEqual({ changed: [], added: [], removed: [], packages: [] });
  });
});

describe('the listing program', () => {
  it('lists every regular file with its sha256, names with spaces, newlines and backslashes intact, pruned directories skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-listing-'));
    const files: Record<string, string> = { 'index.html': 'hello', 'with space.txt': 's', 'new\nline.txt': 'n', 'back\\slash': 'b', 'deep/er/file': 'd', '.gantry-release': 'digest\n' };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'pkg', 'index.js'), 'x');
    const output = execFileSync('sh', ['-c', LIST_RELEASE_FILES], { cwd: dir, env: { PATH: process.env.PATH, [PRUNE_VARIABLE]: 'node_modules\nnot-there' }, encoding: 'utf8' });
    const listed = parseReleaseListing(output);
    const expected = new Map(Object.entries(files).filter(([path]) => path !== '.gantry-release').map(([path, content]) => [path, sha(content)]));
    expect(listed).toEqual(expected);
  });

  it('gives the same listing where sha256sum has no -z (BusyBox, older coreutils)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-listing-'));
    const shim = mkdtempSync(join(tmpdir(), 'gantry-shim-'));
    const real = execFileSync('sh', ['-c', 'command -v sha256sum'], { encoding: 'utf8' }).trim();
    writeFileSync(join(shim, 'sha256sum'), `#!/bin/sh\nfor a do [ "$a" = -z ] && exit 1; done\nexec ${real} "$@"\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'a file'), 'a');
    writeFileSync(join(dir, 'new\nline'), 'n');
    const output = execFileSync('sh', ['-c', LIST_RELEASE_FILES], { cwd: dir, env: { PATH: `${shim}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(parseReleaseListing(output)).toEqual(new Map([['a file', sha('a')], ['new\nline', sha('n')]]));
  });

  it('refuses output that was cut short or is not a listing', () => {
    expect(() => parseReleaseListing(`${sha('a')}  a.txt`)).toThrow(/middle of a record/);
    expect(() => parseReleaseListing('nonsense\0')).toThrow(/not "<sha256>  <path>"/);
    expect(parseReleaseListing('')).toEqual(new Map());
  });
});

describe('explaining a drift', () => {
  const at = '2026-12-01T10:00:00.000Z';
  it('is explained by a change being implemented on the target, or approved and inside its window', () => {
    expect(explainDrift({ at, target: 'web-1', deployments: [], changes: [{ id: 'C-12', state: 'implement', window: null, targets: ['web-1'] }] })).toEqual({
      unauthorised: false,
      explanation: 'explained by change C-12, being implemented when the drift was seen',
    });
    const window = { start: '2026-12-01T09:00:00.000Z', end: '2026-12-01T11:00:00.000Z' };
    expect(explainDrift({ at, target: 'web-1', deployments: [], changes: [{ id: 'C-3', state: 'scheduled', window, targets: ['web-1'] }] }).explanation).toMatch(/^explained by change C-3, inside its approved window/);
  });

  it('is not explained by a change of other targets, outside its window, or not approved', () => {
    const window = { start: '2026-12-01T11:00:00.000Z', end: '2026-12-01T12:00:00.000Z' };
    const changes = [
      { id: 'C-1', state: 'implement', window: null, targets: ['web-2'] },
      { id: 'C-2', state: 'scheduled', window, targets: ['web-1'] },
      { id: 'C-4', state: 'authorize', window: { start: '2026-12-01T09:00:00.000Z', end: '2026-12-01T11:00:00.000Z' }, targets: ['web-1'] },
    ];
    expect(explainDrift({ at, target: 'web-1', deployments: [], changes })).toEqual({ unauthorised: true, explanation: 'no deployment or change explains it' });
  });

  it('is explained by an active deployment of the app to the environment', () => {
    expect(explainDrift({ at, target: 'web-1', deployments: [{ id: 'd-9', state: 'rolling_back' }], changes: [] })).toEqual({ unauthorised: false, explanation: 'explained by deployment d-9, rolling back when the drift was seen' });
  });
});

describe('the drift record over time', () => {
  const subject: DriftSubject = { target: 'web-1', app: 'web', environment: 'prod', version: '1.0' };
  const edit = { changed: ['index.html'], added: [], removed: [], packages: [] };
  const unauthorised = { unauthorised: true, explanation: 'no deployment or change explains it' };
  const first = nextDriftRecord(null, subject, { kind: 'checked', differences: edit }, 't1', unauthorised);

  it('keeps when the drift was first seen while it persists, through a check that cannot reach the target', () => {
    expect(first).toMatchObject({ state: 'drifted', firstSeenAt: 't1', unauthorised: true, changed: ['index.html'] });
    expect(needsExplanation(first, subject, { kind: 'checked', differences: edit })).toBe(false);
    const again = nextDriftRecord(first, subject, { kind: 'checked', differences: edit }, 't2', null);
    expect(again).toMatchObject({ state: 'drifted', firstSeenAt: 't1', checkedAt: 't2', unauthorised: true });
    const unreachable = nextDriftRecord(again, subject, { kind: 'unknown', reason: 'error[TARGET_UNREACHABLE]: refused' }, 't3', null);
    expect(unreachable).toMatchObject({ state: 'unknown', firstSeenAt: 't1', changed: ['index.html'], reason: 'error[TARGET_UNREACHABLE]: refused' });
    expect(nextDriftRecord(unreachable, subject, { kind: 'checked', differences: edit }, 't4', null)).toMatchObject({ state: 'drifted', firstSeenAt: 't1' });
  });

  it('asks for a new explanation when the differences change, and starts over once in sync or on another release', () => {
    const more = { ...edit, added: ['x'] };
    expect(needsExplanation(first, subject, { kind: 'checked', differences: more })).toBe(true);
    const synced: DriftRecord = nextDriftRecord(first, subject, { kind: 'checked', differences: { changed: [], added: [], removed: [], packages: [] } }, 't2', null);
    expect(synced).toMatchObject({ state: 'in_sync', firstSeenAt: null, unauthorised: false, explanation: null });
    expect(needsExplanation(synced, subject, { kind: 'checked', differences: edit })).toBe(true);
    expect(needsExplanation(first, { ...subject, version: '2.0' }, { kind: 'checked', differences: edit })).toBe(true);
    expect(nextDriftRecord(null, subject, { kind: 'unknown', reason: 'r' }, 't1', null)).toMatchObject({ state: 'unknown', firstSeenAt: null, changed: [] });
  });
});

describe('declared packages', () => {
  const installed = { os: { id: 'debian', versionId: '12' }, format: 'dpkg' as const, packages: new Map([['nginx', '1.22.1-9'], ['openssl', '3.0.11-1~deb12u1']]), reportedAt: 't' };

  it('reads them from the manifest, a name or a name with its least version', () => {
    const manifest = parseManifest('app: web\nenvironments: [{ name: prod, targets: { role: web } }]\npackages: [nginx, { name: openssl, minVersion: "3.0.11-1" }]\n');
    expect(manifest.packages).toEqual([{ name: 'nginx', minVersion: null }, { name: 'openssl', minVersion: '3.0.11-1' }]);
    expect(() => parseManifest('app: web\nenvironments: [{ name: prod, targets: { role: web } }]\npackages: ["-oops"]\n')).toThrow(/packages\.0.*package name/);
  });

  it('lists those missing or below their version, by the package manager\'s ordering, and nothing without a package report', () => {
    const declared = [
      { name: 'nginx', minVersion: null },
      { name: 'openssl', minVersion: '3.0.11-1' },
      { name: 'auditd', minVersion: null },
    ];
    expect(comparePackages(declared, installed)).toEqual(['openssl 3.0.11-1~deb12u1 is below 3.0.11-1', 'auditd is not installed']);
    expect(comparePackages([{ name: 'openssl', minVersion: '3.0.11-1~deb12u1' }], installed)).toEqual([]);
    expect(comparePackages(declared, null)).toEqual([]);
  });
});
