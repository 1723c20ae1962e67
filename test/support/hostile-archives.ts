import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type HostileEntry = 'dot-dot' | 'absolute' | 'symlink-out' | 'hardlink' | 'device';

/** Builds a gzipped tar holding one good file and one hostile entry, with Python's tarfile. */
export function hostileArchive(kind: HostileEntry): Buffer {
  const path = join(mkdtempSync(join(tmpdir(), 'gantry-hostile-')), `${kind}.tar.gz`);
  const script = `
import io, sys, tarfile
kind, path = sys.argv[1], sys.argv[2]
with tarfile.open(path, 'w:gz') as tar:
    data = b'ok\\n'
    info = tarfile.TarInfo('good.txt'); info.size = len(data); tar.addfile(info, io.BytesIO(data))
    if kind == 'dot-dot':
        info = tarfile.TarInfo('../evil'); info.size = 4; tar.addfile(info, io.BytesIO(b'evil'))
    elif kind == 'absolute':
        info = tarfile.TarInfo('/tmp/gantry-evil'); info.size = 4; tar.addfile(info, io.BytesIO(b'evil'))
    elif kind == 'symlink-out':
        info = tarfile.TarInfo('link'); info.type = tarfile.SYMTYPE; info.linkname = '../../../../etc'; tar.addfile(info)
    elif kind == 'hardlink':
        info = tarfile.TarInfo('hard'); info.type = tarfile.LNKTYPE; info.linkname = 'good.txt'; tar.addfile(info)
    elif kind == 'device':
        info = tarfile.TarInfo('dev'); info.type = tarfile.CHRTYPE; info.devmajor = 1; info.devminor = 3; tar.addfile(info)
`;
  execFileSync('python3', ['-c', script, kind, path]);
  return readFileSync(path);
}
