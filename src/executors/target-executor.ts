/**
 * The TargetExecutor port: opens a session on a target over its transport (local, SSH or agent).
 */
import { mkdir } from 'node:fs/promises';
import { GantryError } from '../core/errors.js';
import type { Target } from '../core/model.js';
import type { TargetExecutor, TargetSession } from '../engine/ports.js';
import { createAgentShell, type AgentLink } from './agent-shell.js';
import { createLocalShell } from './local.js';
import { createTargetSession } from './release-layout.js';
import { openSshShell } from './ssh.js';

export function createTargetExecutor(agents?: AgentLink): TargetExecutor {
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
        if (transport.revokedAt !== null) throw new GantryError('TARGET_UNREACHABLE', `agent ${target.name} was revoked`, { target: target.name });
        if (!agents || !(await agents.reachable(target.name))) {
          const lastSeen = target.lastSeenAt ? ` (last seen ${target.lastSeenAt})` : ' (it has never connected)';
          throw new GantryError('TARGET_UNREACHABLE', `agent ${target.name} is offline${lastSeen}`, { target: target.name });
        }
        return createTargetSession(createAgentShell(agents, target.name), transport.root);
      }
      const shell = await openSshShell(transport, options);
      return createTargetSession(shell, transport.root);
    },
  };
}
