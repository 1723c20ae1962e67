/**
 * `gantry change …`, `gantry plan …` (the plan is the change), `gantry token create` and
 * `gantry calendar feed-token`.
 */
import type { ApiClient, ChangeDto, ChangeEventDto, ChangeState, ChangeType, CloseCode, PlanInput } from '../../client/api-client.js';
import { planInputSchema } from '../../core/change/plan.js';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import { readInputFile } from '../input-file.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';
import { feedbackSummaryLines } from './feedback.js';

/** A plan file larger than this is refused before parsing (the server takes 2 MiB bodies). */
const MAX_PLAN_BYTES = 1024 * 1024;

function invalid(message: string, where: string): GantryError {
  return new GantryError('REQUEST_INVALID', message, { where });
}

// ---------------------------------------------------------------------------------------------
// The plan file

/** A plan file, checked as the server will check it (see readInputFile); sent as written. */
export async function readPlanFile(cwd: string, file: string): Promise<PlanInput> {
  return (await readInputFile(cwd, file, { what: 'plan', flag: '--from-file', schema: planInputSchema, maxBytes: MAX_PLAN_BYTES })).raw as PlanInput;
}

/** --start and --end, both or neither. */
function windowOf(options: { start?: string | undefined; end?: string | undefined }): { start: string; end: string } | undefined {
  if (options.start === undefined && options.end === undefined) return undefined;
  if (options.start === undefined) throw invalid('--end needs --start as well (the planned window is --start ISO --end ISO)', '--start');
  if (options.end === undefined) throw invalid('--start needs --end as well (the planned window is --start ISO --end ISO)', '--end');
  return { start: options.start, end: options.end };
}

// ---------------------------------------------------------------------------------------------
// Text

function utc(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString();
}

function hours(start: string, end: string): string {
  const minutes = Math.round((Date.parse(end) - Date.parse(start)) / 60_000);
  if (!Number.isFinite(minutes)) return '?';
  const [whole, rest] = [Math.floor(minutes / 60), minutes % 60];
  return [whole > 0 ? `${whole}h` : '', rest > 0 || whole === 0 ? `${rest}m` : ''].filter(Boolean).join(' ');
}

function formatWindow(window: { start: string; end: string } | undefined): string {
  return window ? `${utc(window.start)} – ${utc(window.end)} (${hours(window.start, window.end)})` : 'not planned yet (gantry change schedule ID --start ISO --end ISO)';
}

const levelInWords = (level: string) => level.replace(/_/g, ' ');

function shortDigest(digest: string): string {
  return digest.replace(/^([a-z0-9]+:)?([0-9a-f]{12})[0-9a-f]*$/i, '$1$2');
}

function policyInWords(policy: ChangeDto['approvalPolicy']): string {
  if (policy === null) return 'none yet (chosen when the change is submitted)';
  if (policy.requirements.length === 0) return `${policy.name}: needs no approvals`;
  return `${policy.name}: ${policy.requirements.map((requirement) => `${requirement.count} from ${requirement.group}`).join(' and ')}`;
}

function statusInWords(status: NonNullable<ChangeDto['approvalStatus']>): string {
  if (status.status !== 'pending') return status.status;
  return `pending: missing ${status.missing.map((entry) => `${entry.needed} from ${entry.group}`).join(', ')}`;
}

function checklistLine(entry: ChangeDto['plan']['checklist'][number]): string {
  if (entry.status === 'waived') return `  [~] ${entry.item} (${entry.owner}) waived: ${entry.reason ?? 'no reason given'}`;
  return `  [${entry.status === 'done' ? 'x' : ' '}] ${entry.item} (${entry.owner})`;
}

/** Reads a field of the untyped evidence bundle: a string, or undefined. */
function textAt(value: unknown, ...path: string[]): string | undefined {
  let current = value;
  for (const key of path) current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  return typeof current === 'string' ? current : typeof current === 'number' || typeof current === 'boolean' ? String(current) : undefined;
}

function listAt(value: unknown, key: string): unknown[] {
  const list = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return Array.isArray(list) ? list : [];
}

