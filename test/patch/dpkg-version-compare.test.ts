// Property test: compareDebianVersions and isDebianVersion against the real `dpkg --compare-versions`, over a
// large deterministic set of tricky version pairs. dpkg is always present on Debian (development machine and CI).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compareDebianVersions, isDebianVersion } from '../../src/core/patch/debian-version.js';

const run = promisify(execFile);
const DPKG = '/usr/bin/dpkg';
const PAIRS = 3000;
const BATCHES = 4;
const SEED = 0x9e3779b9;

/** mulberry32: small, seeded, deterministic. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const chance = (p: number): boolean => random() < p;
const int = (max: number): number => Math.floor(random() * max);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

// Bytes outside ASCII order by the sign of C's `char`, so only compare them where dpkg was built for amd64.
const NON_ASCII = process.arch === 'x64' ? ['é', 'ß'] : [];

function digits(): string {
  if (chance(0.08)) return '0'.repeat(int(4)) + String(1 + int(9)) + Array.from({ length: 15 + int(30) }, () => String(int(10))).join('');
  const run = String(int(chance(0.5) ? 10 : 1000));
  return chance(0.2) ? '0'.repeat(1 + int(3)) + run : run;
}

function letters(): string {
  return Array.from({ length: 1 + int(3) }, () => pick(['a', 'b', 'z', 'A', 'Z', 'p', 'rc', 'dfsg', 'git', 'bpo', 'ubuntu'])).join('');
}

function separator(inRevision: boolean): string {
  const common = ['.', '.', '.', '+', '~', '~~', '+~', '~+'];
  const rare = inRevision ? ['_', ...NON_ASCII] : ['_', ':', '-', '--', ...NON_ASCII];
  return chance(0.93) ? pick(common) : pick(rare);
}

function part(inRevision: boolean, pieces: number): string {
  let text = '';
  for (let index = 0; index < pieces; index++) {
    const roll = random();
    text += roll < 0.45 ? digits() : roll < 0.7 ? letters() : separator(inRevision);
  }
  return text;
}

function version(): string {
  const epochs = chance(0.95) ? ['0', '1', '2', '01', '00', '10', '1', '2147483647', '+1', '-0'] : ['2147483648', '', 'a', '-1'];
  const epoch = chance(0.3) ? `${pick(epochs)}:` : '';
  let upstream = (chance(0.88) ? digits() : chance(0.5) ? letters() : pick(['~', '+', '.'])) + part(false, int(6));
  // A colon in the upstream version is only read as such after an epoch.
  if (!epoch) upstream = upstream.replaceAll(':', '.');
  const revision = chance(0.6)
    ? `-${chance(0.3) ? pick(['0', '00', '0~', '1', '1+b1', '1~bpo11+1', '1ubuntu0.22.04.1', '~bpo', '1.el9']) : part(true, 1 + int(4))}`
    : '';
  return epoch + upstream + revision;
}

function mutate(base: string): string {
  let text = base;
  for (let step = 1 + int(2); step > 0; step--) {
    const position = int(text.length + 1);
    switch (int(12)) {
      case 0: text += pick(['~', '~~', '~a', '~1']); break;
      case 1: text += pick(['0', '.0', '.00', '-0', '-00', '+0']); break;
      case 2: text += pick(['a', 'A', '+', '.', '.1', '1', 'p1', '-1']); break;
      case 3: if (!/^[^:]*:/.test(text)) text = `${pick(['0', '1', '00'])}:${text}`; break;
      case 4: text = text.replace(/\d+/, (run) => `0${run}`); break;
      case 5: text = text.replace(/\d(?!.*\d)/, (digit) => String((Number(digit) + pick([1, 9])) % 10)); break;
      case 6: text = text.slice(0, position) + pick(['~', '+', '.', 'a', '0']) + text.slice(position); break;
      case 7: text = text.slice(0, position) + text.slice(position + 1); break;
      case 8: text = text.slice(0, Math.max(1, position)); break;
      case 9: text = text.replace(/[.+~]/, (separator) => pick(['.', '+', '~', 'z', ...NON_ASCII].filter((other) => other !== separator))); break;
      case 10: text = text.replace(/[a-z]/i, (letter) => (letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase())); break;
      default: text = text.replace(/-[^-]*$/, ''); break;
    }
  }
  return text.length > 0 && !/[ \t]/.test(text) ? text : base;
}

function pairs(): Array<readonly [string, string]> {
  const result: Array<readonly [string, string]> = [];
  while (result.length < PAIRS) {
    const a = version();
    const b = chance(0.35) ? version() : mutate(a);
    result.push(chance(0.5) ? [a, b] : [b, a]);
  }
  return result;
}

const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

type Answer = 'lt' | 'eq' | 'gt' | 'err';

/** One shell per batch: dpkg exits 0 (true), 1 (false) or 2 (syntax error). */
async function askDpkg(batch: ReadonlyArray<readonly [string, string]>): Promise<Answer[]> {
  const script = [
    'c() {',
    `  ${DPKG} --compare-versions -- "$1" lt "$2" 2>/dev/null; r=$?`,
    '  if [ $r -eq 0 ]; then echo lt; return; fi',
    '  if [ $r -ne 1 ]; then echo err; return; fi',
    `  ${DPKG} --compare-versions -- "$1" eq "$2" 2>/dev/null; r=$?`,
    '  if [ $r -eq 0 ]; then echo eq; elif [ $r -eq 1 ]; then echo gt; else echo err; fi',
    '}',
    ...batch.map(([a, b]) => `c ${quote(a)} ${quote(b)}`),
  ].join('\n');
  const { stdout } = await run('/bin/sh', ['-c', script], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  const answers = stdout.split('\n').filter((line) => line.length > 0);
  expect(answers).toHaveLength(batch.length);
  for (const answer of answers) expect(['lt', 'eq', 'gt', 'err']).toContain(answer);
  return answers as Answer[];
}

describe.skipIf(!existsSync(DPKG))('compareDebianVersions against dpkg --compare-versions', () => {
  it(`agrees with dpkg on ${PAIRS} generated pairs`, async () => {
    const all = pairs();
    const size = Math.ceil(all.length / BATCHES);
    const batches = Array.from({ length: BATCHES }, (_, index) => all.slice(index * size, (index + 1) * size));
    const answers = (await Promise.all(batches.map(askDpkg))).flat();
    expect(answers).toHaveLength(all.length);

    const disagreements: string[] = [];
    const counts = { lt: 0, eq: 0, gt: 0, err: 0 };
    all.forEach(([a, b], index) => {
      const dpkg = answers[index]!;
      counts[dpkg]++;
      const valid = isDebianVersion(a) && isDebianVersion(b);
      if (dpkg === 'err') {
        if (valid) disagreements.push(`dpkg refuses ${JSON.stringify(a)} / ${JSON.stringify(b)}, isDebianVersion accepts both`);
        return;
      }
      if (!valid) disagreements.push(`dpkg accepts ${JSON.stringify(a)} / ${JSON.stringify(b)}, isDebianVersion refuses one`);
      const sign = Math.sign(compareDebianVersions(a, b));
      const ours = sign < 0 ? 'lt' : sign === 0 ? 'eq' : 'gt';
      if (ours !== dpkg) disagreements.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: dpkg says ${dpkg}, compareDebianVersions says ${ours}`);
    });

    expect(disagreements.slice(0, 10), `${disagreements.length} disagreement(s) with dpkg`).toEqual([]);
    // Not vacuous: nearly every pair is valid, and every outcome occurs plenty of times.
    expect(counts.err / all.length).toBeLessThan(0.1);
    expect(counts.lt).toBeGreaterThan(all.length / 10);
    expect(counts.gt).toBeGreaterThan(all.length / 10);
    expect(counts.eq).toBeGreaterThan(all.length / 100);
    expect(new Set(all.flat()).size).toBeGreaterThan(all.length);
  });
});
