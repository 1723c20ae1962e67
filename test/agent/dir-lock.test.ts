import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/agent/attempt-journal.js';
import { LOCK_FILE, lockAgentDir } from '../../src/agent/dir-lock.js';

describe('the agent directory lock', () => {
  it('refuses a directory whose lock names a live process, and takes over one left by a dead process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-lock-'));
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = holder.pid!;
    await writeFile(join(dir, LOCK_FILE), `${pid} ${await processStartTime(pid)}\n`);
    await expect(lockAgentDir(dir)).rejects.toMatchObject({ code: 'AGENT_DIR_IN_USE', message: expect.stringContaining(`pid ${pid}`) });

    // Same pid, another start time: the pid was reused by an unrelated process.
    await writeFile(join(dir, LOCK_FILE), `${pid} 1\n`);
    const reused = await lockAgentDir(dir);
    await reused.release();

    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    await writeFile(join(dir, LOCK_FILE), `${pid} ${'0'}\n`);
    const lock = await lockAgentDir(dir);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
