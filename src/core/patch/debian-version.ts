/**
 * Debian package version ordering, exactly as dpkg orders versions (Debian Policy §5.6.12; dpkg's
 * `parseversion` in lib/dpkg/parsehelp.c and `verrevcmp` / `dpkg_version_compare` in lib/dpkg/version.c).
 *
 * A version is `[epoch:]upstream[-revision]`:
 * - the epoch is everything before the FIRST colon, read as C's `strtol` reads it (so `+1:` and `-0:` are
 *   accepted, as dpkg accepts them), 0 when there is no colon, at most 2^31 - 1;
 * - the revision is everything after the LAST hyphen of the rest; a missing revision is the empty string,
 *   which compares equal to `0` (so `1.0` equals `1.0-0`, as in dpkg);
 * - upstream and revision compare by alternating runs: a non-digit run character by character, letters
 *   before non-letters and `~` before everything, even the end of the string; then a digit run
 *   numerically, of any length (leading zeros ignored).
 *
 * Comparison works on the UTF-8 bytes, as dpkg does. Bytes outside ASCII (which dpkg only warns about)
 * order as they do on amd64, where `char` is signed: after letters, before ASCII punctuation.
 *
 * Pure: no I/O, no imports.
 */

const BLANK_SPACE = 0x20;
const BLANK_TAB = 0x09;
const COLON = 0x3a;
const HYPHEN = 0x2d;
const TILDE = 0x7e;
const PLUS = 0x2b;
const ZERO = 0x30;
const NINE = 0x39;
const INT_MAX = 2_147_483_647;

interface DebianVersion {
  readonly epoch: number;
  readonly upstream: Uint8Array;
  readonly revision: Uint8Array;
}

interface Parsed {
  /** The version dpkg would compare; for a string dpkg refuses, a best-effort reading of it. */
  readonly version: DebianVersion;
  /** False when dpkg rejects the string with an error (warnings don't count). */
  readonly valid: boolean;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function isBlank(byte: number): boolean {
  return byte === BLANK_SPACE || byte === BLANK_TAB;
}

/** C's `isspace` in the C locale, which `strtol` skips. */
function isCSpace(byte: number): boolean {
  return byte === BLANK_SPACE || (byte >= 0x09 && byte <= 0x0d);
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

function isAlpha(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/** Reads the epoch text as `strtol(text, &end, 10)` then dpkg's checks would; undefined when dpkg refuses it. */
function parseEpoch(bytes: Uint8Array): number | undefined {
  let index = 0;
  while (index < bytes.length && isCSpace(bytes[index]!)) index++;
  let negative = false;
  if (bytes[index] === PLUS || bytes[index] === HYPHEN) {
    negative = bytes[index] === HYPHEN;
    index++;
  }
  const digitsStart = index;
  while (index < bytes.length && isDigit(bytes[index]!)) index++;
  // No digits: strtol consumes nothing ("epoch in version is empty"); anything after them: "not number".
  if (index === digitsStart || index !== bytes.length) return undefined;
  let start = digitsStart;
  while (start < index - 1 && bytes[start] === ZERO) start++;
  // Up to 10 significant digits can be compared as a number exactly; more are always too big.
  if (index - start > 10) return undefined;
  const magnitude = Number(String.fromCharCode(...bytes.subarray(start, index)));
  if (magnitude === 0) return 0;
  if (negative || magnitude > INT_MAX) return undefined;
  return magnitude;
}

/** Mirrors dpkg's `parseversion`, never failing: errors are reported in `valid` and a best-effort version is returned. */
function parse(value: string): Parsed {
  let bytes = encoder.encode(value);
  // A C string ends at its first NUL; no version dpkg ever sees contains one.
  const nul = bytes.indexOf(0);
  let valid = nul < 0;
  if (nul >= 0) bytes = bytes.subarray(0, nul);

  let start = 0;
  while (start < bytes.length && isBlank(bytes[start]!)) start++;
  if (start === bytes.length) {
    // dpkg --compare-versions reads an empty argument as the blank version; as a version string it is an error.
    return { version: { epoch: 0, upstream: EMPTY, revision: EMPTY }, valid: false };
  }
  let end = start;
  while (end < bytes.length && !isBlank(bytes[end]!)) end++;
  for (let index = end; index < bytes.length; index++) {
    if (!isBlank(bytes[index]!)) valid = false; // "version string has embedded spaces"
  }

  let epoch = 0;
  let versionStart = start;
  const colon = bytes.indexOf(COLON, start);
  if (colon >= 0 && colon < end) {
    const parsedEpoch = parseEpoch(bytes.subarray(start, colon));
    if (parsedEpoch === undefined) valid = false;
    else epoch = parsedEpoch;
    versionStart = colon + 1;
    if (versionStart === end) valid = false; // "nothing after colon in version number"
  }

  const version = bytes.subarray(versionStart, end);
  const hyphen = version.lastIndexOf(HYPHEN);
  const upstream = hyphen >= 0 ? version.subarray(0, hyphen) : version;
  const revision = hyphen >= 0 ? version.subarray(hyphen + 1) : EMPTY;
  if (hyphen >= 0 && revision.length === 0) valid = false; // "revision number is empty"
  if (upstream.length === 0) valid = false; // "version number is empty"
  // A first character other than a digit, or characters outside [A-Za-z0-9.+~:-] (revision: [A-Za-z0-9.+~]),
  // only draw a warning from dpkg, which compares such versions all the same.
  return { version: { epoch, upstream, revision }, valid };
}

/** dpkg's `order`: digits (and the end) 0, letters their code, `~` -1, anything else after letters. */
function order(byte: number | undefined): number {
  if (byte === undefined || isDigit(byte)) return 0;
  if (isAlpha(byte)) return byte;
  if (byte === TILDE) return -1;
  // dpkg passes a (signed, on amd64) char: bytes >= 0x80 come out as byte - 256 + 256.
  if (byte >= 0x80) return byte;
  return byte + 256;
}

/** dpkg's `verrevcmp` over byte strings. */
function verrevcmp(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (i < a.length && a[i] === ZERO) i++;
    while (j < b.length && b[j] === ZERO) j++;
    let firstDiff = 0;
    while (i < a.length && j < b.length && isDigit(a[i]!) && isDigit(b[j]!)) {
      if (firstDiff === 0) firstDiff = a[i]! - b[j]!;
      i++;
      j++;
    }
    if (i < a.length && isDigit(a[i]!)) return 1;
    if (j < b.length && isDigit(b[j]!)) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/**
 * Negative, zero or positive as Debian version `a` orders before, with or after `b`, exactly as
 * `dpkg --compare-versions` orders them. Never throws: strings dpkg refuses (see `isDebianVersion`) get a
 * deterministic best-effort reading (e.g. an unreadable epoch counts as 0), so sorting stays total.
 */
export function compareDebianVersions(a: string, b: string): number {
  if (a === b) return 0;
  const left = parse(a).version;
  const right = parse(b).version;
  if (left.epoch !== right.epoch) return left.epoch > right.epoch ? 1 : -1;
  const upstream = verrevcmp(left.upstream, right.upstream);
  if (upstream !== 0) return upstream;
  return verrevcmp(left.revision, right.revision);
}

/**
 * Whether dpkg accepts `value` as a version without error. As lenient as dpkg: a version that does not start
 * with a digit, or holds characters outside the policy's set, only draws a warning from dpkg and is accepted.
 * Unlike `dpkg --compare-versions`, which reads an empty argument as "no version", the empty string is refused.
 */
export function isDebianVersion(value: string): boolean {
  return parse(value).valid;
}
