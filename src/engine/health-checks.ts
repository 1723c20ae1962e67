import { request } from 'node:http';
import { formatDuration } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import { describeCheck, type ResolvedHealthCheck } from '../core/health/resolve-health-checks.js';
import type { Clock } from '../core/clock.js';
import type { StepAttempt, TargetSession } from './ports.js';

export interface HealthCheckRun {
  readonly session: TargetSession;
  readonly app: string;
  readonly version: string;
  readonly env: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly attempt: StepAttempt;
  readonly log: (text: string) => void;
}

/**
 * Runs each check until it passes or its attempts (1 + retries) are used up; every attempt has
 * its own timeout, so the longest wait is attempts × timeout + retries × interval.
 */
export async function runHealthChecks(checks: readonly ResolvedHealthCheck[], run: HealthCheckRun): Promise<void> {
  for (const [index, check] of checks.entries()) {
    const attempts = check.timing.retries + 1;
    let detail = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      run.signal.throwIfAborted();
      const outcome = await attemptCheck(check, run);
      detail = outcome.detail;
      run.log(`health[${index}] ${describeCheck(check)}: attempt ${attempt}/${attempts} ${outcome.ok ? 'passed' : 'failed'}: ${detail}`);
      if (outcome.ok) break;
      if (attempt === attempts) {
        throw new GantryError('HEALTH_CHECK_FAILED', `health[${index}] ${describeCheck(check)} failed after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${detail}`, { where: `health[${index}]` });
      }
      await run.clock.sleep(check.timing.interval, run.signal);
    }
  }
}

async function attemptCheck(check: ResolvedHealthCheck, run: HealthCheckRun): Promise<{ ok: boolean; detail: string }> {
  try {
    switch (check.kind) {
      case 'command': {
        const result = await run.session.runCheck(run.app, run.version, { command: check.command, env: run.env }, { timeoutMs: check.timing.timeout, signal: run.signal, attempt: run.attempt });
        return { ok: result.exitCode === 0, detail: `exit code ${result.exitCode}` };
      }
      case 'tcp': {
        const socket = await run.session.connectTcp(check.host, check.port, check.timing.timeout);
        socket.destroy();
        return { ok: true, detail: 'connected' };
      }
      case 'http': {
        const status = await httpStatus(check.url, run.session, check.timing.timeout);
        return { ok: status === check.expect, detail: `status ${status}` };
      }
    }
  } catch (error) {
    if (run.signal.aborted) throw error;
    if (error instanceof GantryError && error.code === 'STEP_TIMEOUT') return { ok: false, detail: `timed out after ${formatDuration(check.timing.timeout)}` };
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** GET over a connection opened from the target's side, so "127.0.0.1" means the target itself. */
async function httpStatus(url: URL, session: TargetSession, timeoutMs: number): Promise<number> {
  const port = Number(url.port || 80);
  const socket = await session.connectTcp(url.hostname.replace(/^\[|\]$/g, ''), port, timeoutMs);
  return new Promise<number>((resolve, reject) => {
    // The tunnel is not a net.Socket (no setTimeout), so the deadline is kept here.
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${formatDuration(timeoutMs)}`)), timeoutMs);
    const req = request(
      { createConnection: () => socket, host: url.hostname, port, path: `${url.pathname}${url.search}`, method: 'GET', headers: { host: url.host, connection: 'close', 'user-agent': 'gantry-health' } },
      (response) => {
        clearTimeout(timer);
        response.resume();
        response.on('end', () => socket.destroy());
        resolve(response.statusCode ?? 0);
      },
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    req.end();
  });
}
