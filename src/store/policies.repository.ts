import type { Kysely } from 'kysely';
import type { Policy, PolicyState } from '../core/policy/model.js';
import { parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { Database } from './schema.js';

const STATES: readonly PolicyState[] = ['pass', 'fail', 'unknown', 'not_applicable'];

export interface StoredPolicy {
  readonly policy: Policy;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A target's latest result against a policy; `since`: when it entered this state. */
export interface StoredPolicyResult {
  readonly policy: string;
  readonly target: string;
  readonly state: PolicyState;
  readonly reasons: readonly string[];
  readonly since: string;
  readonly evaluatedAt: string;
}

export interface PolicyFlip {
  readonly seq: number;
  readonly policy: string;
  readonly target: string;
  /** Null: the target's first evaluation against the policy. */
  readonly from: PolicyState | null;
  readonly to: PolicyState;
  readonly reasons: readonly string[];
  readonly at: string;
}

function policyOf(row: { name: string; policy_json: string; created_at: string; updated_at: string }): StoredPolicy {
  return { policy: parseJsonColumn<Policy>(row.policy_json, `policy ${row.name}`, 'policy'), createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Creates the policy, or replaces the one of that name (keeping when it was created). */
export async function savePolicy(db: Kysely<Database>, policy: Policy, at: string): Promise<'created' | 'updated'> {
  return db.transaction().execute(async (trx) => {
    const stored = await trx.selectFrom('policies').select('name').where('name', '=', policy.name).executeTakeFirst();
    if (stored) {
      await trx.updateTable('policies').set({ policy_json: JSON.stringify(policy), updated_at: at }).where('name', '=', policy.name).execute();
      return 'updated';
    }
    await trx.insertInto('policies').values({ name: policy.name, policy_json: JSON.stringify(policy), created_at: at, updated_at: at }).execute();
    return 'created';
  });
}

export async function getPolicy(db: Kysely<Database>, name: string): Promise<StoredPolicy | undefined> {
  const row = await db.selectFrom('policies').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? policyOf(row) : undefined;
}

export async function listPolicies(db: Kysely<Database>): Promise<StoredPolicy[]> {
  return (await db.selectFrom('policies').selectAll().orderBy('name').execute()).map(policyOf);
}

/** Removes the policy with its results and history; false when there is none of that name. */
export async function deletePolicy(db: Kysely<Database>, name: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('policies').where('name', '=', name).executeTakeFirst();
    await trx.deleteFrom('policy_results').where('policy', '=', name).execute();
    await trx.deleteFrom('policy_flips').where('policy', '=', name).execute();
    return Number(deleted.numDeletedRows) > 0;
  });
}

function resultOf(row: { policy: string; target: string; state: string; reasons_json: string; since: string; evaluated_at: string }): StoredPolicyResult {
  const record = `policy result ${row.policy}/${row.target}`;
  return {
    policy: row.policy,
    target: row.target,
    state: parseEnumColumn(row.state, STATES, record, 'state'),
    reasons: parseJsonColumn<string[]>(row.reasons_json, record, 'reasons'),
    since: row.since,
    evaluatedAt: row.evaluated_at,
  };
}

export async function listPolicyResults(db: Kysely<Database>): Promise<StoredPolicyResult[]> {
  return (await db.selectFrom('policy_results').selectAll().orderBy('policy').orderBy('target').execute()).map(resultOf);
}

export interface EvaluatedResult {
  readonly policy: string;
  readonly target: string;
  readonly state: PolicyState;
  readonly reasons: readonly string[];
}

/**
 * Stores fresh results in one transaction. A result whose state differs from the stored one (or
 * that has none stored) records a flip and restarts `since`; `stale` results (policy × target
 * pairs whose target is gone) are removed. Returns the flips recorded.
 */
export async function saveEvaluations(
  db: Kysely<Database>,
  results: readonly EvaluatedResult[],
  at: string,
  stale: readonly { readonly policy: string; readonly target: string }[] = [],
): Promise<Omit<PolicyFlip, 'seq'>[]> {
  if (results.length === 0 && stale.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const flips: Omit<PolicyFlip, 'seq'>[] = [];
    for (const result of results) {
      const stored = await trx.selectFrom('policy_results').select(['state', 'since']).where('policy', '=', result.policy).where('target', '=', result.target).executeTakeFirst();
      const reasons = JSON.stringify(result.reasons);
      if (stored?.state === result.state) {
        await trx.updateTable('policy_results').set({ reasons_json: reasons, evaluated_at: at }).where('policy', '=', result.policy).where('target', '=', result.target).execute();
        continue;
      }
      const row = { policy: result.policy, target: result.target, state: result.state, reasons_json: reasons, since: at, evaluated_at: at };
      await trx
        .insertInto('policy_results')
        .values(row)
        .onConflict((conflict) => conflict.columns(['policy', 'target']).doUpdateSet({ state: row.state, reasons_json: row.reasons_json, since: row.since, evaluated_at: row.evaluated_at }))
        .execute();
      const from = stored ? parseEnumColumn(stored.state, STATES, `policy result ${result.policy}/${result.target}`, 'state') : null;
      await trx.insertInto('policy_flips').values({ policy: result.policy, target: result.target, from_state: from, to_state: result.state, reasons_json: reasons, at }).execute();
      flips.push({ policy: result.policy, target: result.target, from, to: result.state, reasons: result.reasons, at });
    }
    for (const pair of stale) await trx.deleteFrom('policy_results').where('policy', '=', pair.policy).where('target', '=', pair.target).execute();
    return flips;
  });
}

/** A policy's flips, newest first. */
export async function listPolicyFlips(db: Kysely<Database>, policy: string, limit = 1000): Promise<PolicyFlip[]> {
  const rows = await db.selectFrom('policy_flips').selectAll().where('policy', '=', policy).orderBy('seq', 'desc').limit(limit).execute();
  return rows.map((row) => {
    const record = `policy flip ${row.seq}`;
    return {
      seq: Number(row.seq),
      policy: row.policy,
      target: row.target,
      from: row.from_state === null ? null : parseEnumColumn(row.from_state, STATES, record, 'from_state'),
      to: parseEnumColumn(row.to_state, STATES, record, 'to_state'),
      reasons: parseJsonColumn<string[]>(row.reasons_json, record, 'reasons'),
      at: row.at,
    };
  });
}
