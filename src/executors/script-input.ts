/**
 * Feeds a script's standard input for both transports. A failing source (an artifact that cannot
 * be read) is reported, not swallowed: a truncated upload must not look like a digest mismatch.
 * A script that exits without reading its input is not an error.
 */
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';

/** Starts writing `input` into `sink`; calls `onSourceError` if the source fails. Returns a stop function. */
export function feedScriptInput(
  input: Readable | Buffer | string | undefined,
  sink: Writable,
  onSourceError: (error: unknown) => void,
): () => void {
  // The script may exit before reading everything: EPIPE / channel closed are expected then.
  sink.on('error', () => undefined);
  if (input === undefined) {
    sink.end();
    return () => undefined;
  }
  if (!(input instanceof Readable)) {
    sink.end(input);
    return () => undefined;
  }
  const onError = (error: unknown): void => {
    input.unpipe(sink);
    onSourceError(error);
  };
  input.once('error', onError);
  input.pipe(sink);
  return () => {
    input.off('error', onError);
    input.on('error', () => undefined);
    input.unpipe(sink);
    input.destroy();
  };
}
