/**
 * Feedback after a deployment (issue 10): stakeholders rate it (1-5) with an optional comment,
 * signed in through the API or through a signed link sent to people without an account. Each
 * entry is attached to the deployment's release and environment, and to the change it
 * implemented (shown on the change's review); releases get a summary overall and per environment.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../core/actor.js';
import { GantryError } from '../core/errors.js';
import {
  DEFAULT_LINK_EXPIRY_MS,
  feedbackInputSchema,
  linkExpirySchema,
  MAX_AUDIENCE_LENGTH,
  summariseFeedback,
  type FeedbackEntry,
  type FeedbackSummary,
} from '../core/feedback/feedback.js';
import type { Deployment } from '../core/model.js';
import * as store from '../store/feedback.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireDeployment } from './deployments.js';
import { signFeedbackLink, verifyFeedbackLink } from './feedback-links.js';
import { parseInput } from './parse-input.js';
import { requireRelease } from './releases.js';

/** How much feedback one link takes in all (it may go to a whole team): enough for a team, not a flood. */
export const MAX_FEEDBACK_PER_LINK = 100;
const DEFAULT_AUDIENCE = 'stakeholders';

export const feedbackLinkRequestSchema = z.strictObject({
  audience: z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(MAX_AUDIENCE_LENGTH, `must be at most ${MAX_AUDIENCE_LENGTH} characters`)
    // Shown on the form and stored as who gave the feedback: one plain line.
    .refine((label) => !/[\p{Cc}\p{Cf}]/u.test(label), 'must be one line without control characters')
    .optional(),
  expires: linkExpirySchema.optional(),
});

export interface MintedFeedbackLink {
  readonly token: string;
  readonly deploymentId: string;
  readonly audience: string;
  readonly expiresAt: string;
}

/** Mints a signed link through which anyone holding it may rate the deployment, until it expires. */
export async function mintFeedbackLink(deps: AppDeps, actor: Actor, deploymentId: string, input: unknown): Promise<MintedFeedbackLink> {
  const request = parseInput(feedbackLinkRequestSchema, input ?? {}, '', 'link');
  const deployment = await requireDeployment(deps, deploymentId);
  const now = deps.clock.now();
  const claims = {
    deployment: deployment.id,
    audience: request.audience ?? DEFAULT_AUDIENCE,
    expiresAt: new Date(now.getTime() + (request.expires ?? DEFAULT_LINK_EXPIRY_MS)).toISOString(),
    nonce: randomBytes(18).toString('base64url'),
  };
  await store.insertFeedbackLink(deps.db, { nonce: claims.nonce, deploymentId: deployment.id, audience: claims.audience, expiresAt: claims.expiresAt, createdBy: actor.user, createdAt: now.toISOString() });
  return { token: signFeedbackLink(deps.keyring, claims), deploymentId: deployment.id, audience: claims.audience, expiresAt: claims.expiresAt };
}

export interface OpenedFeedbackLink {
  readonly audience: string;
  readonly expiresAt: string;
  readonly deployment: Deployment;
  /** Feedback it may still take. */
  readonly remaining: number;
}

/** What a valid link is for; FEEDBACK_LINK_INVALID / FEEDBACK_LINK_EXPIRED otherwise (see feedback-links.ts). */
export async function openFeedbackLink(deps: AppDeps, token: string): Promise<OpenedFeedbackLink & { readonly nonce: string }> {
  const claims = verifyFeedbackLink(deps.keyring, token, deps.clock.now());
  const link = await store.getFeedbackLink(deps.db, claims.nonce);
  // Signed here but not recorded (a store restored from before it was minted): not a link this store knows.
  if (!link || link.deploymentId !== claims.deployment) throw new GantryError('FEEDBACK_LINK_INVALID', 'this feedback link is not known to this server (any more); ask for a new one', { where: 'token' });
  const deployment = await requireDeployment(deps, link.deploymentId);
  return { nonce: link.nonce, audience: link.audience, expiresAt: link.expiresAt, deployment, remaining: Math.max(0, MAX_FEEDBACK_PER_LINK - link.uses) };
}

function entryFor(deps: AppDeps, deployment: Deployment, who: string, input: z.output<typeof feedbackInputSchema>): Omit<FeedbackEntry, 'via'> {
  return {
    id: deps.ids.next('fb'),
    app: deployment.app,
    version: deployment.version,
    environment: deployment.environment,
    deploymentId: deployment.id,
    changeId: deployment.changeId,
    rating: input.rating as FeedbackEntry['rating'],
    comment: input.comment,
    who,
    createdAt: deps.clock.now().toISOString(),
  };
}

/** Feedback through a link, from whoever holds it (recorded as the link's audience); bounded per link. */
export async function giveFeedbackThroughLink(deps: AppDeps, token: string, input: unknown): Promise<FeedbackEntry> {
  const link = await openFeedbackLink(deps, token);
  const entry = entryFor(deps, link.deployment, link.audience, parseInput(feedbackInputSchema, input, '', 'feedback'));
  if (!(await store.insertLinkFeedback(deps.db, link.nonce, MAX_FEEDBACK_PER_LINK, entry))) {
    throw new GantryError('FEEDBACK_LINK_USED_UP', `this feedback link has taken the ${MAX_FEEDBACK_PER_LINK} answers it may; thank you — ask for a new link to say more`, { where: 'token' });
  }
  return { ...entry, via: 'link' };
}

/** Feedback from a signed-in user on a deployment. */
export async function giveFeedback(deps: AppDeps, actor: Actor, deploymentId: string, input: unknown): Promise<FeedbackEntry> {
  const request = parseInput(feedbackInputSchema, input, '', 'feedback');
  const deployment = await requireDeployment(deps, deploymentId);
  const entry = entryFor(deps, deployment, actor.user, request);
  await store.insertFeedback(deps.db, entry);
  return { ...entry, via: 'api' };
}

export interface ReleaseFeedback {
  readonly entries: readonly FeedbackEntry[];
  readonly summary: FeedbackSummary;
}

/** A release's feedback in the environments `visible` lets through, with its summary. */
export async function releaseFeedback(deps: AppDeps, app: string, version: string, visible: (environment: string) => boolean): Promise<ReleaseFeedback> {
  await requireRelease(deps, app, version);
  const entries = (await store.listReleaseFeedback(deps.db, app, version)).filter((entry) => visible(entry.environment));
  return { entries, summary: summariseFeedback(entries) };
}

/** The summary of the feedback on the deployments that implemented the change (count 0 when none). */
export async function changeFeedbackSummary(deps: AppDeps, changeId: string): Promise<FeedbackSummary> {
  return summariseFeedback(await store.listChangeFeedback(deps.db, changeId));
}
