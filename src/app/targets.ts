import { agentWhereabouts } from './agent-presence.js';
import { GantryError } from '../core/errors.js';
import type { PackageCommands, Target, Transport } from '../core/model.js';
import type { Labels } from '../core/names.js';
import { isTargetInActiveDeployment } from '../store/deployments.repository.js';
import { deleteTargetFacts, getTargetFacts, listTargetFactChanges, type FactChange, type StoredFacts } from '../store/target-facts.repository.js';
import { deleteTarget, getTarget, insertTarget, listTargets, setTargetPackageCommands } from '../store/targets.repository.js';
import type { AppDeps } from './app-deps.js';

export type TargetRegistration =
  | { readonly name: string; readonly labels: Labels; readonly local: { readonly root: string }; readonly packageCommands?: PackageCommands | undefined }
  | {
      readonly name: string;
      readonly labels: Labels;
      readonly packageCommands?: PackageCommands | undefined;
      readonly ssh: { readonly user: string; readonly host: string; readonly port: number; readonly keyPath: string; readonly knownHostsPath?: string; readonly root: string };
    };

const SSH_PROBE_TIMEOUT_MS = 10_000;

/**
 * Registers a target. An SSH target is contacted once: the key must log in, and its host key is
 * pinned (checked against --known-hosts when given); every later connection must present it.
 */
export async function addTarget(deps: AppDeps, registration: TargetRegistration): Promise<Target> {
  if (await getTarget(deps.db, registration.name)) {
    throw new GantryError('TARGET_EXISTS', `target ${registration.name} already exists; remove it first to change it`, { where: 'name' });
  }
  let transport: Transport;
  if ('local' in registration) {
    transport = { type: 'local', root: registration.local.root };
  } else {
    const { user, host, port, keyPath, knownHostsPath, root } = registration.ssh;
    const { hostKeySha256 } = await deps.probeSsh({ user, host, port, keyPath, ...(knownHostsPath ? { knownHostsPath } : {}), timeoutMs: SSH_PROBE_TIMEOUT_MS });
    transport = { type: 'ssh', user, host, port, keyPath, hostKeySha256, root };
  }
  const target: Target = {
    name: registration.name,
    transport,
    labels: registration.labels,
    createdAt: deps.clock.now().toISOString(),
    lastSeenAt: null,
    ...(registration.packageCommands && Object.keys(registration.packageCommands).length > 0 ? { packageCommands: registration.packageCommands } : {}),
  };
  await insertTarget(deps.db, target);
  return target;
}

/** A target with what is known about it now: its reported facts and, for agents, its session. */
export interface TargetView {
  readonly target: Target;
  readonly facts: StoredFacts | null;
  /** Agents: the live session on this node or another one, if any. */
  readonly session: { readonly lastSeenAt: string } | null;
}

async function viewOf(deps: AppDeps, target: Target): Promise<TargetView> {
  return { target, facts: await getTargetFacts(deps.db, target.name), session: target.transport.type === 'agent' ? await agentSession(deps, target.name) : null };
}

/** The agent's session on this node, or else on another node that is up. */
async function agentSession(deps: AppDeps, name: string): Promise<{ readonly lastSeenAt: string } | null> {
  const local = deps.agents.sessionOf(name);
  if (local) return local;
  const elsewhere = await agentWhereabouts(deps, name);
  return elsewhere ? { lastSeenAt: elsewhere.since } : null;
}

export async function listAllTargets(deps: AppDeps): Promise<TargetView[]> {
  return Promise.all((await listTargets(deps.db)).map((target) => viewOf(deps, target)));
}

export async function showTarget(deps: AppDeps, name: string): Promise<TargetView> {
  return viewOf(deps, await requireTarget(deps, name));
}

export async function targetFactHistory(deps: AppDeps, name: string): Promise<{ at: string; changes: FactChange[] }[]> {
  await requireTarget(deps, name);
  return listTargetFactChanges(deps.db, name, 100);
}

/** Sets the target's own package commands; none given (an empty object) goes back to the defaults. */
export async function setPackageCommands(deps: AppDeps, name: string, commands: PackageCommands): Promise<TargetView> {
  await requireTarget(deps, name);
  await setTargetPackageCommands(deps.db, name, Object.keys(commands).length > 0 ? commands : null);
  return showTarget(deps, name);
}

export async function requireTarget(deps: AppDeps, name: string): Promise<Target> {
  const target = await getTarget(deps.db, name);
  if (!target) throw new GantryError('TARGET_NOT_FOUND', `target ${name} does not exist`, { where: 'name' });
  return target;
}

export async function removeTarget(deps: AppDeps, name: string): Promise<void> {
  await requireTarget(deps, name);
  if (await isTargetInActiveDeployment(deps.db, name)) {
    throw new GantryError('TARGET_IN_USE', `target ${name} is part of an active deployment; wait for it to finish or cancel it`, { where: 'name' });
  }
  deps.agents.disconnect(name, 'revoked');
  await deleteTargetFacts(deps.db, name);
  await deleteTarget(deps.db, name);
}
