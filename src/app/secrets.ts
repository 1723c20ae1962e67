/**
 * Secrets (issue 6): sensitive variables, encrypted at rest (src/secrets/envelope.ts), write-only
 * through the API and the CLI, decrypted only for the engine through a SecretSource. Nothing here
 * returns, logs or puts a value in an error message.
 */
import { z } from 'zod';
import { MASTER_KEY_ENV_SOURCE } from '../config/master-key.js';
import { allows, describeRoles, EVERYTHING } from '../core/access/access.js';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import { nameSchema } from '../core/names.js';
import { EnvelopeError, type SecretKeyring } from '../secrets/envelope.js';
import { getApplication } from '../store/applications.repository.js';
import {
  deleteSecret,
  findSealedSecrets,
  insertKeyCheckIfNone,
  listAllSealedSecrets,
  listKeyChecks,
  listKeyIdsInUse,
  listSecretEntries,
  replaceKeyChecks,
  updateSecretWrapping,
  upsertSecret,
  type SecretEntry,
} from '../store/secrets.repository.js';
import type { AppDeps } from './app-deps.js';
import { rewrapChannelCredentials } from './notification-channels.js';
import { recordAudit, type OfflineOperator } from './audit.js';
import { parseInput } from './parse-input.js';
import type { SecretSource } from '../engine/ports.js';

export type { SecretEntry };

/** What the secret services use: the store, the master key, the clock. */
export type SecretDeps = Pick<AppDeps, 'db' | 'keyring' | 'clock'>;

/** Secrets are named like variables: they reach hooks as environment variables. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_SECRET_BYTES = 64 * 1024;
const MAX_SECRET_NAME_LENGTH = 128;

export const secretNameSchema = z
  .string()
  .max(MAX_SECRET_NAME_LENGTH, `must be at most ${MAX_SECRET_NAME_LENGTH} characters`)
  .regex(SECRET_NAME_PATTERN, 'must be a variable name: letters, digits and "_", not starting with a digit')
  .refine((name) => !/^GANTRY_/i.test(name), 'must not start with GANTRY_ (those names are reserved for what Gantry sets)');

/** The value's messages never quote it. */
const secretValueSchema = z
  .string({ error: 'must be a string' })
  .refine((value) => Buffer.byteLength(value, 'utf8') >= 1, 'must not be empty')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_SECRET_BYTES, `must be at most ${MAX_SECRET_BYTES} bytes (UTF-8)`)
  .refine((value) => !value.includes('\0'), 'must not contain a NUL character (it could not be passed in an environment variable)');

const environmentSchema = z.union([z.literal(EVERYTHING), nameSchema]);

const setSecretSchema = z.strictObject({
  app: nameSchema,
  environment: environmentSchema.default(EVERYTHING),
  name: secretNameSchema,
  value: secretValueSchema,
});
export type SetSecretInput = z.input<typeof setSecretSchema>;

const secretRefSchema = z.strictObject({
  app: nameSchema,
  environment: environmentSchema.default(EVERYTHING),
  name: secretNameSchema,
});
export type SecretRef = z.input<typeof secretRefSchema>;

/**
 * A secret for every environment (`*`) needs a binding on every environment: a token for staging
 * cannot write a value production would use. Answered like the access layer answers (no oracle).
 */
function requireWriteAccess(actor: Actor, app: string, environment: string): void {
  if (!allows(actor.access, 'release', { app, environment })) {
    throw new GantryError('PERMISSION_DENIED', `${actor.user} (${describeRoles(actor.access)}) may not release here, or it does not exist`, { where: 'access' });
  }
}

