import type { ApprovalPolicy } from './approval-policy.js';
import type { Approval } from './approvals.js';
import type { ChangeState, ChangeType } from './change-machine.js';
import { unreadyItems, type ComputedPlan, type PlanDetails, type ReadinessItem } from './plan.js';
import type { RiskAssessment } from './risk.js';

/**
 * A change request's deployment plan as Markdown, for people who read it outside Gantry
 * (`gantry plan show ID --markdown`). Every section is always present; an empty one says so.
 * Text people typed is untrusted: it is escaped so that it shows literally and cannot add
 * headings, lists, links, HTML or table columns of its own.
 */

/** Everything the document shows about one change. */
export interface PlanDocument {
  /** Like "C-12". */
  readonly id: string;
  readonly title: string;
  readonly type: ChangeType;
  readonly state: ChangeState;
  readonly requester: string;
  readonly planVersion: number;
  readonly plan: PlanDetails;
  readonly computed: ComputedPlan;
  /** Null before the change is assessed. */
  readonly risk: RiskAssessment | null;
  readonly approvalPolicy: ApprovalPolicy | null;
  /** All recorded decisions, oldest first. */
  readonly approvals: readonly Approval[];
}

const NONE = '_None recorded._';
/** An empty table cell. */
const EMPTY = '—';

/** Markdown's inline specials, plus `~` because the checklist uses `~~` for strikethrough. */
const INLINE_SPECIALS = /[\\`*_[\]<>~]/g;
const lines = (value: string) => value.split(/\r\n|\r|\n/).map((line) => line.trim());

/**
 * Text in a paragraph, list item or heading: each line loses what would make it a block of its
 * own (heading, quote, list item), and the lines are kept on one Markdown line with `<br>`, so a
 * blank line cannot end the list item it is in.
 */
function escapeInline(value: string): string {
  return lines(value)
    .map((line) =>
      line
        .replace(INLINE_SPECIALS, '\\$&')
        // Only what would start a block: "# x", "- x", "---", "1. x"; "#tag", "-v" and "1.4.2" are plain text.
        .replace(/^(?:#{1,6}|[+-])(?=\s|$)|^-(?=-)/, '\\$&')
        .replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2')
        // A heading's closing sequence: "Fix #" would otherwise lose its "#".
        .replace(/(\s)(#+)$/, '$1\\$2'),
    )
    .join('<br>');
}

/** Text in a table cell: `|` would start a new column and a newline would end the row. */
function escapeCell(value: string): string {
  return lines(value)
    .map((line) => line.replace(INLINE_SPECIALS, '\\$&').replace(/\|/g, '\\|'))
    .join('<br>');
}

const section = (title: string, ...body: string[]) => [`## ${title}`, ...body].join('\n\n');
const bullets = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n');
const field = (label: string, value: string) => `**${label}:** ${value}`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return NONE;
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [row(header), row(header.map(() => '---')), ...rows.map((cells) => row(cells.map(escapeCell)))].join('\n');
}

/** `sha256:` and the first 12 hex digits, as the CLI shows releases; anything else unchanged. */
function shortDigest(digest: string): string {
  return digest.replace(/^([a-z0-9]+:)?([0-9a-f]{12})[0-9a-f]*$/i, '$1$2');
}

/** "2026-12-05 22:00 UTC" (seconds only when there are some); text that is not a time is returned as given, unescaped. */
function utc(timestamp: string): string {
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return timestamp;
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19).replace(/:00$/, '')} UTC`;
}

function duration(start: string, end: string): string {
  const minutes = Math.round((Date.parse(end) - Date.parse(start)) / 60_000);
  if (!Number.isFinite(minutes)) return 'unknown';
  const [hours, rest] = [Math.floor(minutes / 60), minutes % 60];
  return [hours > 0 ? `${hours}h` : '', rest > 0 || hours === 0 ? `${rest}m` : ''].filter(Boolean).join(' ');
}

const windowInWords = (window: PlanDetails['window']) => (window ? `${utc(window.start)} – ${utc(window.end)}` : 'not scheduled yet');
const levelInWords = (level: string) => level.replace(/_/g, ' ');

function summary(document: PlanDocument): string {
  const { computed } = document;
  return [
    `# ${escapeInline(document.id)}: ${escapeInline(document.title)}`,
    bullets([
      field('Type', document.type),
      field('State', document.state),
      field('Requester', escapeInline(document.requester)),
      field('Plan version', String(document.planVersion)),
      field('App', escapeInline(computed.app)),
      field('Release', `${escapeInline(computed.version)} (${escapeInline(shortDigest(computed.releaseDigest))})`),
      field('Environment', escapeInline(computed.environment)),
      field('Planned window', escapeInline(windowInWords(document.plan.window))),
    ]),
  ].join('\n\n');
}

function goals(plan: PlanDetails): string {
  return section('Goals', plan.goals.length === 0 ? NONE : bullets(plan.goals.map(escapeInline)));
}

function scope(computed: ComputedPlan): string {
  const targets = computed.targets.length === 0 ? 'none: the environment selects no targets now' : `${computed.targets.length} (${computed.targets.map(escapeInline).join(', ')})`;
  return section('Scope', bullets([field('Targets touched', targets), field('Strategy', escapeInline(computed.strategy))]));
}

