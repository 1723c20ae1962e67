/**
 * Walks the entries of a gzipped tar archive (a file path or a stream) without extracting it.
 * Decompression is done here (not by node-tar's sniffing) so that only gzip is accepted and
 * the inflated byte count is known. Damaged or non-gzip/tar input → ARTIFACT_INVALID; an error
 * thrown by a visitor stops the walk and is passed through.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { GantryError } from '../core/errors.js';

export interface ArchiveVisitor {
  /** Called for each entry in order. The visitor must consume or `resume()` the entry. */
  onEntry(entry: ReadEntry): void;
  /** Called for entries node-tar does not understand (unknown types, oversized headers). */
  onUnsupportedEntry?(entry: ReadEntry): void;
  /** Called as data is inflated, with the totals so far. */
  onInflate?(compressedBytes: number, inflatedBytes: number): void;
}

export function walkArchive(source: Readable | string, visitor: ArchiveVisitor): Promise<void> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const gunzip = createGunzip();
  const parser = new Parser({ strict: true, zstd: false, brotli: false });

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let compressed = 0;
    let inflated = 0;
    const fail = (error: unknown, fallback: () => GantryError): void => {
      if (settled) return;
      settled = true;
      input.unpipe(gunzip);
      input.destroy();
      gunzip.destroy();
      reject(error instanceof GantryError ? error : fallback());
    };
    const guard = (entry: ReadEntry, visit: (entry: ReadEntry) => void): void => {
      if (settled) {
        entry.resume();
        return;
      }
      try {
        visit(entry);
      } catch (error) {
        entry.resume();
        fail(error, () => new GantryError('INTERNAL', 'reading the archive failed', {}, { cause: error }));
      }
    };

    input.on('data', (chunk: Buffer | string) => {
      compressed += chunk.length;
    });
    input.once('error', (error: unknown) => fail(error, () => new GantryError('ARTIFACT_INVALID', 'the archive cannot be read', {}, { cause: error })));
    gunzip.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
      try {
        visitor.onInflate?.(compressed, inflated);
      } catch (error) {
        fail(error, () => new GantryError('INTERNAL', 'reading the archive failed', {}, { cause: error }));
      }
    });
    gunzip.once('error', (error) =>
      fail(error, () => new GantryError('ARTIFACT_INVALID', 'the archive is not gzip-compressed or is damaged', {}, { cause: error })),
    );
    parser.on('entry', (entry: ReadEntry) => guard(entry, (e) => visitor.onEntry(e)));
    parser.on('ignoredEntry', (entry: ReadEntry) => guard(entry, (e) => (visitor.onUnsupportedEntry ?? ((x: ReadEntry) => x.resume()))(e)));
    parser.on('error', (error: unknown) =>
      fail(error, () => new GantryError('ARTIFACT_INVALID', 'the archive is not a valid tar archive', {}, { cause: error })),
    );
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve();
    });

    input.pipe(gunzip);
    // node-tar's Parser is a writable EventEmitter, not a stream.Writable; node-tar pipes into it the same way.
    gunzip.pipe(parser as unknown as Writable);
  });
}
