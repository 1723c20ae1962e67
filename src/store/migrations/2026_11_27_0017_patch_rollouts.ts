import type { Kysely } from 'kysely';

/**
 * Patch rollouts (issue 9): a deployment of kind `patch` keeps the packages it upgrades on each
 * target; a target may have its own package commands (list, upgrade, reboot check).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('patch_json', 'text').execute();
  await db.schema.alterTable('targets').addColumn('package_commands_json', 'text').execute();
}
