import { userInfo } from 'node:os';
import { LOCAL_ADDRESS, type OfflineOperator } from '../app/audit.js';

/** Who runs an offline command, for its audit record: the operating-system user, on this machine. */
export function offlineOperator(env: Readonly<Record<string, string | undefined>> = process.env): OfflineOperator {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for the uid (a container): the login name the environment gives, if any.
    name = env.USER ?? env.LOGNAME;
  }
  return { actor: `os:${name ?? 'unknown'}`, address: LOCAL_ADDRESS };
}
