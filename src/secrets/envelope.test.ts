import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createKeyring, EnvelopeError, generateMasterKey, type SealedSecret } from './envelope.js';

const identity = { app: 'shop', environment: 'production', name: 'DB_PASSWORD' };
const VALUE = 'correct horse battery staple ✓';

/** Flips one bit of a base64 field. */
function flip(text: string, at = 0): string {
  const bytes = Buffer.from(text, 'base64');
  bytes[at % bytes.length]! ^= 0x01;
  return bytes.toString('base64');
}

describe('envelope encryption', () => {
  const master = generateMasterKey();
  const keyring = createKeyring(master, 'test.key');

  it('round-trips a value under a fresh data key each time, and the stored parts hold no plaintext', () => {
    const first = keyring.seal(identity, VALUE);
    const second = keyring.seal(identity, VALUE);
    expect(keyring.open(identity, first)).toBe(VALUE);
    expect(keyring.open(identity, second)).toBe(VALUE);
    expect(first.wrappedKey).not.toBe(second.wrappedKey);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(first.keyId).toBe(keyring.keyId);
    const stored = JSON.stringify(first);
    expect(stored).not.toContain(VALUE);
    expect(stored).not.toContain(Buffer.from(VALUE).toString('base64'));
    expect(stored).not.toContain(master.toString('base64'));
  });

  it('refuses a value whose ciphertext, IV, tag, wrapped key, key IV or key tag was changed', () => {
    const sealed = keyring.seal(identity, VALUE);
    const fields: (keyof Omit<SealedSecret, 'keyId'>)[] = ['ciphertext', 'iv', 'tag', 'wrappedKey', 'keyIv', 'keyTag'];
    for (const field of fields) {
      for (const at of [0, 5]) {
        expect(() => keyring.open(identity, { ...sealed, [field]: flip(sealed[field], at) }), `${field}@${at}`).toThrow(EnvelopeError);
      }
    }
  });

  it('binds the value to its app, environment and name: a copied row does not decrypt', () => {
    const sealed = keyring.seal(identity, VALUE);
    for (const other of [{ ...identity, name: 'DB_PASSWORD2' }, { ...identity, environment: 'staging' }, { ...identity, environment: '*' }, { ...identity, app: 'cart' }]) {
      expect(() => keyring.open(other, sealed)).toThrow(EnvelopeError);
    }
    // The separator keeps a\0bc apart from ab\0c.
    const joined = keyring.seal({ app: 'a', environment: 'bc', name: 'X' }, VALUE);
    expect(() => keyring.open({ app: 'ab', environment: 'c', name: 'X' }, joined)).toThrow(EnvelopeError);
  });

  it('does not open with another master key, even when the key id is forged', () => {
    const sealed = keyring.seal(identity, VALUE);
    const other = createKeyring(generateMasterKey(), 'other.key');
    expect(other.keyId).not.toBe(keyring.keyId);
    expect(() => other.open(identity, sealed)).toThrow(EnvelopeError);
    expect(() => other.open(identity, { ...sealed, keyId: other.keyId })).toThrow(EnvelopeError);
  });

  it('re-wraps the data key under a new master key without touching the value', () => {
    const sealed = keyring.seal(identity, VALUE);
    const next = createKeyring(generateMasterKey(), 'next.key');
    const rewrapped = keyring.rewrap(identity, sealed, next);
    expect(rewrapped.ciphertext).toBe(sealed.ciphertext);
    expect(rewrapped.keyId).toBe(next.keyId);
    expect(next.open(identity, rewrapped)).toBe(VALUE);
    expect(() => keyring.open(identity, rewrapped)).toThrow(EnvelopeError);
  });

  it('recognises its own key check and no other', () => {
    const check = keyring.createCheck();
    expect(keyring.verifyCheck(check)).toBe(true);
    expect(keyring.verifyCheck({ ...check, tag: flip(check.tag) })).toBe(false);
    expect(createKeyring(generateMasterKey(), 'other.key').verifyCheck(check)).toBe(false);
    expect(createKeyring(generateMasterKey(), 'other.key').verifyCheck({ ...check, keyId: 'mk-forged' })).toBe(false);
    expect(createKeyring(Buffer.from(master), 'copy.key').verifyCheck(check)).toBe(true);
  });

  it('never shows the master key when a keyring is printed or serialised', () => {
    const shown = `${JSON.stringify(keyring)} ${inspect(keyring, { depth: 10, showHidden: true })}`;
    expect(shown).not.toContain(master.toString('base64'));
    expect(shown).not.toContain(master.toString('hex'));
    expect(() => createKeyring(Buffer.alloc(16), 'short.key')).toThrow(EnvelopeError);
  });
});
