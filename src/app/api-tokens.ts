import { createHash, randomBytes } from 'node:crypto';
import { GantryError } from '../core/errors.js';
import { countApiTokens, findApiTokenBySha256, insertApiToken } from '../store/api-tokens.repository.js';
import type { AppDeps } from './app-deps.js';

const TOKEN_PREFIX = 'gantry_';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Creates the admin token when the store has none. Only its SHA-256 is stored; the token itself
 * is returned once, for the caller to show and save, and can never be read back.
 */
export async function createFirstAdminToken(deps: AppDeps): Promise<string | null> {
  if ((await countApiTokens(deps.db)) > 0) return null;
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await insertApiToken(deps.db, { id: deps.ids.next('tok'), sha256: sha256Hex(token), label: 'admin', createdAt: deps.clock.now().toISOString() });
  return token;
}

/** Checks a bearer token; throws UNAUTHORIZED without saying which part was wrong. */
export async function authenticateToken(deps: AppDeps, token: string | undefined): Promise<{ id: string; label: string }> {
  if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) throw unauthorized();
  // Looked up by its hash, so the stored value never equals anything a caller sends.
  const found = await findApiTokenBySha256(deps.db, sha256Hex(token));
  if (!found) throw unauthorized();
  return found;
}

function unauthorized(): GantryError {
  return new GantryError('UNAUTHORIZED', 'a valid API token is required: pass --token or set GANTRY_TOKEN (the admin token is in <data dir>/admin.token)');
}