function schedule(plan: PlanDetails): string {
  const { window } = plan;
  if (!window) return section('Schedule', 'Not scheduled yet: the change needs a planned window before it can be scheduled.');
  return section('Schedule', bullets([field('Start', escapeInline(utc(window.start))), field('End', escapeInline(utc(window.end))), field('Duration', duration(window.start, window.end))]));
}

function owners(plan: PlanDetails): string {
  return section('Owners and resources', table(['Name', 'Role'], plan.owners.map((owner) => [owner.name, owner.role])));
}

function risks(plan: PlanDetails): string {
  return section('Risks and mitigations', table(['Risk', 'Mitigation'], plan.risks.map((entry) => [entry.risk, entry.mitigation])));
}

function riskAssessment(risk: RiskAssessment | null): string {
  if (risk === null) return section('Risk assessment', 'Not assessed yet.');
  const facts = [field('Level', levelInWords(risk.level)), field('Score', String(risk.score))];
  if (risk.rule) facts.push(field('Rule', `${escapeInline(risk.rule.name)} sets ${levelInWords(risk.rule.level)}`));
  const factors = risk.factors.map((factor) => [factor.label, factor.value, String(factor.contribution)]);
  const reasons = risk.reasons.map(escapeInline);
  return section('Risk assessment', bullets(facts), table(['Factor', 'Seen', 'Points'], factors), reasons.length === 0 ? 'No reasons given.' : bullets(reasons));
}

function policyInWords(policy: ApprovalPolicy | null): string {
  if (policy === null) return 'No approval policy applies yet.';
  const name = `Policy **${escapeInline(policy.name)}**`;
  if (policy.requirements.length === 0) return `${name} needs no approvals.`;
  return `${name} needs ${policy.requirements.map((requirement) => `${requirement.count} from ${escapeInline(requirement.group)}`).join(' and ')}.`;
}

function approvals(document: PlanDocument): string {
  const current = document.computed.releaseDigest;
  const rows = document.approvals.map((approval) => {
    const plan = approval.planVersion === document.planVersion ? `${approval.planVersion}` : `${approval.planVersion} (outdated: the plan is now ${document.planVersion})`;
    const release = approval.releaseDigest === current ? '' : `, for another release (${shortDigest(approval.releaseDigest)})`;
    return [approval.by, approval.groups.join(', ') || EMPTY, approval.decision === 'approve' ? 'approved' : 'rejected', utc(approval.at), plan + release, approval.comment ?? EMPTY];
  });
  return section('Approvals', policyInWords(document.approvalPolicy), table(['By', 'Groups', 'Decision', 'At', 'Plan version', 'Comment'], rows));
}

function readinessLine(entry: ReadinessItem): string {
  const [item, owner] = [escapeInline(entry.item), escapeInline(entry.owner)];
  if (entry.status === 'waived') return `- [x] ~~${item}~~ — ${owner} — waived: ${escapeInline(entry.reason ?? 'no reason given')}`;
  return `- [${entry.status === 'done' ? 'x' : ' '}] ${item} — ${owner}`;
}

function readiness(plan: PlanDetails): string {
  if (plan.checklist.length === 0) return section('Readiness checklist', NONE);
  const open = unreadyItems(plan.checklist).length;
  const verdict = open === 0 ? 'Ready: every item is done or waived.' : `Not ready: ${open} ${open === 1 ? 'item is' : 'items are'} still open.`;
  return section('Readiness checklist', plan.checklist.map(readinessLine).join('\n'), verdict);
}

function stakeholders(plan: PlanDetails): string {
  return section('Stakeholders', table(['Name', 'Kind', 'Contact'], plan.stakeholders.map((entry) => [entry.name, entry.kind, entry.contact ?? EMPTY])));
}

function communications(plan: PlanDetails): string {
  return section('Communication plan', table(['Audience', 'When', 'Message'], plan.communications.map((entry) => [entry.audience, entry.when, entry.message])));
}

function rollback(computed: ComputedPlan): string {
  const { previousVersion, how } = computed.rollback;
  const environment = escapeInline(computed.environment);
  const target =
    previousVersion === null
      ? `Nothing is live in ${environment} yet, so a rollback leaves the targets without this release.`
      : `A rollback returns ${environment} to version ${escapeInline(previousVersion)}, the release live there now.`;
  return section('Rollback plan', target, how.trim() === '' ? 'No rollback steps given.' : field('How', escapeInline(how)));
}

function tests(computed: ComputedPlan): string {
  const list = (items: readonly string[]) => (items.length === 0 ? NONE : bullets(items.map(escapeInline)));
  return section('Test plan', '### Health checks', list(computed.tests.healthChecks), '### Analyses', list(computed.tests.analyses));
}

/** The plan as a Markdown document ending in one newline. */
export function renderPlanMarkdown(document: PlanDocument): string {
  const { plan, computed } = document;
  const sections = [
    summary(document),
    goals(plan),
    scope(computed),
    schedule(plan),
    owners(plan),
    risks(plan),
    riskAssessment(document.risk),
    approvals(document),
    readiness(plan),
    stakeholders(plan),
    communications(plan),
    rollback(computed),
    tests(computed),
  ];
  return `${sections.join('\n\n')}\n`;
}
