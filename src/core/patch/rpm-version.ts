/**
 * RPM package version ordering: librpm's `rpmvercmp` (rpmio/rpmvercmp.c, with the `^` caret of rpm >= 4.15)
 * applied to `[epoch:]version[-release]` as `parseEVR` splits it and `rpmverCmp` compares it.
 *
 * - The epoch is the leading digits when a colon follows them (`:1.0` has epoch 0); missing counts as 0.
 * - The release is everything after the LAST hyphen.
 * - Epoch, then version, then release compare with `rpmvercmp`. When either side has no release, the
 *   releases are not compared (`1.0` equals `1.0-5`), as rpm does when it matches a dependency such as
 *   `foo >= 1.0` against `foo-1.0-5`. Callers that need a strict order on full EVRs should give both releases.
 *
 * Pure: no I/O, no imports.
 */

const TILDE = 0x7e;
const CARET = 0x5e;
const COLON = 0x3a;
const HYPHEN = 0x2d;
const ZERO = 0x30;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isAlpha(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isAlnum(code: number): boolean {
  return isDigit(code) || isAlpha(code);
}

/** Byte-wise `strcmp` sign of two ASCII runs (segments only ever hold ASCII letters or digits). */
function compareRuns(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * librpm's `rpmvercmp`: -1, 0 or 1. Segments are maximal runs of ASCII digits or ASCII letters; anything
 * else except `~` and `^` only separates them. `~` sorts before everything, the end of the string included;
 * `^` sorts after the end of the string but before anything else. A numeric segment is newer than an
 * alphabetic one; numbers compare by value at any length. When all segments tie, the side with
 * characters left over is newer.
 */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  // C strings end at the first NUL.
  const one = a.includes('\0') ? a.slice(0, a.indexOf('\0')) : a;
  const two = b.includes('\0') ? b.slice(0, b.indexOf('\0')) : b;
  let i = 0;
  let j = 0;
  const at = (text: string, index: number): number => (index < text.length ? text.charCodeAt(index) : 0);

  while (i < one.length || j < two.length) {
    while (i < one.length && !isAlnum(at(one, i)) && at(one, i) !== TILDE && at(one, i) !== CARET) i++;
    while (j < two.length && !isAlnum(at(two, j)) && at(two, j) !== TILDE && at(two, j) !== CARET) j++;
    const c1 = at(one, i);
    const c2 = at(two, j);

    if (c1 === TILDE || c2 === TILDE) {
      if (c1 !== TILDE) return 1;
      if (c2 !== TILDE) return -1;
      i++;
      j++;
      continue;
    }

    if (c1 === CARET || c2 === CARET) {
      if (c1 === 0) return -1;
      if (c2 === 0) return 1;
      if (c1 !== CARET) return 1;
      if (c2 !== CARET) return -1;
      i++;
      j++;
      continue;
    }

    if (c1 === 0 || c2 === 0) break;

    const numeric = isDigit(c1);
    const inSegment = numeric ? isDigit : isAlpha;
    let end1 = i;
    while (end1 < one.length && inSegment(at(one, end1))) end1++;
    let end2 = j;
    while (end2 < two.length && inSegment(at(two, end2))) end2++;

    // Different kinds of segment: the numeric one is newer.
    if (end2 === j) return numeric ? 1 : -1;

    let seg1 = one.slice(i, end1);
    let seg2 = two.slice(j, end2);
    if (numeric) {
      let zeros1 = 0;
      while (zeros1 < seg1.length && seg1.charCodeAt(zeros1) === ZERO) zeros1++;
      let zeros2 = 0;
      while (zeros2 < seg2.length && seg2.charCodeAt(zeros2) === ZERO) zeros2++;
      seg1 = seg1.slice(zeros1);
      seg2 = seg2.slice(zeros2);
      if (seg1.length !== seg2.length) return seg1.length > seg2.length ? 1 : -1;
    }
    const rc = compareRuns(seg1, seg2);
    if (rc !== 0) return rc;

    i = end1;
    j = end2;
  }

  if (i >= one.length && j >= two.length) return 0;
  return i >= one.length ? -1 : 1;
}

interface Evr {
  readonly epoch: string;
  readonly version: string;
  readonly release: string | undefined;
}

/** librpm's `parseEVR`. */
function parseEvr(evr: string): Evr {
  let index = 0;
  while (index < evr.length && isDigit(evr.charCodeAt(index))) index++;
  const hyphen = evr.lastIndexOf('-');
  const hasEpoch = evr.charCodeAt(index) === COLON;
  const epoch = hasEpoch && index > 0 ? evr.slice(0, index) : '0';
  const versionStart = hasEpoch ? index + 1 : 0;
  // strrchr from the epoch terminator: a hyphen inside the epoch digits cannot exist.
  if (hyphen >= index && evr.charCodeAt(hyphen) === HYPHEN) {
    return { epoch, version: evr.slice(versionStart, hyphen), release: evr.slice(hyphen + 1) };
  }
  return { epoch, version: evr.slice(versionStart), release: undefined };
}

/**
 * Negative, zero or positive as RPM `[epoch:]version[-release]` `a` orders before, with or after `b`:
 * epochs (missing = 0), then versions, then releases, each with `rpmvercmp`. A release missing on either
 * side matches any release (see the module comment).
 */
export function compareRpmVersions(a: string, b: string): number {
  if (a === b) return 0;
  const left = parseEvr(a);
  const right = parseEvr(b);
  const epoch = rpmvercmp(left.epoch, right.epoch);
  if (epoch !== 0) return epoch;
  const version = rpmvercmp(left.version, right.version);
  if (version !== 0) return version;
  if (left.release === undefined || right.release === undefined) return 0;
  return rpmvercmp(left.release, right.release);
}
