import type { Clock } from '../core/clock.js';
import { NO_MASK, type Masker } from '../core/secrets/mask.js';
import type { LogStream } from '../core/model.js';
import type { DeploymentStore, NewLogLine } from './ports.js';

/** Longest stored line; the rest is cut and marked, so one runaway line cannot fill the store. */
const MAX_LINE_CHARS = 8192;
const FLUSH_EVERY_MS = 200;
const FLUSH_AT_LINES = 500;

/**
 * Collects step output, splits it into lines (keeping partial lines until they end), masks the
 * secrets in each whole line (so a value split across output chunks is still found), and writes
 * them to the store in batches, so a chatty hook costs a few inserts a second, not one per line.
 */
export class LogSink {
  private pending: NewLogLine[] = [];
  /** Unterminated last lines, by target, step and stream. */
  private readonly partial = new Map<string, { target: string | null; step: string | null; stream: LogStream; text: string }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Set once the run has read its secrets: every line is masked before it is stored. */
  masker: Masker = NO_MASK;

  constructor(
    private readonly store: DeploymentStore,
    private readonly clock: Clock,
    private readonly deploymentId: string,
    private readonly onWritten: () => void,
  ) {}

  write(target: string | null, step: string | null, stream: LogStream, chunk: string): void {
    const key = JSON.stringify([target, step, stream]);
    const lines = ((this.partial.get(key)?.text ?? '') + chunk).split(/\r?\n/);
    const rest = lines.pop() ?? '';
    if (rest) this.partial.set(key, { target, step, stream, text: rest });
    else this.partial.delete(key);
    for (const line of lines) this.push(target, step, stream, line);
  }

  /** A line of Gantry's own narration (step started, attempt failed, ...). */
  note(target: string | null, step: string | null, text: string): void {
    this.push(target, step, 'gantry', text);
  }

  private push(target: string | null, step: string | null, stream: LogStream, whole: string): void {
    // Masked whole, before cutting: a secret across the cut would otherwise leave its first half.
    const line = this.masker.mask(whole);
    const text = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [line cut at ${MAX_LINE_CHARS} characters]` : line;
    this.pending.push({ deploymentId: this.deploymentId, target, step, stream, text, at: this.clock.now().toISOString() });
    if (this.pending.length >= FLUSH_AT_LINES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Writes what is buffered, including unterminated partial lines when `final` is set. */
  flush(final = false): Promise<void> {
    if (final) {
      for (const { target, step, stream, text } of this.partial.values()) this.push(target, step, stream, text);
      this.partial.clear();
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      if (lines.length === 0) return;
      // Logs are best effort: a failed write must not fail the deployment it describes.
      await this.store.appendLogs(lines).catch(() => undefined);
      this.onWritten();
    });
    return this.flushing;
  }
}
