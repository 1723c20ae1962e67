/**
 * The agent's memory of the commands it ran, kept on disk so that it survives a restart: one
 * small JSON file per command under `<agentDir>/attempts/` (named by the sha256 of the command
 * id, so any id makes a safe file name), written to a temporary file and renamed into place so
 * a crash never leaves half an entry.
 *
 * It is what makes "never run the same command twice" hold: a redelivered `run` is answered
 * from the journal. An entry is written *before* the script is spawned (then again with its
 * pid), so an agent that died while a command ran finds, when it starts again, an entry with
 * no result: that command is reported `interrupted` and the process group it left behind is
 * killed — but only if its leader's start time (field 22 of /proc/<pid>/stat) still matches,
 * so a pid the kernel has since given to another process is never killed. Where /proc cannot
 * be read, or the leader has exited while other members of its group live on, nothing is killed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { commandResultSchema, type CommandResult } from '../protocol/agent.js';

export const ATTEMPTS_DIR = 'attempts';
/** Finished entries older than this are forgotten: no lease lives that long, so no redelivery comes. */
export const FINISHED_RETENTION_MS = 24 * 3_600_000;
/** Entries the server acknowledged are forgotten sooner: it will not ask again. */
export const ACKNOWLEDGED_RETENTION_MS = 3_600_000;
/** At most this many finished entries are kept (the oldest go first). */
export const MAX_FINISHED_ENTRIES = 2000;

const entrySchema = z.object({
  id: z.string(),
  token: z.number().int(),
  startedAt: z.string(),
  pid: z.number().int().positive().nullable(),
  pidStartTime: z.string().nullable(),
  result: commandResultSchema.optional(),
  finishedAt: z.string().optional(),
  acknowledged: z.boolean().optional(),
});
export type AttemptEntry = z.infer<typeof entrySchema>;

export const INTERRUPTED_RESULT: CommandResult = { exitCode: null, exitSignal: null, stdout: '', stderr: '', timedOut: false, cancelled: false, interrupted: true };

export interface OpenedJournal {
  readonly journal: AttemptJournal;
  /** Commands that were running when the agent stopped: now recorded as interrupted. */
  readonly interrupted: string[];
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) is in parentheses and may hold spaces or ')': count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3] ?? null;
  } catch {
    return null;
  }
}

function killProcessGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

function fileName(id: string): string {
  return `${createHash('sha256').update(id, 'utf8').digest('hex')}.json`;
}

export class AttemptJournal {
  readonly #dir: string;
  readonly #now: () => Date;
  readonly #entries = new Map<string, AttemptEntry>();
  /** Writes of one entry happen in order: a late pid write must not overwrite the result. */
  readonly #writes = new Map<string, Promise<void>>();

  private constructor(dir: string, now: () => Date) {
    this.#dir = dir;
    this.#now = now;
  }

  /** Loads `<agentDir>/attempts/`, turning entries without a result into interrupted ones. */
  static async open(agentDir: string, options: { now?: () => Date } = {}): Promise<OpenedJournal> {
    const journal = new AttemptJournal(join(agentDir, ATTEMPTS_DIR), options.now ?? (() => new Date()));
    const interrupted = await journal.#load();
    return { journal, interrupted };
  }

  get(id: string): AttemptEntry | undefined {
    return this.#entries.get(id);
  }

  /** Records that a command is about to start. The entry is visible to get() at once. */
  start(id: string, token: number): Promise<void> {
    return this.#put({ id, token, startedAt: this.#now().toISOString(), pid: null, pidStartTime: null });
  }

  /** Records the pid of the command's process-group leader (with its start time). */
  async recordPid(id: string, pid: number): Promise<void> {
    const pidStartTime = await processStartTime(pid);
    const entry = this.#entries.get(id);
    if (!entry || entry.result) return;
    await this.#put({ ...entry, pid, pidStartTime });
  }

