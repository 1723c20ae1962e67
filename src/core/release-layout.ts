/**
 * Where things live on a target. ROOT is the target's root; each app has its own folder:
 *   ROOT/<app>/releases/<version>/   one folder per release, never changed once complete
 *   ROOT/<app>/current               symlink to releases/<version>, switched atomically
 *   ROOT/<app>/artifacts/<sha256>.tar.gz   uploaded archives, content-addressed
 */
export function appDirOf(root: string, app: string): string {
  return `${root.replace(/\/+$/, '')}/${app}`;
}

export function releaseDirOf(root: string, app: string, version: string): string {
  return `${appDirOf(root, app)}/releases/${version}`;
}
