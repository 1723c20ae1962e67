import type { ChangeRequest } from '../core/change/change-request.js';
import { communicationNotices, dueNotices, type ChangeProgress, type CommunicationNotice } from '../core/change/communications.js';
import { communicationNotification } from '../core/notify/communication-events.js';
import type { NotificationEvent } from '../core/notify/events.js';
import { listChangeEvents, listChangesInWindow } from '../store/change-requests.repository.js';
import { queuedOnceKeys } from '../store/notifications.repository.js';
import type { AppDeps } from './app-deps.js';
import { requireChange } from './changes.js';

/** A change's stakeholder notices as they stand now: what each will say, to whom, when, and whether it went out. */
export async function changeCommunications(deps: AppDeps, id: string): Promise<{ readonly change: ChangeRequest; readonly notices: (CommunicationNotice & { readonly sentAt: string | null })[] }> {
  const change = await requireChange(deps, id);
  const notices = communicationNotices(change, await changeProgress(deps, id));
  const sent = await queuedOnceKeys(deps.db, notices.map((notice) => notice.onceKey));
  return { change, notices: notices.map((notice) => ({ ...notice, sentAt: sent.get(notice.onceKey) ?? null })) };
}

/** When the change really entered implement, and when it left it, from its audit trail. */
export async function changeProgress(deps: AppDeps, id: string): Promise<ChangeProgress> {
  const events = await listChangeEvents(deps.db, id);
  const started = events.find((event) => event.toState === 'implement');
  const ended = started ? events.find((event) => event.seq > started.seq && event.fromState === 'implement' && event.toState !== 'implement') : undefined;
  return { startedAt: started?.at ?? null, endedAt: ended?.at ?? null };
}

const DAY_MS = 86_400_000;

/**
 * The stakeholder notices due now, as notification events, for changes whose window lies within
 * a week back and a month ahead (scheduled, implementing, in review or just closed). The scan
 * routes them like any event; their once keys keep each to one send per window.
 */
export async function dueCommunicationEvents(deps: AppDeps, now: Date): Promise<NotificationEvent[]> {
  const changes = await listChangesInWindow(deps.db, new Date(now.getTime() - 7 * DAY_MS), new Date(now.getTime() + 30 * DAY_MS), ['scheduled', 'implement', 'review', 'closed']);
  const events: NotificationEvent[] = [];
  for (const change of changes.filter((candidate) => candidate.plan.communications.length > 0)) {
    for (const notice of dueNotices(communicationNotices(change, await changeProgress(deps, change.id)), now)) events.push(communicationNotification(change, notice, now));
  }
  return events;
}
