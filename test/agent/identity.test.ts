import { verify } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { challengeText, publicKeySchema } from '../../src/protocol/agent.js';
import {
  AGENT_KEY_FILE,
  ensureAgentDir,
  loadAgentKey,
  loadOrCreateAgentKey,
  readAgentConfig,
  signChallenge,
  writeAgentConfig,
} from '../../src/agent/identity.js';
import { publicKeyFromRaw } from './fake-agent-server.js';

describe('agent identity', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gantry-identity-'));
    dir = join(root, 'agent');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the directory 0700 and the key 0600, with a raw 32-byte public key', async () => {
    await ensureAgentDir(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const { key, created } = await loadOrCreateAgentKey(dir);
    expect(created).toBe(true);
    expect((await stat(join(dir, AGENT_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, AGENT_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicKeySchema.safeParse(key.publicKey).success).toBe(true);
    expect(Buffer.from(key.publicKey, 'base64')).toHaveLength(32);
  });

  it('reloads the same key', async () => {
    await ensureAgentDir(dir);
    const { key } = await loadOrCreateAgentKey(dir);
    const again = await loadOrCreateAgentKey(dir);
    expect(again.created).toBe(false);
    expect(again.key.publicKey).toBe(key.publicKey);
    expect((await loadAgentKey(dir))?.publicKey).toBe(key.publicKey);
  });

  it('signs the challenge text so that the raw public key verifies it', async () => {
    await ensureAgentDir(dir);
    const { key } = await loadOrCreateAgentKey(dir);
    const signature = Buffer.from(signChallenge(key, 'session-1', 'nonce-1'), 'base64');
    const publicKey = publicKeyFromRaw(key.publicKey);
    expect(verify(null, Buffer.from(challengeText('session-1', 'nonce-1')), publicKey, signature)).toBe(true);
    expect(verify(null, Buffer.from(challengeText('session-2', 'nonce-1')), publicKey, signature)).toBe(false);
    expect(verify(null, Buffer.from(challengeText('session-1', 'nonce-2')), publicKey, signature)).toBe(false);
  });

  it('refuses a key file other users can read, and one that is not a key', async () => {
    await ensureAgentDir(dir);
    await loadOrCreateAgentKey(dir);
    await chmod(join(dir, AGENT_KEY_FILE), 0o644);
    await expect(loadAgentKey(dir)).rejects.toMatchObject({ code: 'AGENT_DIR_INVALID', exitCode: 2, message: expect.stringContaining('mode 0644') });
    await writeFile(join(dir, AGENT_KEY_FILE), 'not a key', { mode: 0o600 });
    await chmod(join(dir, AGENT_KEY_FILE), 0o600);
    await expect(loadAgentKey(dir)).rejects.toMatchObject({ code: 'AGENT_DIR_INVALID' });
  });

  it('writes and reads agent.json (0600); absent means not enrolled', async () => {
    await ensureAgentDir(dir);
    expect(await readAgentConfig(dir)).toBeUndefined();
    const { key } = await loadOrCreateAgentKey(dir);
    const config = { name: 'web-1', server: 'http://127.0.0.1:7400', publicKey: key.publicKey, enrolledAt: '2025-01-01T00:00:00.000Z' };
    await writeAgentConfig(dir, config);
    expect(await readAgentConfig(dir)).toEqual(config);
    expect((await stat(join(dir, 'agent.json'))).mode & 0o777).toBe(0o600);
    await writeFile(join(dir, 'agent.json'), '{"name": 1}');
    await expect(readAgentConfig(dir)).rejects.toMatchObject({ code: 'AGENT_DIR_INVALID' });
  });
});
