/**
 * Stakeholder notices from a change's communication plan (issue 10): each entry of
 * `plan.communications` says what to tell whom and when ("24h before start", "at start",
 * "30m after end"). Notices before the window count from the planned window; notices at or after
 * start and end wait for the change to really start and end (Statuspage drives its maintenance
 * from the real start and finish, not the planned times), so nobody is told "it has started"
 * while it has not.
 */
import type { ChangeRequest } from './change-request.js';
import { COMMUNICATION_WHEN_HELP, parseCommunicationWhen, renderCommunication, type CommunicationPlaceholder, type CommunicationTiming } from './communication-template.js';

/** When the change really started (entered implement) and ended (left it); null until it has. */
export interface ChangeProgress {
  readonly startedAt: string | null;
  readonly endedAt: string | null;
}

export type NoticeStatus =
  /** Due at `dueAt` (maybe already). */
  | 'scheduled'
  /** Waits for the change to start or end; `dueAt` is null. */
  | 'waiting'
  /** Will not be sent, with `why`. */
  | 'skipped';

export interface CommunicationNotice {
  readonly index: number;
  readonly audience: string;
  readonly when: string;
  readonly status: NoticeStatus;
  readonly dueAt: string | null;
  readonly why: string | null;
  /** The message with its placeholders filled in. */
  readonly message: string;
  /** Email contacts of the stakeholders the audience names ("all" names every one). */
  readonly recipients: readonly string[];
  /** Dedupe key: the entry, and the moment it counts from (a rescheduled window gets fresh notices). */
  readonly onceKey: string;
}

type NoticeChange = Pick<ChangeRequest, 'id' | 'title' | 'state' | 'requester' | 'plan' | 'computed' | 'risk'>;

const EVERYONE = new Set(['all', 'everyone', 'stakeholders']);

/** Every notice of the change's communication plan, with when it is due (or why it is not sent). */
export function communicationNotices(change: NoticeChange, progress: ChangeProgress): CommunicationNotice[] {
  const values: Record<CommunicationPlaceholder, string> = {
    'change.id': change.id,
    'change.title': change.title,
    'change.state': change.state,
    requester: change.requester,
    app: change.computed.app,
    environment: change.computed.environment,
    version: change.computed.version,
    'window.start': change.plan.window?.start ?? 'not planned',
    'window.end': change.plan.window?.end ?? 'not planned',
    risk: change.risk?.level ?? 'not assessed',
    owners: change.plan.owners.map((owner) => `${owner.name} (${owner.role})`).join(', ') || 'none named',
  };
  return change.plan.communications.map((entry, index) => {
    const base = { index, audience: entry.audience, when: entry.when, message: renderCommunication(entry.message, values), recipients: recipientsOf(change, entry.audience) };
    const timing = parseCommunicationWhen(entry.when);
    const moment = timing ? timingMoment(change, progress, timing) : { status: 'skipped' as const, from: null, why: `"${entry.when}" is not a time: ${COMMUNICATION_WHEN_HELP}` };
    const dueAt = moment.from === null ? null : new Date(Date.parse(moment.from) + (timing?.offsetMs ?? 0)).toISOString();
    return { ...base, status: moment.status, dueAt, why: moment.why, onceKey: `change.communication:${change.id}:${index}:${moment.from ?? 'none'}` };
  });
}

/** The notices due at `now` (the scheduler sends these; dedupe by onceKey makes repeats harmless). */
export function dueNotices(notices: readonly CommunicationNotice[], now: Date): CommunicationNotice[] {
  return notices.filter((notice) => notice.status === 'scheduled' && notice.dueAt !== null && Date.parse(notice.dueAt) <= now.getTime());
}

function timingMoment(change: NoticeChange, progress: ChangeProgress, timing: CommunicationTiming): { status: NoticeStatus; from: string | null; why: string | null } {
  if (change.state === 'cancelled' || change.state === 'rejected') return { status: 'skipped', from: null, why: `the change was ${change.state}` };
  if (!['scheduled', 'implement', 'review', 'closed'].includes(change.state)) return { status: 'waiting', from: null, why: 'the change is not scheduled yet' };
  const actual = timing.anchor === 'start' ? progress.startedAt : progress.endedAt;
  if (timing.offsetMs >= 0) {
    return actual === null ? { status: 'waiting', from: null, why: `waits for the change to ${timing.anchor}` } : { status: 'scheduled', from: actual, why: null };
  }
  const planned = timing.anchor === 'start' ? change.plan.window?.start : change.plan.window?.end;
  if (planned === undefined) return { status: 'waiting', from: null, why: 'the plan has no window' };
  // A warning before the start (or end) is pointless once it has happened.
  if (actual !== null) return { status: 'skipped', from: planned, why: `the change had already ${timing.anchor === 'start' ? 'started' : 'ended'}` };
  return { status: 'scheduled', from: planned, why: null };
}

function recipientsOf(change: NoticeChange, audience: string): string[] {
  const wanted = audience.trim().toLowerCase();
  const named = change.plan.stakeholders.filter((stakeholder) => EVERYONE.has(wanted) || stakeholder.name.toLowerCase() === wanted);
  return [...new Set(named.map((stakeholder) => stakeholder.contact).filter((contact): contact is string => contact !== undefined && /^[^\s@]+@[^\s@]+$/.test(contact)))];
}
