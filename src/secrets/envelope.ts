/**
 * Envelope encryption of secret values (issue 6). Each value is encrypted with AES-256-GCM under
 * its own random 256-bit data key; the data key is encrypted ("wrapped") with AES-256-GCM under
 * the master key. Both layers carry the secret's identity (`app\0environment\0name`) as
 * additional authenticated data, so a row copied to another name, application or environment
 * does not decrypt. Rotating the master key re-wraps the data keys; values are not touched.
 *
 * The master key lives only inside a keyring (in a module-private map, not on the object), so
 * logging or serialising a keyring cannot print it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const MASTER_KEY_BYTES = 32;
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';
const CHECK_PLAINTEXT = Buffer.from('gantry master key check v1', 'utf8');

/** Which secret a sealed value belongs to; bound into the ciphertext. */
export interface SecretIdentity {
  readonly app: string;
  /** An environment name, or `*` for every environment of the app. */
  readonly environment: string;
  readonly name: string;
}

/** A sealed value as stored: every part base64 text. */
export interface SealedSecret {
  readonly ciphertext: string;
  readonly iv: string;
  readonly tag: string;
  readonly wrappedKey: string;
  readonly keyIv: string;
  readonly keyTag: string;
  /** The id of the master key that wrapped the data key. */
  readonly keyId: string;
}

/** A small value encrypted under the master key, kept in the store to recognise the right key at start. */
export interface KeyCheck {
  readonly keyId: string;
  readonly ciphertext: string;
  readonly iv: string;
  readonly tag: string;
}

/** Thrown when something does not decrypt: wrong key, or tampered data. Carries no secret material. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** The loaded master key, with what may be done with it. */
export interface SecretKeyring {
  /** Derived from the key (HMAC), safe to show: tells which key sealed what. */
  readonly keyId: string;
  /** Where the key came from (a file path), for messages. Never the key. */
  readonly source: string;
  seal(identity: SecretIdentity, value: string): SealedSecret;
  /** The value; throws EnvelopeError if the key is not the one that sealed it or anything was changed. */
  open(identity: SecretIdentity, sealed: SealedSecret): string;
  /** The same sealed value with its data key wrapped by `into` instead (the value's ciphertext is unchanged). */
  rewrap(identity: SecretIdentity, sealed: SealedSecret, into: SecretKeyring): SealedSecret;
  createCheck(): KeyCheck;
  /** Whether the check was made with this very key. */
  verifyCheck(check: KeyCheck): boolean;
  /**
   * A credential derived from the key for `purpose` (HMAC-SHA256, base64url): the same on every
   * node holding the key, and telling nothing about it. Nodes prove to each other with it that
   * they belong to the same installation.
   */
  credential(purpose: string): string;
}

const masterKeys = new WeakMap<SecretKeyring, Buffer>();

const identityAad = (identity: SecretIdentity) => Buffer.from(`${identity.app}\0${identity.environment}\0${identity.name}`, 'utf8');
const dataKeyAad = (identity: SecretIdentity) => Buffer.concat([Buffer.from('gantry/data-key/v1\0', 'utf8'), identityAad(identity)]);
const checkAad = (keyId: string) => Buffer.from(`gantry/key-check/v1\0${keyId}`, 'utf8');

