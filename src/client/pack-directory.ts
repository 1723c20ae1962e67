/**
 * Packs a release directory into the release archive format (a gzipped tar of the directory's
 * contents). The packer lives in artifacts/ and pulls in node-tar, so it is loaded only when a
 * release is actually being created.
 */
import type { Readable } from 'node:stream';

export async function packReleaseDirectory(dir: string): Promise<Readable> {
  const { packDirectory } = await import('../artifacts/inspect-archive.js');
  return packDirectory(dir);
}
