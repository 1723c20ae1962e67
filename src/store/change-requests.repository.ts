import type { Kysely, Selectable } from 'kysely';
import type { ApprovalPolicy } from '../core/change/approval-policy.js';
import type { Approval } from '../core/change/approvals.js';
import { CHANGE_STATES, CHANGE_TYPES, type ChangeState } from '../core/change/change-machine.js';
import type { ChangeEventRecord, ChangeRequest, ChangeReview } from '../core/change/change-request.js';
import type { EvidenceBundle } from '../core/change/evidence.js';
import { planInputSchema, type ComputedPlan } from '../core/change/plan.js';
import type { RiskAssessment } from '../core/change/risk.js';
import { GantryError } from '../core/errors.js';
import { parseEnumColumn, parseJsonColumn } from './row-parsing.js';
import type { ChangeApprovalsTable, ChangeEventsTable, ChangesTable, Database } from './schema.js';

const DECISIONS = ['approve', 'reject'] as const;

function toChange(row: Selectable<ChangesTable>, approvals: readonly Approval[]): ChangeRequest {
  const record = `change ${row.id}`;
  const json = <T>(text: string | null, field: string): T | null => (text === null ? null : parseJsonColumn<T>(text, record, field));
  const plan = planInputSchema.safeParse(parseJsonColumn<unknown>(row.plan_json, record, 'plan'));
  if (!plan.success) throw new GantryError('DATA_CORRUPT', `${record}: field plan is not a valid plan`, { where: `${record}.plan` });
  return {
    id: row.id,
    type: parseEnumColumn(row.type, CHANGE_TYPES, record, 'type'),
    state: parseEnumColumn(row.state, CHANGE_STATES, record, 'state'),
    title: row.title,
    requester: row.requester,
    deployer: row.deployer,
    plan: plan.data,
    planVersion: row.plan_version,
    computed: parseJsonColumn<ComputedPlan>(row.computed_json, record, 'computed'),
    risk: json<RiskAssessment>(row.risk_json, 'risk'),
    approvalPolicy: json<ApprovalPolicy>(row.policy_json, 'policy'),
    approvals,
    deploymentId: row.deployment_id,
    evidence: json<EvidenceBundle>(row.evidence_json, 'evidence'),
    review: json<ChangeReview>(row.review_json, 'review'),
    rowVersion: row.row_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toApproval(row: Selectable<ChangeApprovalsTable>): Approval {
  const record = `approval ${row.seq} of change ${row.change_id}`;
  return {
    by: row.by_user,
    groups: parseJsonColumn<string[]>(row.groups_json, record, 'groups'),
    at: row.at,
    releaseDigest: row.release_digest,
    planVersion: row.plan_version,
    decision: parseEnumColumn(row.decision, DECISIONS, record, 'decision'),
    ...(row.comment === null ? {} : { comment: row.comment }),
  };
}

function toEvent(row: Selectable<ChangeEventsTable>): ChangeEventRecord {
  const record = `change event ${row.seq}`;
  return {
    seq: Number(row.seq),
    changeId: row.change_id,
    type: row.type,
    fromState: row.from_state === null ? null : parseEnumColumn(row.from_state, CHANGE_STATES, record, 'from_state'),
    toState: row.to_state === null ? null : parseEnumColumn(row.to_state, CHANGE_STATES, record, 'to_state'),
    actor: row.actor,
    data: parseJsonColumn<Record<string, unknown>>(row.data_json, record, 'data'),
    at: row.at,
  };
}

/** What a write records besides the row: the audit line, and a decision if one was made. */
export interface ChangeWrite {
  readonly event: { readonly type: string; readonly fromState: ChangeState | null; readonly toState: ChangeState | null; readonly actor: string; readonly data?: Record<string, unknown> };
  readonly approval?: Approval;
}

/** Stored columns from a change; `window_*` are normalised to UTC so they sort and compare as text. */
function toRow(change: ChangeRequest, number: number): Selectable<ChangesTable> {
  const utc = (iso: string | undefined) => (iso === undefined ? null : new Date(iso).toISOString());
  return {
    id: change.id,
    number,
    type: change.type,
    state: change.state,
    title: change.title,
    app: change.computed.app,
    version: change.computed.version,
    environment: change.computed.environment,
    release_digest: change.computed.releaseDigest,
    requester: change.requester,
    deployer: change.deployer,
    plan_json: JSON.stringify(change.plan),
    plan_version: change.planVersion,
    computed_json: JSON.stringify(change.computed),
    risk_json: change.risk === null ? null : JSON.stringify(change.risk),
    policy_json: change.approvalPolicy === null ? null : JSON.stringify(change.approvalPolicy),
    window_start: utc(change.plan.window?.start),
    window_end: utc(change.plan.window?.end),
    deployment_id: change.deploymentId,
    evidence_json: change.evidence === null ? null : JSON.stringify(change.evidence),
    review_json: change.review === null ? null : JSON.stringify(change.review),
    row_version: change.rowVersion,
    created_at: change.createdAt,
    updated_at: change.updatedAt,
  };
}

async function appendWrite(db: Kysely<Database>, changeId: string, write: ChangeWrite, at: string): Promise<void> {
  const { event, approval } = write;
  await db
    .insertInto('change_events')
    .values({ change_id: changeId, type: event.type, from_state: event.fromState, to_state: event.toState, actor: event.actor, data_json: JSON.stringify(event.data ?? {}), at })
    .execute();
  if (approval) {
    await db
      .insertInto('change_approvals')
      .values({
        change_id: changeId,
        by_user: approval.by,
        groups_json: JSON.stringify(approval.groups),
        decision: approval.decision,
        release_digest: approval.releaseDigest,
        plan_version: approval.planVersion,
        comment: approval.comment ?? null,
        at: approval.at,
      })
      .execute();
  }
}

/** The next change number (`C-<n>`); the unique index makes a race between two creators fail, not collide. */
export async function nextChangeNumber(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('changes').select((eb) => eb.fn.max<number | null>('number').as('top')).executeTakeFirst();
  return Number(row?.top ?? 0) + 1;
}

/** Runs `work` in the caller's transaction if there is one, else in a new one. */
function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export async function insertChange(db: Kysely<Database>, change: ChangeRequest, number: number, write: ChangeWrite): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.insertInto('changes').values(toRow(change, number)).execute();
    await appendWrite(trx, change.id, write, change.updatedAt);
  });
}

