import type { Kysely } from 'kysely';

/**
 * Feedback after a deployment (issue 10). `feedback_links`: each signed link minted (its nonce is
 * in the token), with how often it was used, so that the bound on uses per link is one atomic
 * update on either store. `feedback`: each rating with what it is about (the deployment's app,
 * version and environment, copied so that summaries per release are one query) and who gave it:
 * the user, or the link's audience label (`link_nonce` set).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('feedback_links')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('feedback')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('change_id', 'text')
    .addColumn('link_nonce', 'text', (c) => c.references('feedback_links.nonce'))
    .addColumn('rating', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('who', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feedback_release').on('feedback').columns(['app', 'version']).execute();
  await db.schema.createIndex('feedback_deployment').on('feedback').columns(['deployment_id']).execute();
}
