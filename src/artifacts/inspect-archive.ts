/**
 * Checks a release archive before anything is extracted from it: every entry must land inside
 * the release directory and be a plain file, directory or a symlink that stays inside;
 * size, entry count and compression ratio are bounded (zip bombs). Also reads the config
 * templates out of an archive.
 */
import type { Readable } from 'node:stream';
import type { ReadEntry } from 'tar';
import { GantryError } from '../core/errors.js';
import { walkArchive } from './archive-reader.js';

export { packDirectory } from './pack-directory.js';

export interface ArchiveLimits {
  readonly maxEntries: number;
  /** Sum of the sizes of the files in the archive. */
  readonly maxUnpackedBytes: number;
  /** Inflated bytes per compressed byte, checked once more than `ratioGraceBytes` are inflated. */
  readonly maxCompressionRatio: number;
  readonly ratioGraceBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntries: 1_000_000,
  maxUnpackedBytes: 20 * 1024 ** 3,
  maxCompressionRatio: 200,
  ratioGraceBytes: 10 * 1024 ** 2,
};

export interface ArchiveSummary {
  readonly entries: number;
  readonly unpackedBytes: number;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const MAX_SYMLINK_HOPS = 40;
const MAX_TEMPLATE_BYTES = 16 * 1024 * 1024;

/** Path segments of an archive path, without empty and `.` segments. */
function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.');
}

function unsafe(path: string, why: string): GantryError {
  return new GantryError('ARTIFACT_UNSAFE', `the archive entry ${JSON.stringify(path)} ${why}`, { where: path });
}

/**
 * Whether a path inside the archive, followed through the symlinks the archive has created so
 * far, leaves the root. `followLast` also follows a symlink in the last segment.
 */
function escapesRoot(segments: readonly string[], symlinks: ReadonlyMap<string, string>, followLast: boolean): boolean {
  const resolved: string[] = [];
  let pending = [...segments];
  let hops = 0;
  for (let segment = pending.shift(); segment !== undefined; segment = pending.shift()) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (resolved.pop() === undefined) return true;
      continue;
    }
    resolved.push(segment);
    const target = symlinks.get(resolved.join('/'));
    if (target !== undefined && (pending.length > 0 || followLast)) {
      hops += 1;
      if (hops > MAX_SYMLINK_HOPS || target.startsWith('/')) return true;
      resolved.pop();
      pending = [...target.split('/'), ...pending];
    }
  }
  return false;
}

/**
 * Reads the whole archive and throws ARTIFACT_UNSAFE (naming the entry) for an absolute path,
 * a `..` segment, a hard link, a device or FIFO, an unknown entry type, a symlink that is
 * absolute or resolves outside the archive root, or an exceeded limit; ARTIFACT_INVALID if
 * the input is not a readable gzipped tar archive.
 */
export async function inspectArchive(source: Readable | string, limits: Partial<ArchiveLimits> = {}): Promise<ArchiveSummary> {
  const limit = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  let entries = 0;
  let unpackedBytes = 0;
  /** Symlinks created so far: normalised path → link target. */
  const symlinks = new Map<string, string>();

  const checkEntry = (entry: ReadEntry): void => {
    const path = entry.path;
    entries += 1;
    if (entries > limit.maxEntries) throw unsafe(path, `is past the limit of ${limit.maxEntries} entries`);
    if (path.startsWith('/')) throw unsafe(path, 'has an absolute path');
    const segments = segmentsOf(path);
    if (segments.includes('..')) throw unsafe(path, 'has a ".." path segment');
    if (segments.length === 0 && entry.type !== 'Directory') throw unsafe(path, 'has no name');
    if (escapesRoot(segments, symlinks, false)) throw unsafe(path, 'is written through a symlink that leads outside the archive');

    const key = segments.join('/');
    if (entry.type === 'SymbolicLink') {
      const target = entry.linkpath ?? '';
      if (target.startsWith('/')) throw unsafe(path, `is a symlink to the absolute path ${JSON.stringify(target)}`);
      if (escapesRoot([...segments.slice(0, -1), ...target.split('/')], symlinks, true)) {
        throw unsafe(path, `is a symlink to ${JSON.stringify(target)}, outside the archive`);
      }
      symlinks.set(key, target);
    } else if (entry.type === 'Link') {
      throw unsafe(path, 'is a hard link');
    } else if (entry.type === 'CharacterDevice' || entry.type === 'BlockDevice' || entry.type === 'FIFO') {
      throw unsafe(path, `is a ${entry.type === 'FIFO' ? 'FIFO' : 'device'}`);
    } else if (FILE_TYPES.has(entry.type)) {
      symlinks.delete(key);
      unpackedBytes += entry.size;
      if (unpackedBytes > limit.maxUnpackedBytes) throw unsafe(path, `takes the unpacked size past the limit of ${limit.maxUnpackedBytes} bytes`);
    } else if (entry.type !== 'Directory') {
      throw unsafe(path, `has the unsupported type ${entry.type}`);
    }
    entry.resume();
  };

  await walkArchive(source, {
    onEntry: checkEntry,
    onUnsupportedEntry: (entry) => {
      throw unsafe(entry.path, `has the unsupported type ${entry.type}`);
    },
    onInflate: (compressed, inflated) => {
      if (inflated > limit.ratioGraceBytes && inflated > compressed * limit.maxCompressionRatio) {
        throw new GantryError('ARTIFACT_UNSAFE', `the archive expands more than ${limit.maxCompressionRatio} times; it looks like a decompression bomb`, {
          compressedBytes: compressed,
          inflatedBytes: inflated,
        });
      }
    },
  });

  // A later symlink can redirect a path an earlier one went through: check them all again.
  for (const [path, target] of symlinks) {
    if (escapesRoot([...segmentsOf(path).slice(0, -1), ...target.split('/')], symlinks, true)) {
      throw unsafe(path, `is a symlink to ${JSON.stringify(target)}, which leads outside the archive through another symlink`);
    }
  }
  return { entries, unpackedBytes };
}

/**
 * Returns the UTF-8 text of the named files (paths inside the archive, `./` optional).
 * A name that is not a regular file in the archive → TEMPLATE_INVALID naming it.
 */
export async function readArchiveFiles(path: string, names: readonly string[]): Promise<Map<string, string>> {
  const wanted = new Map(names.map((name) => [segmentsOf(name).join('/'), name]));
  const contents = new Map<string, Buffer[]>();

  await walkArchive(path, {
    onEntry: (entry) => {
      const name = wanted.get(segmentsOf(entry.path).join('/'));
      if (name === undefined) {
        entry.resume();
        return;
      }
      if (!FILE_TYPES.has(entry.type)) {
        contents.delete(name);
        entry.resume();
        return;
      }
      if (entry.size > MAX_TEMPLATE_BYTES) {
        throw new GantryError('TEMPLATE_INVALID', `the template ${name} is larger than ${MAX_TEMPLATE_BYTES} bytes`, { where: name });
      }
      // A later entry with the same name replaces an earlier one, as on extraction.
      const chunks: Buffer[] = [];
      contents.set(name, chunks);
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    },
  });

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const texts = new Map<string, string>();
  for (const name of names) {
    const chunks = contents.get(name);
    if (chunks === undefined) {
      throw new GantryError('TEMPLATE_INVALID', `the template ${name} is not a file in the release archive`, { where: name });
    }
    try {
      texts.set(name, decoder.decode(Buffer.concat(chunks)));
    } catch (error) {
      throw new GantryError('TEMPLATE_INVALID', `the template ${name} is not UTF-8 text`, { where: name }, { cause: error });
    }
  }
  return texts;
}
