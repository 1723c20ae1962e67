/**
 * Packs a directory's contents into a gzipped tar archive, the release archive format: paths
 * relative to the directory (no `./` prefix), portable headers (no owners), symlinks kept as
 * symlinks, hard-linked files stored as separate copies (inspectArchive refuses hard links).
 */
import { readdir } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { create, type TarOptionsWithAliasesAsyncNoFile } from 'tar';

type LinkCache = NonNullable<TarOptionsWithAliasesAsyncNoFile['linkCache']>;

/** A link cache that never remembers, so node-tar never writes a hard link entry. */
function forgetfulLinkCache(): LinkCache {
  const cache: LinkCache = new Map();
  cache.set = () => cache;
  return cache;
}

export function packDirectory(dir: string): Readable {
  const output = new PassThrough();
  readdir(dir).then(
    (names) => {
      if (names.length === 0) {
        // An empty tar archive is two zero blocks.
        output.end(gzipSync(Buffer.alloc(1024)));
        return;
      }
      const pack = create({ gzip: true, cwd: dir, portable: true, linkCache: forgetfulLinkCache() }, names.sort());
      pack.on('error', (error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))));
      pack.pipe(output);
    },
    (error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return output;
}
