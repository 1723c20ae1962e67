import type { Kysely } from 'kysely';

/**
 * The inventory (issue 9): configuration items recorded by hand (load balancers, databases,
 * network devices, SaaS dependencies…) with their lifecycle dates and asset fields, and the
 * relationships people record between any two CIs. Targets, applications and environments, and
 * the relationships between them, are discovered from what Gantry knows and not stored here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cis')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('lifecycle', 'text', (c) => c.notNull())
    .addColumn('lifecycle_dates_json', 'text', (c) => c.notNull())
    .addColumn('serial', 'text')
    .addColumn('model', 'text')
    .addColumn('location', 'text')
    .addColumn('purchase_date', 'text')
    .addColumn('warranty_until', 'text')
    .addColumn('cost_centre', 'text')
    .addColumn('description', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ci_relationships')
    .addColumn('from_ref', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('to_ref', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ci_relationships_pk', ['from_ref', 'type', 'to_ref'])
    .execute();
  await db.schema.createIndex('ci_relationships_to').on('ci_relationships').column('to_ref').execute();
}
