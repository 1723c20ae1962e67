import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepAttempt } from '../../src/engine/ports.js';
import { STEPS_DIR } from '../../src/executors/step-fence.js';
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

/** Field 22 of /proc/<pid>/stat: what the fence records to know a process group is still the one it saw. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3]!;
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * The step fence (src/executors/step-fence.ts) on both transports: a command of a step attempt
 * first stops whatever an earlier attempt of the same deployment and target left running, and is
 * refused while one under a newer lease runs; it never signals a group its record no longer names.
 */
describe.each<TransportKind>(['local', 'ssh'])('the step fence over %s', (kind) => {
  let fixture: UnpackedRelease;
  let deployment = 0;

  beforeAll(async () => {
    fixture = await openUnpackedRelease(kind, 'fenced');
  }, 30_000);

  afterAll(async () => {
    await fixture?.close();
  });

  /** A fresh deployment id for each test, so records never meet across tests. */
  function attempts(): (step: string, attempt: number, fencingToken: number) => StepAttempt {
    deployment += 1;
    return (step, attempt, fencingToken) => ({ key: `dep-${kind}${deployment}/${fixture.transport.target.name}/${step}/${attempt}`, fencingToken });
  }

  /** A `sleep` whose command line carries a unique marker, so pgrep finds exactly its processes. */
  async function markedSleep(): Promise<string> {
    const marker = `gantry-fenced-${randomBytes(6).toString('hex')}`;
    await symlink('/bin/sleep', join(fixture.releaseDir, marker));
    return marker;
  }

  it('stops the process tree an earlier attempt left running before the next attempt runs, and clears its record', { timeout: 30_000 }, async () => {
    const attempt = attempts();
    const marker = await markedSleep();
    const log = join(fixture.releaseDir, `${marker}.log`);
    const first = fixture.session
      .runHook('app', '1.0.0', { command: `echo start 1 >> ${marker}.log; ./${marker} 600 & ./${marker} 600; echo end 1 >> ${marker}.log`, env: {} }, { timeoutMs: 60_000, attempt: attempt('afterInstall', 1, 7) })
      .catch((e: unknown) => e);
    await expect.poll(async () => (await processesWith(`./${marker} 600`)).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);

    const output: string[] = [];
    await fixture.session.runHook('app', '1.0.0', { command: `echo start 2 >> ${marker}.log; echo end 2 >> ${marker}.log`, env: {} }, {
      timeoutMs: 60_000,
      attempt: attempt('afterInstall', 2, 8),
      onOutput: (_stream, text) => output.push(text),
    });
    expect(readFileSync(log, 'utf8')).toBe('start 1\nstart 2\nend 2\n');
    expect(output.join('')).toMatch(/^gantry fence: stopping dep-\S+\/afterInstall\/1 \(process group \d+\), which an earlier holder left running$/m);
    expect(await first).toMatchObject({ code: 'STEP_FAILED', message: 'hook was killed by signal TERM' });
    expect(await processesWith(`./${marker} 600`)).toEqual([]);
    expect(readdirSync(join(fixture.transport.root, STEPS_DIR)).filter((name) => name !== '.lock')).toEqual([]);
  });

  it('does not run a command under an older lease while one under a newer lease runs', { timeout: 30_000 }, async () => {
    const attempt = attempts();
    const marker = await markedSleep();
    const cancel = new AbortController();
    const newer = fixture.session
      .runHook('app', '1.0.0', { command: `./${marker} 600`, env: {} }, { timeoutMs: 60_000, signal: cancel.signal, attempt: attempt('afterActivate', 2, 9) })
      .catch((e: unknown) => e);
    const sleeping = async () => (await processesWith(`./${marker} 600`)).filter((line) => line.endsWith(` ./${marker} 600`) && line.split(' ').length === 3);
    await expect.poll(async () => (await sleeping()).length, { timeout: 5000 }).toBe(1);

    const older = await fixture.session
      .runHook('app', '1.0.0', { command: `touch ${marker}.older`, env: {} }, { timeoutMs: 60_000, attempt: attempt('afterActivate', 1, 8) })
      .catch((e: unknown) => e);
    expect(older).toMatchObject({ code: 'STEP_FAILED' });
    expect((older as Error).message).toMatch(/the hook on \S+ was not run: dep-\S+\/afterActivate\/2 runs here under a newer lease \(fencing token 9, this one holds 8\)/);
    expect(existsSync(join(fixture.releaseDir, `${marker}.older`))).toBe(false);
    expect(await sleeping()).toHaveLength(1);
    cancel.abort();
    expect(await newer).toMatchObject({ code: 'INTERRUPTED' });
  });

  it('never signals a process group whose leader is not the one recorded', { timeout: 30_000 }, async () => {
    const attempt = attempts();
    // Stands for an unrelated process that was given the pid a record names: it leads its own group.
    const stranger = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    const pid = stranger.pid!;
    try {
      const earlier = attempt('health', 1, 3);
      const [deploymentId, target] = earlier.key.split('/');
      const record = join(fixture.transport.root, STEPS_DIR, `${deploymentId}__${target}`);
      mkdirSync(join(fixture.transport.root, STEPS_DIR), { recursive: true });

      writeFileSync(record, `${pid} 3 ${earlier.key} ${Number(startTime(pid)) + 1}\n`);
      expect(await fixture.session.runCheck('app', '1.0.0', { command: 'true', env: {} }, { timeoutMs: 10_000, attempt: attempt('health', 2, 4) })).toEqual({ exitCode: 0 });
      expect(isRunning(pid)).toBe(true);

      // The same record with the leader's real start time: now the group is taken for the earlier attempt's.
      writeFileSync(record, `${pid} 3 ${earlier.key} ${startTime(pid)}\n`);
      expect(await fixture.session.runCheck('app', '1.0.0', { command: 'true', env: {} }, { timeoutMs: 10_000, attempt: attempt('health', 3, 4) })).toEqual({ exitCode: 0 });
      await expect.poll(() => isRunning(pid), { timeout: 5000 }).toBe(false);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('passes exit codes and signals of the command through', { timeout: 30_000 }, async () => {
    const attempt = attempts();
    expect(await fixture.session.runCheck('app', '1.0.0', { command: 'exit 7', env: {} }, { timeoutMs: 10_000, attempt: attempt('health', 1, 1) })).toEqual({ exitCode: 7 });
    const killed = await fixture.session.runHook('app', '1.0.0', { command: 'kill -s KILL $$', env: {} }, { timeoutMs: 10_000, attempt: attempt('afterInstall', 1, 1) }).catch((e: unknown) => e);
    expect(killed).toMatchObject({ code: 'STEP_FAILED', message: 'hook was killed by signal KILL' });
  });
});
