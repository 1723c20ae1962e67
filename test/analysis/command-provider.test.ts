/** The command metric provider: real `sh -c` processes on this machine. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandResult } from '../../src/analysis/command.js';
import { createMetricReader } from '../../src/analysis/metric-readers.js';
import { renderMetric } from '../../src/core/analysis/render-query.js';
import { analysisTemplateSchema } from '../../src/core/analysis/template-schema.js';

/** Whether a process is gone (a zombie counts: it runs nothing). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

describe('command metric provider', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-command-metric-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const context = { app: 'shop', release: '2.0.0', env: 'production', targets: ['web-1', 'web-2'], args: { service: `a b'; touch INJECTED; echo '` } };

  function read(command: Record<string, unknown>, signal = AbortSignal.timeout(10_000)) {
    const template = analysisTemplateSchema.parse({ args: ['service'], metrics: [{ name: 'm', provider: { command: { timeout: '5s', ...command } } }] });
    return createMetricReader({ commandCwd: dir }).read(renderMetric('t', template.metrics[0]!, context), signal);
  }

  it('turns output into a number, or the exit status into true/false', async () => {
    expect(await read({ run: 'echo 0.25' })).toBe(0.25);
    expect(await read({ run: 'printf "  -3e2\\n"' })).toBe(-300);
    expect(await read({ run: 'echo ok' })).toBe(true);
    expect(await read({ run: 'true' })).toBe(true);
    expect(await read({ run: 'exit 3' })).toBe(false);
    expect(await read({ run: 'echo 0.25; exit 1' })).toBe(false);
    expect([commandResult(0, 'Infinity'), commandResult(0, '0x10'), commandResult(0, ''), commandResult(0, '1.5\n')]).toEqual([true, true, true, 1.5]);
  });

  it('passes the context as environment variables, never in the command text, and not the server environment', async () => {
    const previous = process.env.GANTRY_DATABASE_URL;
    process.env.GANTRY_DATABASE_URL = 'postgres://gantry:secret@127.0.0.1/gantry';
    try {
      const check = [
        'test "$GANTRY_APP" = shop',
        'test "$GANTRY_RELEASE" = 2.0.0',
        'test "$GANTRY_ENVIRONMENT" = production',
        'test "$GANTRY_TARGETS" = "web-1 web-2"',
        'test -z "$GANTRY_DATABASE_URL"',
        'printf %s "$GANTRY_ARG_SERVICE" > arg.txt',
      ].join(' && ');
      expect(await read({ run: check })).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.GANTRY_DATABASE_URL;
      else process.env.GANTRY_DATABASE_URL = previous;
    }
    expect(await readFile(join(dir, 'arg.txt'), 'utf8')).toBe(context.args.service);
    expect(existsSync(join(dir, 'INJECTED'))).toBe(false);
  });

  it('runs relative commands from its working directory', async () => {
    await writeFile(join(dir, 'check.sh'), '#!/bin/sh\necho 42\n', { mode: 0o755 });
    expect(await read({ run: './check.sh' })).toBe(42);
  });

  it('kills the whole process group at its timeout', async () => {
    const pidFile = join(dir, 'sleeper.pid');
    await expect(read({ run: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: '300ms' })).rejects.toThrow('the command did not finish within 300ms and was killed');
    const pid = Number(await readFile(pidFile, 'utf8'));
    let dead = gone(pid);
    for (let poll = 0; poll < 100 && !dead; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      dead = gone(pid);
    }
    expect(dead).toBe(true);
  });

  it('rejects with the reason of an aborted signal', async () => {
    const controller = new AbortController();
    const reason = new Error('analysis stopped');
    const pending = read({ run: 'sleep 30' }, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('keeps only the first 64 KiB of output and is not blocked by more', async () => {
    // 100 000 spaces, then a number that lies past the cap: the kept output is blank.
    expect(await read({ run: 'head -c 100000 /dev/zero | tr "\\0" " "; echo 7' })).toBe(true);
    expect(await read({ run: 'head -c 60000 /dev/zero | tr "\\0" " "; echo 7' })).toBe(7);
  });
});