/** The evidence bundle in a few lines: the proposed close code and why, the window, and each batch's verdict. */
function evidenceLines(evidence: Record<string, unknown>): string[] {
  const lines = [`proposed close code: ${textAt(evidence, 'proposal', 'closeCode') ?? NONE} (${textAt(evidence, 'proposal', 'reason') ?? 'no reason recorded'})`];
  const state = textAt(evidence, 'deployment', 'state');
  if (state) lines.push(`deployment ${textAt(evidence, 'deployment', 'id') ?? ''} ${state}${textAt(evidence, 'deployment', 'reason') ? `: ${textAt(evidence, 'deployment', 'reason')}` : ''}`.replace(/\s+/g, ' '));
  const within = textAt(evidence, 'withinPlannedWindow');
  if (within !== undefined) lines.push(within === 'true' ? 'ran inside the planned window' : `ran outside the planned window: ${textAt(evidence, 'windowOverrun') ?? 'times unknown'}`);
  for (const batch of listAt(evidence, 'batches')) {
    const index = Number(textAt(batch, 'index'));
    const targets = listAt(batch, 'targets').filter((name): name is string => typeof name === 'string');
    const rollback = textAt(batch, 'rollback');
    lines.push(`batch ${Number.isInteger(index) ? index + 1 : '?'}: ${textAt(batch, 'verdict') ?? 'unknown'}${rollback && rollback !== 'none' ? `, ${rollback.replace(/_/g, ' ')}` : ''} (${targets.join(', ') || 'no targets'})`);
  }
  const rollback = textAt(evidence, 'rollback', 'result');
  if (rollback) lines.push(`rollback: ${rollback}${textAt(evidence, 'rollback', 'reason') ? ` (${textAt(evidence, 'rollback', 'reason')})` : ''}`);
  return lines;
}

function printChange(ctx: CommandContext, change: ChangeDto): void {
  const { output } = ctx;
  output.line(`${change.id}: ${change.title}`);
  output.fields([
    ['type', change.type],
    ['state', change.state],
    ['release', `${change.app} ${change.version} → ${change.environment} (${shortDigest(change.releaseDigest)})`],
    ['requester', change.requester],
    ['deployer', change.deployer ?? NONE],
    ['window', `${formatWindow(change.plan.window)}${change.plan.window && !change.plan.autoStart ? ', started by hand (autoStart: false)' : ''}`],
    ['plan version', String(change.planVersion)],
    ['targets', `${change.computed.targets.join(', ') || 'none selected now'} (${change.computed.strategy})`],
    ['rollback', change.computed.rollback.how],
    ['deployment', change.deploymentId ?? NONE],
  ]);
  if (change.plan.goals.length > 0) {
    output.line('goals:');
    for (const goal of change.plan.goals) output.line(`  - ${goal}`);
  }

  output.line();
  if (change.risk === null) output.line('risk: not assessed yet (assessed when the change is submitted)');
  else {
    output.line(`risk: ${levelInWords(change.risk.level)} (score ${change.risk.score}${change.risk.rule ? `; rule "${change.risk.rule.name}" sets ${levelInWords(change.risk.rule.level)}` : ''})`);
    output.table(
      ['FACTOR', 'SEEN', 'POINTS'],
      change.risk.factors.map((factor) => [factor.label, factor.value, `${factor.contribution > 0 ? '+' : ''}${factor.contribution}`]),
    );
  }

  output.line();
  output.fields([
    ['approval policy', policyInWords(change.approvalPolicy)],
    ['approval status', change.approvalStatus === null ? NONE : statusInWords(change.approvalStatus)],
  ]);
  if (change.approvalStatus !== null) {
    for (const entry of change.approvalStatus.counted) output.line(`  counted: ${entry.by} (for ${entry.group})`);
    for (const entry of change.approvalStatus.ignored) output.line(`  ignored: ${entry.by} (${entry.reason}): ${entry.why}`);
  }
  const rejections = change.approvals.filter((approval) => approval.decision === 'reject');
  for (const rejection of rejections) output.line(`  rejected by ${rejection.by} at ${rejection.at}${rejection.comment ? `: ${rejection.comment}` : ''}`);

  output.line();
  if (change.plan.checklist.length === 0) output.line('checklist: none');
  else {
    const open = change.plan.checklist.filter((entry) => entry.status === 'open').length;
    output.line(`checklist (${open === 0 ? 'ready' : `${open} open`}):`);
    for (const entry of change.plan.checklist) output.line(checklistLine(entry));
  }

  if (change.evidence !== null) {
    output.line();
    output.line('evidence:');
    for (const line of evidenceLines(change.evidence)) output.line(`  ${line}`);
  }
  if (change.review !== null) {
    const review = change.review;
    const corrected = review.closeCode === review.proposedCloseCode ? '' : ` (proposed ${review.proposedCloseCode})`;
    output.line();
    output.line(`review: ${review.closeCode}${corrected} by ${review.reviewer} at ${review.at}${review.notes ? `: ${review.notes}` : ''}`);
  }
  if (change.feedback && change.feedback.count > 0) {
    output.line();
    output.line('feedback on its deployment:');
    for (const line of feedbackSummaryLines(change.feedback)) output.line(`  ${line}`);
  }
}

