/**
 * One agent per directory. A second `gantry agent` on the same `--dir` would take the first
 * one's running commands for interrupted ones and kill them; the lock file (`agent.lock`: the
 * holder's pid and its start time) refuses it. A lock left by an agent that died (SIGKILL, a
 * crash) names a process that is gone, or a pid now used by another process, and is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processStartTime } from './attempt-journal.js';
import { AGENT_EXIT_CODES, AgentFailure } from './failure.js';

export const LOCK_FILE = 'agent.lock';

export interface DirLock {
  release(): Promise<void>;
}

async function holderAlive(path: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const [pid, startTime] = text.trim().split(' ');
  const holder = Number(pid);
  if (!Number.isInteger(holder) || holder <= 0 || holder === process.pid) return null;
  return (await processStartTime(holder)) === startTime ? holder : null;
}

export async function lockAgentDir(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  const content = `${process.pid} ${(await processStartTime(process.pid)) ?? 'unknown'}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(content);
      await file.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AgentFailure('AGENT_DIR_INVALID', `${path} cannot be created: ${(error as Error).message}`, AGENT_EXIT_CODES.invalid, { cause: error });
      }
      const holder = await holderAlive(path);
      if (holder !== null) {
        throw new AgentFailure('AGENT_DIR_IN_USE', `another gantry agent (pid ${holder}) is running with ${dir}; stop it first, or use another --dir`, AGENT_EXIT_CODES.invalid);
      }
      await rm(path, { force: true });
    }
  }
  throw new AgentFailure('AGENT_DIR_IN_USE', `${path} keeps coming back: another gantry agent is starting with ${dir}`, AGENT_EXIT_CODES.invalid);
}
