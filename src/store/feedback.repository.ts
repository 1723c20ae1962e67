import type { Kysely } from 'kysely';
import { RATINGS, type FeedbackEntry, type Rating } from '../core/feedback/feedback.js';
import { GantryError } from '../core/errors.js';
import type { Database, FeedbackTable } from './schema.js';

export interface FeedbackLinkRecord {
  readonly nonce: string;
  readonly deploymentId: string;
  readonly audience: string;
  readonly expiresAt: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly uses: number;
}

export async function insertFeedbackLink(db: Kysely<Database>, link: Omit<FeedbackLinkRecord, 'uses'>): Promise<void> {
  await db
    .insertInto('feedback_links')
    .values({ nonce: link.nonce, deployment_id: link.deploymentId, audience: link.audience, expires_at: link.expiresAt, created_by: link.createdBy, created_at: link.createdAt })
    .execute();
}

export async function getFeedbackLink(db: Kysely<Database>, nonce: string): Promise<FeedbackLinkRecord | null> {
  const row = await db.selectFrom('feedback_links').selectAll().where('nonce', '=', nonce).executeTakeFirst();
  return row
    ? { nonce: row.nonce, deploymentId: row.deployment_id, audience: row.audience, expiresAt: row.expires_at, createdBy: row.created_by, createdAt: row.created_at, uses: Number(row.uses) }
    : null;
}

function entryOf(row: FeedbackTable): FeedbackEntry {
  const rating = Number(row.rating);
  if (!(RATINGS as readonly number[]).includes(rating)) throw new GantryError('DATA_CORRUPT', `feedback ${row.id} has rating ${row.rating}, not 1 to 5`, { where: 'rating' });
  return {
    id: row.id,
    app: row.app,
    version: row.version,
    environment: row.environment,
    deploymentId: row.deployment_id,
    changeId: row.change_id,
    rating: rating as Rating,
    comment: row.comment,
    who: row.who,
    via: row.link_nonce === null ? 'api' : 'link',
    createdAt: row.created_at,
  };
}

/** Stores feedback given through the API. */
export async function insertFeedback(db: Kysely<Database>, entry: Omit<FeedbackEntry, 'via'>): Promise<void> {
  await db.insertInto('feedback').values(rowOf(entry, null)).execute();
}

function rowOf(entry: Omit<FeedbackEntry, 'via'>, linkNonce: string | null): FeedbackTable {
  return {
    id: entry.id,
    app: entry.app,
    version: entry.version,
    environment: entry.environment,
    deployment_id: entry.deploymentId,
    change_id: entry.changeId,
    link_nonce: linkNonce,
    rating: entry.rating,
    comment: entry.comment,
    who: entry.who,
    created_at: entry.createdAt,
  };
}

/**
 * Stores feedback given through a link, counting it against the link's bound in the same
 * transaction: the count goes up only while it is under `maxUses` (one conditional update, so two
 * nodes cannot both take the last use). False, with nothing stored, when the link is used up.
 */
export async function insertLinkFeedback(db: Kysely<Database>, nonce: string, maxUses: number, entry: Omit<FeedbackEntry, 'via'>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('feedback_links')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('nonce', '=', nonce)
      .where('uses', '<', maxUses)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return false;
    await trx.insertInto('feedback').values(rowOf(entry, nonce)).execute();
    return true;
  });
}

/** A release's feedback, oldest first. */
export async function listReleaseFeedback(db: Kysely<Database>, app: string, version: string): Promise<FeedbackEntry[]> {
  const rows = await db.selectFrom('feedback').selectAll().where('app', '=', app).where('version', '=', version).orderBy('created_at').orderBy('id').execute();
  return rows.map(entryOf);
}

/** A deployment's feedback, oldest first. */
export async function listDeploymentFeedback(db: Kysely<Database>, deploymentId: string): Promise<FeedbackEntry[]> {
  const rows = await db.selectFrom('feedback').selectAll().where('deployment_id', '=', deploymentId).orderBy('created_at').orderBy('id').execute();
  return rows.map(entryOf);
}

/** Feedback on the deployments that implemented the change, oldest first. */
export async function listChangeFeedback(db: Kysely<Database>, changeId: string): Promise<FeedbackEntry[]> {
  const rows = await db.selectFrom('feedback').selectAll().where('change_id', '=', changeId).orderBy('created_at').orderBy('id').execute();
  return rows.map(entryOf);
}