function printHistory(ctx: CommandContext, events: readonly ChangeEventDto[]): void {
  ctx.output.line();
  ctx.output.line('history:');
  ctx.output.table(
    ['AT', 'EVENT', 'STATE', 'BY', 'DETAILS'],
    events.map((event) => [
      event.at,
      event.type,
      event.fromState === event.toState || event.toState === null ? (event.toState ?? NONE) : `${event.fromState ?? NONE} → ${event.toState}`,
      event.actor,
      Object.keys(event.data).length === 0 ? NONE : JSON.stringify(event.data),
    ]),
  );
}

/** After a change moved: what happened, its state now, and what it waits for. */
function printOutcome(ctx: CommandContext, change: ChangeDto, headline: string): void {
  ctx.output.line(`${headline}: now ${change.state}`);
  if (change.risk !== null && change.state !== 'new') ctx.output.line(`risk ${levelInWords(change.risk.level)} (score ${change.risk.score}); approval policy ${policyInWords(change.approvalPolicy)}`);
  const status = change.approvalStatus;
  if (change.state === 'authorize' && status !== null && status.missing.length > 0) {
    ctx.output.line(`waiting for approval: ${status.missing.map((entry) => `${entry.needed} more from ${entry.group}`).join(', ')}`);
  }
  if (change.state === 'scheduled' && change.plan.window) {
    const deploy = `gantry deploy ${change.app} ${change.version} --to ${change.environment} --change ${change.id}`;
    ctx.output.line(change.plan.autoStart ? `it starts by itself at ${utc(change.plan.window.start)}, or deploy it inside its window with ${deploy}` : `deploy it inside its window with ${deploy}`);
  }
}

function done(ctx: CommandContext, change: ChangeDto, headline: string, json: boolean | undefined): number {
  if (json) ctx.output.json(change);
  else printOutcome(ctx, change, headline);
  return EXIT_CODES.ok;
}

// ---------------------------------------------------------------------------------------------
// Verbs

export interface ChangeCreateOptions {
  /** One change per environment, in the order given. */
  readonly to: readonly string[];
  readonly type?: ChangeType | undefined;
  readonly title?: string | undefined;
  readonly fromFile?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly json?: boolean;
}

/**
 * `gantry change create` and `gantry plan create`: drafts a change (state new) with its plan, one
 * per `--to` environment: each environment has its own risk, approval policy and window. If one
 * is refused, those already drafted are named (they stay `new`, and can be cancelled).
 */
export async function createChange(ctx: CommandContext, app: string, version: string, options: ChangeCreateOptions): Promise<number> {
  const window = windowOf(options);
  let plan = options.fromFile === undefined ? undefined : await readPlanFile(ctx.cwd, options.fromFile);
  if (window) plan = { ...(plan ?? {}), window };
  const client = connect(ctx);
  const created: ChangeDto[] = [];
  for (const environment of options.to) {
    try {
      created.push(await client.createChange({ app, version, environment, type: options.type, title: options.title, plan }));
    } catch (error) {
      if (created.length > 0) ctx.output.notice(`drafted before the error: ${created.map((change) => `${change.id} (${change.environment})`).join(', ')}`);
      throw error;
    }
  }
  if (options.json) {
    ctx.output.json(created.length === 1 ? created[0] : { changes: created });
    return EXIT_CODES.ok;
  }
  for (const change of created) {
    ctx.output.line(`created ${change.type} change ${change.id} (${change.app} ${change.version} → ${change.environment}): ${change.title}`);
    ctx.output.line(
      change.plan.window
        ? `planned for ${formatWindow(change.plan.window)}; submit it with gantry change submit ${change.id}`
        : `no planned window yet: set one with gantry change schedule ${change.id} --start ISO --end ISO, then gantry change submit ${change.id}`,
    );
  }
  return EXIT_CODES.ok;
}

