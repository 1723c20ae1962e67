import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { GantryError } from '../core/errors.js';
import type { Target } from '../core/model.js';
import type { Labels } from '../core/names.js';
import { consumeEnrolmentToken, insertEnrolmentToken } from '../store/agents.repository.js';
import { getTarget, insertTarget, setTargetLastSeen, updateTargetTransport } from '../store/targets.repository.js';
import { challengeText, type EnrolRequest, type Facts } from '../protocol/agent.js';
import type { AppDeps } from './app-deps.js';
import { evaluatePolicies } from './policies.js';
import { storeTargetFacts } from './target-facts.js';
import { requireTarget } from './targets.js';

const ENROLMENT_TOKEN_PREFIX = 'gantry_enrol_';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A one-time enrolment token: only its hash is stored, and it works once, before it expires. */
export async function createEnrolmentToken(
  deps: AppDeps,
  request: { labels: Labels; expiresInSeconds: number },
): Promise<{ token: string; labels: Labels; expiresAt: string; serverFingerprint: string | null }> {
  const token = `${ENROLMENT_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + request.expiresInSeconds * 1000).toISOString();
  await insertEnrolmentToken(deps.db, { id: deps.ids.next('enrol'), sha256: sha256Hex(token), labels: request.labels, expiresAt, createdAt: now.toISOString() });
  return { token, labels: request.labels, expiresAt, serverFingerprint: deps.serverFingerprint };
}

/**
 * Registers an agent: uses up its enrolment token and records its public key, in one
 * transaction (a name clash leaves the token unused). The token's labels win over the agent's.
 */
export async function enrolAgent(deps: AppDeps, request: Required<EnrolRequest>): Promise<Target> {
  const invalid = new GantryError('ENROLMENT_TOKEN_INVALID', 'the enrolment token is unknown, used or expired; create a new one with gantry agent token create');
  if (!request.token.startsWith(ENROLMENT_TOKEN_PREFIX)) throw invalid;
  const now = deps.clock.now().toISOString();
  // insertTarget refuses a name in use (TARGET_EXISTS), which rolls the token back to unused.
  return deps.db.transaction().execute(async (trx) => {
    const tokenLabels = await consumeEnrolmentToken(trx, sha256Hex(request.token), request.name, now);
    if (!tokenLabels) throw invalid;
    const target: Target = {
      name: request.name,
      transport: { type: 'agent', publicKey: request.publicKey, enrolledAt: now, revokedAt: null, root: request.root },
      labels: { ...request.labels, ...tokenLabels },
      createdAt: now,
      lastSeenAt: null,
    };
    await insertTarget(trx, target);
    return target;
  });
}

/** `bad-signature`: a known agent's name with an answer its key did not sign (told to the peer as `unknown`, for the audit log). */
export type AgentAuthentication = { readonly ok: true; readonly target: Target } | { readonly ok: false; readonly reason: 'unknown' | 'revoked' | 'bad-signature' };

/** Checks an agent's answer to a challenge against the public key it enrolled with. */
export async function authenticateAgent(deps: AppDeps, answer: { name: string; sessionId: string; nonce: string; signature: string }): Promise<AgentAuthentication> {
  const target = await getTarget(deps.db, answer.name);
  if (!target || target.transport.type !== 'agent') return { ok: false, reason: 'unknown' };
  if (target.transport.revokedAt !== null) return { ok: false, reason: 'revoked' };
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(target.transport.publicKey, 'base64').toString('base64url') }, format: 'jwk' });
  const signed = verify(null, Buffer.from(challengeText(answer.sessionId, answer.nonce)), key, Buffer.from(answer.signature, 'base64'));
  return signed ? { ok: true, target } : { ok: false, reason: 'bad-signature' };
}

/**
 * Stores what an agent reports about its machine and what changed since its last report. The
 * first report is the baseline: it is stored, not listed as a change of every fact.
 */
export async function recordAgentFacts(deps: AppDeps, name: string, facts: Facts): Promise<void> {
  await storeTargetFacts(deps, name, facts);
  // Compliance policies flip when facts arrive.
  await evaluatePolicies(deps, [name]);
}

export async function recordAgentDisconnected(deps: AppDeps, name: string): Promise<void> {
  await setTargetLastSeen(deps.db, name, deps.clock.now().toISOString());
}

/** Cuts an agent off: refused from now on, and its live session is dropped at once. */
export async function revokeAgent(deps: AppDeps, name: string): Promise<Target> {
  const target = await requireTarget(deps, name);
  if (target.transport.type !== 'agent') throw new GantryError('TARGET_NOT_AGENT', `target ${name} is a ${target.transport.type} target, not an agent`, { where: 'name' });
  const revoked: Target = { ...target, transport: { ...target.transport, revokedAt: target.transport.revokedAt ?? deps.clock.now().toISOString() } };
  await updateTargetTransport(deps.db, name, revoked.transport);
  deps.agents.disconnect(name, 'revoked');
  return revoked;
}
