/**
 * The tokens `gantry login` stores: `${XDG_CONFIG_HOME:-~/.config}/gantry/credentials.json`,
 * readable by its owner only (file 0600, directory 0700), one entry per server URL. The CLI uses
 * the entry for its server when neither --token nor GANTRY_TOKEN is given. Loads only node:fs.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GantryError } from '../core/errors.js';

export interface StoredLogin {
  readonly token: string;
  /** The token's id on the server (it is revoked by `gantry logout`). */
  readonly id: string;
  readonly user: string;
  readonly expiresAt: string;
}

interface CredentialsFile {
  readonly servers: Record<string, StoredLogin>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The credentials file, or undefined when neither XDG_CONFIG_HOME nor HOME says where it lives. */
export function credentialsPath(env: Env): string | undefined {
  const configHome = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  return configHome ? join(configHome, 'gantry', 'credentials.json') : undefined;
}

/** One key per server, however its URL was typed (`http://h:7400/` and `http://h:7400` are the same). */
export function serverKey(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.replace(/\/+$/, '');
  }
}

function isStoredLogin(value: unknown): value is StoredLogin {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.token === 'string' && typeof entry.id === 'string' && typeof entry.user === 'string' && typeof entry.expiresAt === 'string';
}

function readFile(path: string): CredentialsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { servers: {} };
  }
  const servers: Record<string, StoredLogin> = {};
  const raw = (parsed as { servers?: unknown } | null)?.servers;
  if (typeof raw === 'object' && raw !== null) {
    for (const [key, entry] of Object.entries(raw)) if (isStoredLogin(entry)) servers[key] = entry;
  }
  return { servers };
}

/** Writes the whole file anew (a temporary file renamed over it), owner-only. */
function writeFile(path: string, file: CredentialsFile): void {
  const dir = join(path, '..');
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created) chmodSync(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The stored login for the server; with `now`, only if it has not expired by then. */
export function storedLogin(env: Env, url: string, now?: Date): StoredLogin | undefined {
  const path = credentialsPath(env);
  if (!path) return undefined;
  const entry = readFile(path).servers[serverKey(url)];
  return entry && (now === undefined || Date.parse(entry.expiresAt) > now.getTime()) ? entry : undefined;
}

/** Stores a login for the server; returns the file's path. */
export function saveLogin(env: Env, url: string, login: StoredLogin): string {
  const path = credentialsPath(env);
  if (!path) throw new GantryError('REQUEST_INVALID', 'cannot tell where to store the token: set HOME or XDG_CONFIG_HOME', { where: 'env' });
  const file = readFile(path);
  writeFile(path, { servers: { ...file.servers, [serverKey(url)]: login } });
  return path;
}

/** Forgets the login for the server (whether or not it had expired); returns what was stored. */
export function forgetLogin(env: Env, url: string): StoredLogin | undefined {
  const path = credentialsPath(env);
  if (!path || !existsSync(path)) return undefined;
  const file = readFile(path);
  const key = serverKey(url);
  const entry = file.servers[key];
  if (!entry) return undefined;
  const { [key]: _removed, ...rest } = file.servers;
  if (Object.keys(rest).length === 0) rmSync(path, { force: true });
  else writeFile(path, { servers: rest });
  return entry;
}