  /** Records the result. The entry holds it at once, before it reaches the disk. */
  finish(id: string, token: number, result: CommandResult): Promise<void> {
    const entry = this.#entries.get(id) ?? { id, token, startedAt: this.#now().toISOString(), pid: null, pidStartTime: null };
    const written = this.#put({ ...entry, result, finishedAt: this.#now().toISOString() });
    this.#prune();
    return written;
  }

  /** Finished entries whose result the server has not answered yet (acked or refused), oldest first. */
  unanswered(): AttemptEntry[] {
    return [...this.#entries.values()].filter((entry) => entry.result && !entry.acknowledged).sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
  }

  /** The server answered the result (recorded or refused it): it is not sent again, and may go sooner. */
  acknowledge(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry?.result || entry.acknowledged) return Promise.resolve();
    const written = this.#put({ ...entry, acknowledged: true });
    this.#prune();
    return written;
  }

  async #load(): Promise<string[]> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const interrupted: string[] = [];
    for (const name of await readdir(this.#dir)) {
      const path = join(this.#dir, name);
      if (!name.endsWith('.json')) {
        // A temporary file a crash left before its rename.
        if (name.endsWith('.tmp')) await unlink(path).catch(() => undefined);
        continue;
      }
      let entry: AttemptEntry;
      try {
        entry = entrySchema.parse(JSON.parse(await readFile(path, 'utf8')));
        if (fileName(entry.id) !== name) throw new Error('misnamed');
      } catch {
        // Renames are atomic, so this is not half an entry: it is not ours; forget it.
        await unlink(path).catch(() => undefined);
        continue;
      }
      this.#entries.set(entry.id, entry);
      if (entry.result) continue;
      interrupted.push(entry.id);
      if (entry.pid !== null && entry.pidStartTime !== null && (await processStartTime(entry.pid)) === entry.pidStartTime) killProcessGroup(entry.pid);
      await this.#put({ ...entry, result: INTERRUPTED_RESULT, finishedAt: this.#now().toISOString() });
    }
    this.#prune();
    return interrupted;
  }

  /** Waits for the writes under way (an agent that stops keeps what it was told last). */
  async flush(): Promise<void> {
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes.values()]);
  }

  #put(entry: AttemptEntry): Promise<void> {
    this.#entries.set(entry.id, entry);
    return this.#enqueue(entry.id, () => this.#write(entry));
  }

  #enqueue(id: string, write: () => Promise<void>): Promise<void> {
    const previous = this.#writes.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    this.#writes.set(id, next);
    const forget = () => {
      if (this.#writes.get(id) === next) this.#writes.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  async #write(entry: AttemptEntry): Promise<void> {
    const name = fileName(entry.id);
    const temporary = join(this.#dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(entry), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, join(this.#dir, name));
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  /** Forgets finished entries past their retention, then the oldest beyond MAX_FINISHED_ENTRIES. */
  #prune(): void {
    const now = this.#now().getTime();
    const finished: { entry: AttemptEntry; at: number }[] = [];
    for (const entry of this.#entries.values()) {
      if (!entry.result) continue;
      const at = Date.parse(entry.finishedAt ?? entry.startedAt);
      const age = now - (Number.isNaN(at) ? 0 : at);
      if (age > FINISHED_RETENTION_MS || (entry.acknowledged && age > ACKNOWLEDGED_RETENTION_MS)) this.#remove(entry.id);
      else finished.push({ entry, at });
    }
    if (finished.length <= MAX_FINISHED_ENTRIES) return;
    finished.sort((a, b) => a.at - b.at);
    for (const { entry } of finished.slice(0, finished.length - MAX_FINISHED_ENTRIES)) this.#remove(entry.id);
  }

  #remove(id: string): void {
    this.#entries.delete(id);
    const path = join(this.#dir, fileName(id));
    void this.#enqueue(id, () => unlink(path).catch(() => undefined));
  }
}
