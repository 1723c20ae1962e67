/**
 * Builds gzipped tar archives entry by entry, including entries no honest packer writes
 * (`../` paths, absolute paths, devices), with Python's tarfile module.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The system interpreter starts faster than a version manager's shim. */
const PYTHON_BIN = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface CraftedEntry {
  readonly name: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'chardev' | 'blockdev';
  readonly linkname?: string;
  readonly content?: string;
  readonly mode?: number;
}

const PYTHON = String.raw`
import io, json, sys, tarfile
spec = json.load(sys.stdin)
types = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE,
         'fifo': tarfile.FIFOTYPE, 'chardev': tarfile.CHRTYPE, 'blockdev': tarfile.BLKTYPE}
with tarfile.open(spec['path'], 'w:gz', format=tarfile.PAX_FORMAT) as archive:
    for entry in spec['entries']:
        info = tarfile.TarInfo(entry['name'])
        info.type = types[entry['type']]
        info.mode = entry.get('mode', 0o755 if entry['type'] == 'dir' else 0o644)
        info.linkname = entry.get('linkname', '')
        data = entry.get('content', '').encode()
        info.size = len(data) if entry['type'] == 'file' else 0
        archive.addfile(info, io.BytesIO(data) if entry['type'] == 'file' else None)
`;

export function craftArchive(path: string, entries: readonly CraftedEntry[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON_BIN, ['-c', PYTHON], (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(JSON.stringify({ path, entries }));
  });
}