interface Encrypted {
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Encrypted {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

function decrypt(key: Buffer, encrypted: Encrypted, aad: Buffer, what: string): Buffer {
  if (encrypted.iv.length !== IV_BYTES || encrypted.tag.length !== TAG_BYTES) throw new EnvelopeError(`${what} is malformed`);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, encrypted.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(encrypted.tag);
    return Buffer.concat([decipher.update(encrypted.ciphertext), decipher.final()]);
  } catch {
    throw new EnvelopeError(`${what} does not decrypt: wrong key, or the data was changed`);
  }
}

const b64 = (buffer: Buffer) => buffer.toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64');

function unwrapDataKey(masterKey: Buffer, keyId: string, identity: SecretIdentity, sealed: SealedSecret): Buffer {
  if (sealed.keyId !== keyId) throw new EnvelopeError(`the data key was wrapped by master key ${sealed.keyId}, not ${keyId}`);
  const dataKey = decrypt(masterKey, { ciphertext: unb64(sealed.wrappedKey), iv: unb64(sealed.keyIv), tag: unb64(sealed.keyTag) }, dataKeyAad(identity), 'the data key');
  if (dataKey.length !== DATA_KEY_BYTES) throw new EnvelopeError('the data key is malformed');
  return dataKey;
}

function wrapDataKey(masterKey: Buffer, keyId: string, identity: SecretIdentity, dataKey: Buffer): Pick<SealedSecret, 'wrappedKey' | 'keyIv' | 'keyTag' | 'keyId'> {
  const wrapped = encrypt(masterKey, dataKey, dataKeyAad(identity));
  return { wrappedKey: b64(wrapped.ciphertext), keyIv: b64(wrapped.iv), keyTag: b64(wrapped.tag), keyId };
}

/** The id of a master key: a keyed hash, which tells nothing about the key. */
export function masterKeyId(masterKey: Buffer): string {
  return `mk-${createHmac('sha256', masterKey).update('gantry master key id v1').digest('hex').slice(0, 16)}`;
}

/** A keyring over a 32-byte master key (copied: the caller may wipe its buffer). */
export function createKeyring(masterKey: Buffer, source: string): SecretKeyring {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new EnvelopeError(`a master key is ${MASTER_KEY_BYTES} bytes, not ${masterKey.length}`);
  const key = Buffer.from(masterKey);
  const keyId = masterKeyId(key);
  const keyring: SecretKeyring = {
    keyId,
    source,
    credential: (purpose) => createHmac('sha256', key).update(`gantry/credential/v1\0${purpose}`).digest('base64url'),
    seal(identity, value) {
      const dataKey = randomBytes(DATA_KEY_BYTES);
      try {
        const sealed = encrypt(dataKey, Buffer.from(value, 'utf8'), identityAad(identity));
        return { ciphertext: b64(sealed.ciphertext), iv: b64(sealed.iv), tag: b64(sealed.tag), ...wrapDataKey(key, keyId, identity, dataKey) };
      } finally {
        dataKey.fill(0);
      }
    },
    open(identity, sealed) {
      const dataKey = unwrapDataKey(key, keyId, identity, sealed);
      try {
        return decrypt(dataKey, { ciphertext: unb64(sealed.ciphertext), iv: unb64(sealed.iv), tag: unb64(sealed.tag) }, identityAad(identity), 'the value').toString('utf8');
      } finally {
        dataKey.fill(0);
      }
    },
    rewrap(identity, sealed, into) {
      const target = masterKeys.get(into);
      if (!target) throw new EnvelopeError('the keyring to re-wrap into was not made by createKeyring');
      const dataKey = unwrapDataKey(key, keyId, identity, sealed);
      try {
        return { ...sealed, ...wrapDataKey(target, into.keyId, identity, dataKey) };
      } finally {
        dataKey.fill(0);
      }
    },
    createCheck() {
      const check = encrypt(key, CHECK_PLAINTEXT, checkAad(keyId));
      return { keyId, ciphertext: b64(check.ciphertext), iv: b64(check.iv), tag: b64(check.tag) };
    },
    verifyCheck(check) {
      if (check.keyId !== keyId) return false;
      try {
        const plaintext = decrypt(key, { ciphertext: unb64(check.ciphertext), iv: unb64(check.iv), tag: unb64(check.tag) }, checkAad(keyId), 'the key check');
        return plaintext.length === CHECK_PLAINTEXT.length && timingSafeEqual(plaintext, CHECK_PLAINTEXT);
      } catch {
        return false;
      }
    },
  };
  masterKeys.set(keyring, key);
  return Object.freeze(keyring);
}

/** 32 fresh random bytes, for a new master key. */
export function generateMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}