/**
 * Writes `next` if the stored row is still at `expected.rowVersion` (then raises it), with its
 * audit line, in one transaction (the caller's, when given one). False when someone else wrote
 * first: nothing was written.
 */
export async function updateChange(db: Kysely<Database>, expected: ChangeRequest, next: ChangeRequest, write: ChangeWrite): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const { id: _id, number: _number, created_at: _created, ...columns } = toRow({ ...next, rowVersion: expected.rowVersion + 1 }, 0);
    const result = await trx.updateTable('changes').set(columns).where('id', '=', expected.id).where('row_version', '=', expected.rowVersion).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await appendWrite(trx, expected.id, write, next.updatedAt);
    return true;
  });
}

async function approvalsOf(db: Kysely<Database>, changeIds: readonly string[]): Promise<Map<string, Approval[]>> {
  const byChange = new Map<string, Approval[]>();
  if (changeIds.length === 0) return byChange;
  const rows = await db.selectFrom('change_approvals').selectAll().where('change_id', 'in', changeIds).orderBy('seq').execute();
  for (const row of rows) byChange.set(row.change_id, [...(byChange.get(row.change_id) ?? []), toApproval(row)]);
  return byChange;
}

async function withApprovals(db: Kysely<Database>, rows: readonly Selectable<ChangesTable>[]): Promise<ChangeRequest[]> {
  const approvals = await approvalsOf(db, rows.map((row) => row.id));
  return rows.map((row) => toChange(row, approvals.get(row.id) ?? []));
}

export async function getChange(db: Kysely<Database>, id: string): Promise<ChangeRequest | null> {
  const row = await db.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? ((await withApprovals(db, [row]))[0] ?? null) : null;
}

export interface ChangeFilter {
  readonly states?: readonly ChangeState[];
  readonly app?: string;
  readonly environment?: string;
  readonly limit: number;
}

/** Newest first. */
export async function listChanges(db: Kysely<Database>, filter: ChangeFilter): Promise<ChangeRequest[]> {
  let query = db.selectFrom('changes').selectAll().orderBy('number', 'desc').limit(filter.limit);
  if (filter.states) query = query.where('state', 'in', filter.states);
  if (filter.app) query = query.where('app', '=', filter.app);
  if (filter.environment) query = query.where('environment', '=', filter.environment);
  return withApprovals(db, await query.execute());
}

/** Changes with a planned window overlapping [from, to), in the given states, earliest first. */
export async function listChangesInWindow(db: Kysely<Database>, from: Date, to: Date, states: readonly ChangeState[]): Promise<ChangeRequest[]> {
  const rows = await db
    .selectFrom('changes')
    .selectAll()
    .where('state', 'in', states)
    .where('window_start', '<', to.toISOString())
    .where('window_end', '>', from.toISOString())
    .orderBy('window_start')
    .execute();
  return withApprovals(db, rows);
}

/** Scheduled changes whose window has opened and not closed, and that have no deployment yet. */
export async function listDueChanges(db: Kysely<Database>, now: Date): Promise<ChangeRequest[]> {
  const rows = await db
    .selectFrom('changes')
    .selectAll()
    .where('state', '=', 'scheduled')
    .where('deployment_id', 'is', null)
    .where('window_start', '<=', now.toISOString())
    .where('window_end', '>', now.toISOString())
    .orderBy('window_start')
    .execute();
  return withApprovals(db, rows);
}

/** Changes being implemented whose deployment has ended: they go to review. */
export async function listChangesWithEndedDeployments(db: Kysely<Database>, endedStates: readonly string[]): Promise<ChangeRequest[]> {
  const rows = await db
    .selectFrom('changes')
    .innerJoin('deployments', 'deployments.id', 'changes.deployment_id')
    .selectAll('changes')
    .where('changes.state', '=', 'implement')
    .where('deployments.state', 'in', endedStates)
    .execute();
  return withApprovals(db, rows);
}

export async function listChangeEvents(db: Kysely<Database>, changeId: string): Promise<ChangeEventRecord[]> {
  const rows = await db.selectFrom('change_events').selectAll().where('change_id', '=', changeId).orderBy('seq').execute();
  return rows.map(toEvent);
}

/** The latest audit line of a change, if any. */
export async function lastChangeEvent(db: Kysely<Database>, changeId: string): Promise<ChangeEventRecord | null> {
  const row = await db.selectFrom('change_events').selectAll().where('change_id', '=', changeId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? toEvent(row) : null;
}

/** An audit line that changes nothing else (a scheduled start that had to wait, say). */
export async function appendChangeEvent(db: Kysely<Database>, changeId: string, event: ChangeWrite['event'], at: string): Promise<void> {
  await appendWrite(db, changeId, { event }, at);
}