async function requireEnvironment(deps: SecretDeps, app: string, environment: string): Promise<void> {
  const application = await getApplication(deps.db, app);
  if (!application) throw new GantryError('APP_NOT_FOUND', `application ${app} does not exist; create it with gantry apply -f gantry.yaml`, { where: 'app' });
  if (environment === EVERYTHING) return;
  const names = application.manifest.environments.map((candidate) => candidate.name);
  if (!names.includes(environment)) {
    throw new GantryError('ENVIRONMENT_NOT_FOUND', `application ${app} has no environment ${environment} (it has ${names.join(', ')}); name one of them, or * for every environment`, { where: 'environment' });
  }
}

/** Where the key came from, for messages (the file or the variable, never the key) and `where`. */
function keyOrigin(keyring: SecretKeyring): { readonly text: string; readonly setting: string } {
  return keyring.source === MASTER_KEY_ENV_SOURCE
    ? { text: MASTER_KEY_ENV_SOURCE, setting: 'GANTRY_MASTER_KEY' }
    : { text: `master key file ${keyring.source}`, setting: 'GANTRY_MASTER_KEY_FILE' };
}

function keyRotatedError(keyring: SecretKeyring): GantryError {
  const origin = keyOrigin(keyring);
  return new GantryError(
    'MASTER_KEY_INVALID',
    `${origin.text} (key ${keyring.keyId}) is no longer the key of this store: it was rotated; restart with the new key (docs/operations.md)`,
    { where: origin.setting },
  );
}

/** Stores (or replaces) a secret, encrypted under a fresh data key. Write-only: nothing returns the value. */
export async function setSecret(deps: SecretDeps, actor: Actor, input: SetSecretInput): Promise<SecretEntry> {
  const request = parseInput(setSecretSchema, input, '', 'secret');
  requireWriteAccess(actor, request.app, request.environment);
  await requireEnvironment(deps, request.app, request.environment);
  const identity = { app: request.app, environment: request.environment, name: request.name };
  const sealed = deps.keyring.seal(identity, request.value);
  const at = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    // A server still running with a key that was rotated away (offline) must not write with it.
    const checks = await listKeyChecks(trx);
    if (!checks.some((check) => check.keyId === deps.keyring.keyId)) throw keyRotatedError(deps.keyring);
    await upsertSecret(trx, { ...identity, sealed, at, by: actor.user });
  });
  return (await listSecretEntries(deps.db, request.app)).find((entry) => entry.environment === identity.environment && entry.name === identity.name)!;
}

/** The application's secrets: names, environments, when and by whom last set. Never values. */
export async function listSecrets(deps: SecretDeps, app: string): Promise<SecretEntry[]> {
  if (!(await getApplication(deps.db, app))) throw new GantryError('APP_NOT_FOUND', `application ${app} does not exist; create it with gantry apply -f gantry.yaml`, { where: 'app' });
  return listSecretEntries(deps.db, app);
}

/** Removes a secret (of one environment, or the `*` one). */
export async function removeSecret(deps: SecretDeps, actor: Actor, input: SecretRef): Promise<void> {
  const ref = parseInput(secretRefSchema, input, '', 'secret');
  requireWriteAccess(actor, ref.app, ref.environment);
  if (!(await deleteSecret(deps.db, ref))) {
    throw new GantryError('SECRET_NOT_FOUND', `application ${ref.app} has no secret ${ref.name} for ${ref.environment === EVERYTHING ? 'every environment (*)' : `environment ${ref.environment}`}`, { where: 'name' });
  }
}

function unreadable(app: string, environment: string, name: string, keyring: SecretKeyring, cause: unknown): GantryError {
  return new GantryError(
    'SECRET_UNREADABLE',
    `secret ${name} of ${app} (environment ${environment}) cannot be decrypted with master key ${keyring.keyId} from ${keyring.source}: it was sealed by another key, or the stored record was changed`,
    { where: 'secret', app, environment, name },
    { cause },
  );
}

