import type { Hook, Manifest } from './schema.js';

export function hookCommandOf(hook: Hook): string {
  return typeof hook === 'string' ? hook : hook.run;
}

export function hookTimeoutOf(hook: Hook, manifest: Manifest): number {
  return typeof hook === 'string' ? manifest.hookTimeout : (hook.timeout ?? manifest.hookTimeout);
}
