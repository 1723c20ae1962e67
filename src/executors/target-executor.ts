/**
 * The TargetExecutor port: opens a session on a target over its transport (local or SSH).
 */
import { mkdir } from 'node:fs/promises';
import { GantryError } from '../core/errors.js';
import type { Target } from '../core/model.js';
import type { TargetExecutor, TargetSession } from '../engine/ports.js';
import { createLocalShell } from './local.js';
import { createTargetSession } from './release-layout.js';
import { openSshShell } from './ssh.js';

export function createTargetExecutor(): TargetExecutor {
  return {
    async open(target: Target, options): Promise<TargetSession> {
      if (options.signal?.aborted) throw new GantryError('INTERRUPTED', 'cancelled');
      const transport = target.transport;
      if (transport.type === 'local') {
        try {
          await mkdir(transport.root, { recursive: true });
        } catch (error) {
          throw new GantryError('TARGET_UNREACHABLE', `cannot create the root directory ${transport.root} of the local target ${target.name}`, { target: target.name }, { cause: error });
        }
        return createTargetSession(createLocalShell(transport.root), transport.root);
      }
      if (transport.type === 'agent') {
        throw new GantryError('TARGET_UNREACHABLE', `target ${target.name} is an agent; running deployment steps on agents is not available yet`, { target: target.name });
      }
      const shell = await openSshShell(transport, options);
      return createTargetSession(shell, transport.root);
    },
  };
}