/** The engine's view: decrypted values, only when a deployment needs them. */
export function createSecretSource(deps: SecretDeps): SecretSource {
  return {
    async valuesFor(app, environment) {
      const rows = await findSealedSecrets(deps.db, app, environment === EVERYTHING ? [EVERYTHING] : [environment, EVERYTHING]);
      const shared = new Map<string, string>();
      const specific = new Map<string, string>();
      for (const row of rows) {
        let value: string;
        try {
          value = deps.keyring.open(row, row.sealed);
        } catch (error) {
          throw unreadable(row.app, row.environment, row.name, deps.keyring, error instanceof EnvelopeError ? error : undefined);
        }
        (row.environment === EVERYTHING ? shared : specific).set(row.name, value);
      }
      return new Map([...shared, ...specific]);
    },
  };
}

/**
 * Checks at start that the master key is the one the store's secrets were sealed with; on an
 * empty store, records it. Throws MASTER_KEY_INVALID naming the key file or GANTRY_MASTER_KEY (never the key).
 */
export async function verifyMasterKey(deps: SecretDeps): Promise<{ readonly recorded: boolean }> {
  let checks = await listKeyChecks(deps.db);
  let recorded = false;
  if (checks.length === 0) {
    const foreign = (await listKeyIdsInUse(deps.db)).filter((keyId) => keyId !== deps.keyring.keyId);
    if (foreign.length > 0) throw wrongKey(deps.keyring, foreign[0]!);
    recorded = await insertKeyCheckIfNone(deps.db, deps.keyring.createCheck(), deps.clock.now().toISOString());
    checks = await listKeyChecks(deps.db);
  }
  const mismatch = checks.find((check) => !deps.keyring.verifyCheck(check));
  if (mismatch) throw wrongKey(deps.keyring, mismatch.keyId);
  return { recorded };
}

function wrongKey(keyring: SecretKeyring, expected: string): GantryError {
  const origin = keyOrigin(keyring);
  return new GantryError(
    'MASTER_KEY_INVALID',
    `${origin.text} holds key ${keyring.keyId}, but this store's secrets are encrypted with key ${expected}: start with the right key (${origin.setting}; see docs/operations.md). Nothing was started`,
    { where: origin.setting },
  );
}

/**
 * Re-wraps every secret's data key under `newKeyring` (values are not re-encrypted) and makes it
 * the store's key, in one transaction with its audit record (by `operator`): all or nothing. Run
 * it with every server stopped; a server still running with the old key refuses to write
 * secrets, and cannot read them.
 */
export async function rotateMasterKey(deps: SecretDeps, newKeyring: SecretKeyring, operator: OfflineOperator): Promise<{ readonly rewrapped: number }> {
  if (newKeyring.keyId === deps.keyring.keyId) {
    throw new GantryError('REQUEST_INVALID', `the new master key (${newKeyring.source}) is the key in use; make a new one with: openssl rand -base64 32`, { where: 'new-key-file' });
  }
  await verifyMasterKey(deps);
  const at = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const checks = await listKeyChecks(trx);
    if (!checks.some((check) => check.keyId === deps.keyring.keyId)) throw keyRotatedError(deps.keyring);
    const secrets = await listAllSealedSecrets(trx);
    for (const secret of secrets) {
      let sealed;
      try {
        sealed = deps.keyring.rewrap(secret, secret.sealed, newKeyring);
      } catch (error) {
        throw unreadable(secret.app, secret.environment, secret.name, deps.keyring, error);
      }
      await updateSecretWrapping(trx, secret, sealed);
    }
    // Notification channels' credentials are sealed with the same key.
    await rewrapChannelCredentials(trx, deps.keyring, newKeyring);
    await replaceKeyChecks(trx, newKeyring.createCheck(), at);
    await recordAudit(
      { db: trx, clock: deps.clock },
      { ...operator, action: 'secret rotate-master-key', resource: '-', outcome: 'done', details: { fromKey: deps.keyring.keyId, toKey: newKeyring.keyId, rewrapped: secrets.length } },
    );
    return { rewrapped: secrets.length };
  });
}