export async function showChange(ctx: CommandContext, id: string, options: { history?: boolean; json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const change = await client.getChange(id);
  const history = options.history ? await client.changeHistory(id) : undefined;
  if (options.json) {
    ctx.output.json(history ? { ...change, history } : change);
    return EXIT_CODES.ok;
  }
  printChange(ctx, change);
  if (history) printHistory(ctx, history);
  return EXIT_CODES.ok;
}

/** `gantry plan show ID [--markdown]`. */
export async function showPlan(ctx: CommandContext, id: string, options: { markdown?: boolean; history?: boolean; json?: boolean }): Promise<number> {
  if (!options.markdown) return showChange(ctx, id, options);
  if (options.json) throw invalid('--markdown and --json cannot be combined: pick one form', '--markdown');
  const markdown = await connect(ctx).getPlanMarkdown(id);
  ctx.output.raw(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return EXIT_CODES.ok;
}

export interface ChangeListOptions {
  readonly state?: ChangeState | undefined;
  readonly app?: string | undefined;
  readonly env?: string | undefined;
  readonly limit?: number | undefined;
  readonly json?: boolean;
}

export async function listChanges(ctx: CommandContext, options: ChangeListOptions): Promise<number> {
  const changes = await connect(ctx).listChanges({ state: options.state, app: options.app, environment: options.env, limit: options.limit });
  if (options.json) {
    ctx.output.json({ changes });
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['ID', 'TYPE', 'STATE', 'APP', 'VERSION', 'ENVIRONMENT', 'WINDOW START', 'RISK', 'TITLE'],
    changes.map((change) => [
      change.id,
      change.type,
      change.state,
      change.app,
      change.version,
      change.environment,
      change.plan.window ? utc(change.plan.window.start) : NONE,
      change.risk ? levelInWords(change.risk.level) : NONE,
      change.title,
    ]),
  );
  return EXIT_CODES.ok;
}

type Transition = 'submit' | 'approve' | 'reject' | 'send-back' | 'cancel';
const HEADLINE: Record<Transition, (id: string) => string> = {
  submit: (id) => `submitted change ${id}`,
  approve: (id) => `recorded your approval of change ${id}`,
  reject: (id) => `recorded your rejection of change ${id}`,
  'send-back': (id) => `sent change ${id} back to its requester`,
  cancel: (id) => `cancelled change ${id}`,
};

/** `gantry change submit | approve | reject | send-back | cancel ID`. */
export async function moveChange(ctx: CommandContext, transition: Transition, id: string, options: { comment?: string; json?: boolean }): Promise<number> {
  const client: ApiClient = connect(ctx);
  const change =
    transition === 'submit'
      ? await client.submitChange(id)
      : transition === 'approve'
        ? await client.approveChange(id, options.comment)
        : transition === 'reject'
          ? await client.rejectChange(id, options.comment)
          : transition === 'send-back'
            ? await client.sendBackChange(id, options.comment)
            : await client.cancelChange(id);
  return done(ctx, change, HEADLINE[transition](change.id), options.json);
}

export async function scheduleChange(ctx: CommandContext, id: string, options: { start: string; end: string; json?: boolean }): Promise<number> {
  const change = await connect(ctx).reviseChange(id, { window: { start: options.start, end: options.end } });
  return done(ctx, change, `planned change ${change.id} for ${formatWindow(change.plan.window)}`, options.json);
}

export interface ChangeEditOptions {
  readonly fromFile?: string | undefined;
  readonly title?: string | undefined;
  readonly version?: string | undefined;
  readonly json?: boolean;
}

/** `gantry change edit` and `gantry plan edit`: what is given replaces what the change had. */
export async function editChange(ctx: CommandContext, id: string, options: ChangeEditOptions): Promise<number> {
  if (options.fromFile === undefined && options.title === undefined && options.version === undefined) {
    throw invalid('nothing to edit: give --from-file PLAN, --title TEXT or --version VERSION', '--from-file');
  }
  const plan = options.fromFile === undefined ? undefined : await readPlanFile(ctx.cwd, options.fromFile);
  const change = await connect(ctx).reviseChange(id, { plan, title: options.title, version: options.version });
  if (!options.json && change.approvals.length > 0) ctx.output.line(`plan version ${change.planVersion}: approvals given for earlier versions no longer count`);
  return done(ctx, change, `edited change ${change.id} (plan version ${change.planVersion})`, options.json);
}

export async function reviewChange(ctx: CommandContext, id: string, options: { closeCode?: CloseCode; notes?: string; json?: boolean }): Promise<number> {
  const change = await connect(ctx).reviewChange(id, { closeCode: options.closeCode, notes: options.notes });
  if (options.json) {
    ctx.output.json(change);
    return EXIT_CODES.ok;
  }
  const review = change.review;
  ctx.output.line(`closed change ${change.id} as ${review?.closeCode ?? NONE}${review && review.closeCode !== review.proposedCloseCode ? ` (the evidence proposed ${review.proposedCloseCode})` : ''}`);
  if (change.feedback && change.feedback.count > 0) ctx.output.line(`feedback on its deployment: ${feedbackSummaryLines(change.feedback)[0]}`);
  return EXIT_CODES.ok;
}

export async function nextSlots(ctx: CommandContext, id: string, options: { duration?: string; json?: boolean }): Promise<number> {
  const found = await connect(ctx).nextSlots(id, options.duration);
  if (options.json) {
    ctx.output.json(found);
    return EXIT_CODES.ok;
  }
  if (found.slots.length === 0) ctx.output.line(`no free slot between ${found.searched.start} and ${found.searched.end}`);
  else ctx.output.table(['START', 'END'], found.slots.map((slot) => [slot.start, slot.end]));
  if (found.shortfall) ctx.output.line(found.shortfall);
  if (found.slots[0]) ctx.output.line(`take one with gantry change schedule ${id} --start ${found.slots[0].start} --end ${found.slots[0].end}`);
  return EXIT_CODES.ok;
}

/** `gantry change comms ID`: the stakeholder notices of the change's plan, rendered, with when each is due. */
export async function showCommunications(ctx: CommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const notices = await connect(ctx).changeCommunications(id);
  if (options.json) {
    ctx.output.json({ notices });
    return EXIT_CODES.ok;
  }
  if (notices.length === 0) {
    ctx.output.line(`change ${id}'s plan has no communications`);
    return EXIT_CODES.ok;
  }
  for (const notice of notices) {
    const timing = notice.sentAt ? `sent ${notice.sentAt}` : notice.status === 'scheduled' ? `due ${notice.dueAt}` : `${notice.status}: ${notice.why}`;
    ctx.output.line(`#${notice.index + 1} to ${notice.audience}, ${notice.when} (${timing})`);
    ctx.output.line(`  recipients: ${notice.recipients.length > 0 ? notice.recipients.join(', ') : 'the subscribed channels only'}`);
    ctx.output.line(`  ${notice.message}`);
  }
  return EXIT_CODES.ok;
}

export async function showConflicts(ctx: CommandContext, id: string, options: { json?: boolean }): Promise<number> {
  const conflicts = await connect(ctx).changeConflicts(id);
  if (options.json) {
    ctx.output.json({ conflicts });
    return EXIT_CODES.ok;
  }
  if (conflicts.length === 0) ctx.output.line(`no conflicts: change ${id}'s planned window is clear`);
  else ctx.output.table(['KIND', 'CAUSE'], conflicts.map((conflict) => [conflict.kind, conflict.cause]));
  return EXIT_CODES.ok;
}

// ---------------------------------------------------------------------------------------------
// Tokens

/** `gantry calendar feed-token`: the feed URL for a calendar app to subscribe to. */
export async function createCalendarFeedToken(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const client = connect(ctx);
  const created = await client.createCalendarFeedToken();
  const url = `${client.url}${created.path}`;
  if (options.json) ctx.output.json({ url, ...created });
  else ctx.output.line(url);
  ctx.output.notice('The URL is shown only once and holds a token that can read the change calendar (and nothing else): anyone with the URL can read it.');
  return EXIT_CODES.ok;
}
