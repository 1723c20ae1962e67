import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openUnpackedRelease, type TransportKind, type UnpackedRelease } from './transports.js';

const run = promisify(execFile);

/** Command lines of live processes containing `marker`. */
async function processesWith(marker: string): Promise<string[]> {
  try {
    const { stdout } = await run('pgrep', ['-a', '-f', marker]);
    return stdout.split('\n').filter((line) => line !== '' && !line.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe.each<TransportKind>(['local', 'ssh'])('killing a step over %s', (kind) => {
  let fixture: UnpackedRelease;

  beforeAll(async () => {
    fixture = await openUnpackedRelease(kind, 'sleepy');
  }, 30_000);

  afterAll(async () => {
    await fixture?.close();
  });

  /** A `sleep` whose command line carries a unique marker, so pgrep finds exactly its processes. */
  async function markedSleep(): Promise<string> {
    const marker = `gantry-sleep-${randomBytes(6).toString('hex')}`;
    await symlink('/bin/sleep', join(fixture.releaseDir, marker));
    return marker;
  }

  it('kills the whole process tree when a hook runs past its timeout', { timeout: 30_000 }, async () => {
    const marker = await markedSleep();
    const started = Date.now();
    const error = await fixture.session
      .runHook('app', '1.0.0', { command: `./${marker} 600 & ./${marker} 600`, env: {} }, { timeoutMs: 1000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STEP_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await processesWith(marker)).toEqual([]);
  });

  it('kills processes that ignore SIGTERM too', { timeout: 30_000 }, async () => {
    const marker = await markedSleep();
    const error = await fixture.session
      .runHook('app', '1.0.0', { command: `trap '' TERM; ./${marker} 600 & ./${marker} 600`, env: {} }, { timeoutMs: 1000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STEP_TIMEOUT' });
    expect(await processesWith(marker)).toEqual([]);
  });

  it('kills the process tree and reports INTERRUPTED when the step is cancelled', { timeout: 30_000 }, async () => {
    const marker = await markedSleep();
    const cancel = new AbortController();
    const check = fixture.session
      .runCheck('app', '1.0.0', { command: `./${marker} 600 & ./${marker} 600`, env: {} }, { timeoutMs: 60_000, signal: cancel.signal })
      .catch((e: unknown) => e);
    // The sleeps (and the shell running them) are seen before the cancel: the check below can see survivors.
    await expect.poll(async () => (await processesWith(marker)).length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    cancel.abort();
    expect(await check).toMatchObject({ code: 'INTERRUPTED', message: 'cancelled' });
    expect(await processesWith(marker)).toEqual([]);
  });

  it('keeps working for the next step after a kill', { timeout: 30_000 }, async () => {
    expect(await fixture.session.runCheck('app', '1.0.0', { command: 'exit 4', env: {} }, { timeoutMs: 10_000 })).toEqual({ exitCode: 4 });
  });
});
