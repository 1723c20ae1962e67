/**
 * Collects a script's output for both transports: streams it, decoded, to the caller's sink
 * and keeps a bounded copy (the head of stdout, the tail of stderr) for the result.
 */
import { StringDecoder } from 'node:string_decoder';
import type { OutputSink } from '../engine/ports.js';
import { STDERR_CAPTURE_BYTES, STDOUT_CAPTURE_BYTES } from './target-shell.js';

export class OutputCapture {
  readonly #sink: OutputSink | undefined;
  readonly #stdoutDecoder = new StringDecoder('utf8');
  readonly #stderrDecoder = new StringDecoder('utf8');
  readonly #stdoutHead: Buffer[] = [];
  #stdoutBytes = 0;
  #stderrTail: Buffer = Buffer.alloc(0);

  constructor(sink: OutputSink | undefined) {
    this.#sink = sink;
  }

  stdout(chunk: Buffer): void {
    if (this.#stdoutBytes < STDOUT_CAPTURE_BYTES) {
      const kept = chunk.subarray(0, STDOUT_CAPTURE_BYTES - this.#stdoutBytes);
      this.#stdoutHead.push(kept);
      this.#stdoutBytes += kept.length;
    }
    this.#emit('stdout', this.#stdoutDecoder.write(chunk));
  }

  stderr(chunk: Buffer): void {
    const joined = Buffer.concat([this.#stderrTail, chunk]);
    this.#stderrTail = joined.length > STDERR_CAPTURE_BYTES ? joined.subarray(joined.length - STDERR_CAPTURE_BYTES) : joined;
    this.#emit('stderr', this.#stderrDecoder.write(chunk));
  }

  /** Flushes partial characters and returns the captured text. */
  finish(): { stdout: string; stderr: string } {
    this.#emit('stdout', this.#stdoutDecoder.end());
    this.#emit('stderr', this.#stderrDecoder.end());
    return {
      stdout: Buffer.concat(this.#stdoutHead).toString('utf8'),
      stderr: this.#stderrTail.toString('utf8'),
    };
  }

  #emit(stream: 'stdout' | 'stderr', text: string): void {
    if (text !== '' && this.#sink) this.#sink(stream, text);
  }
}
