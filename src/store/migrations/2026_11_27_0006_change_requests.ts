import type { Kysely } from 'kysely';
import type { StoreCapabilities } from '../capabilities.js';

/**
 * Change requests (issue 5): the plan is the change, so one row holds both, with the parts
 * people query on (state, app, environment, window) as columns and the rest as JSON. Decisions
 * and transitions are append-only tables: they are the audit of the change. API tokens gain the
 * person they speak for and that person's groups, which separation of duties and approval
 * policies need, and a scope: calendar subscriptions get read-only feed tokens. The first admin
 * token speaks for `admin` in group `admins`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>, capabilities: StoreCapabilities): Promise<void> {
  const serial = (table: string) =>
    db.schema
      .createTable(table)
      .addColumn('seq', capabilities.serialColumnType, (c) => c.primaryKey().$call((column) => (capabilities.serialNeedsAutoIncrement ? column.autoIncrement() : column)));

  await db.schema.alterTable('api_tokens').addColumn('user_name', 'text', (c) => c.notNull().defaultTo('admin')).execute();
  await db.schema.alterTable('api_tokens').addColumn('groups_json', 'text', (c) => c.notNull().defaultTo('["admins"]')).execute();
  // `api` tokens call the API; `calendar-feed` tokens only read the iCalendar feed (they sit in URLs).
  await db.schema.alterTable('api_tokens').addColumn('scope', 'text', (c) => c.notNull().defaultTo('api')).execute();

  await db.schema
    .createTable('changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('release_digest', 'text', (c) => c.notNull())
    .addColumn('requester', 'text', (c) => c.notNull())
    .addColumn('deployer', 'text')
    .addColumn('plan_json', 'text', (c) => c.notNull())
    .addColumn('plan_version', 'integer', (c) => c.notNull())
    .addColumn('computed_json', 'text', (c) => c.notNull())
    .addColumn('risk_json', 'text')
    .addColumn('policy_json', 'text')
    .addColumn('window_start', 'text')
    .addColumn('window_end', 'text')
    .addColumn('deployment_id', 'text')
    .addColumn('evidence_json', 'text')
    .addColumn('review_json', 'text')
    .addColumn('row_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('changes_state_window').on('changes').columns(['state', 'window_start']).execute();
  await db.schema.createIndex('changes_app_environment').on('changes').columns(['app', 'environment']).execute();

  await serial('change_approvals')
    .addColumn('change_id', 'text', (c) => c.notNull())
    .addColumn('by_user', 'text', (c) => c.notNull())
    .addColumn('groups_json', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('release_digest', 'text', (c) => c.notNull())
    .addColumn('plan_version', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_approvals_change').on('change_approvals').columns(['change_id', 'seq']).execute();

  await serial('change_events')
    .addColumn('change_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_events_change').on('change_events').columns(['change_id', 'seq']).execute();

  await db.schema.alterTable('deployments').addColumn('change_id', 'text').execute();
}
