import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMasker, MASK, NO_MASK } from './mask.js';

const SECRET = 'hunter2+/=?&Secret';

describe('masking secrets', () => {
  const masker = createMasker([SECRET, 'short']);

  it('masks the value raw and in Base64, URL-safe Base64, URL-encoding and hex', () => {
    const forms = [
      SECRET,
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(SECRET).toString('base64').replace(/=+$/, ''),
      Buffer.from(SECRET).toString('base64url'),
      encodeURIComponent(SECRET),
      Buffer.from(SECRET).toString('hex'),
    ];
    for (const form of forms) expect(masker.mask(`before ${form} after`), form).toBe(`before ${MASK} after`);
  });

  it('masks every occurrence, the longest form first, and leaves other text alone', () => {
    expect(masker.mask(`${SECRET}${SECRET} and short and shorts`)).toBe(`${MASK}${MASK} and ${MASK} and ${MASK}s`);
    expect(masker.mask('nothing to hide')).toBe('nothing to hide');
    expect(createMasker(['abc', 'abcdef']).mask('xabcdefx')).toBe(`x${MASK}x`);
  });

  it('treats regular-expression characters in a secret literally', () => {
    expect(createMasker(['a.c']).mask('abc a.c')).toBe(`abc ${MASK}`);
  });

  it('masks strings inside events and errors, keeping their shape', () => {
    const data = { reason: `failed: ${SECRET}`, nested: [{ message: SECRET, code: 'STEP_FAILED', exitCode: 1 }], when: null };
    expect(masker.maskDeep(data)).toEqual({ reason: `failed: ${MASK}`, nested: [{ message: MASK, code: 'STEP_FAILED', exitCode: 1 }], when: null });
  });

  it('masks each line of a multi-line secret where output shows it line by line, leaving short lines alone', () => {
    // A key made now (never a key kept in the repository), with a CRLF and a too-short line added.
    const [begin, body, end] = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim().split('\n');
    const pem = `${begin}\r\n${body!.slice(0, 32)}\n${body!.slice(32)}\n}\n${end}\n`;
    const printed = pem.split(/\r?\n/).map((line) => `out: ${line}`);
    expect(printed.map(createMasker([pem]).mask)).toEqual([`out: ${MASK}`, `out: ${MASK}`, `out: ${MASK}`, 'out: }', `out: ${MASK}`, 'out: ']);
    expect(createMasker([pem]).mask(pem)).toBe(MASK);
  });

  it('does nothing without secrets', () => {
    expect(NO_MASK.mask(SECRET)).toBe(SECRET);
    expect(createMasker(['']).mask('text')).toBe('text');
  });
});
