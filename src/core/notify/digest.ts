import type { NotificationEvent } from './events.js';
import type { NotificationItem } from './message.js';

/** What a notification carries about one event. */
export function itemOf(event: NotificationEvent): NotificationItem {
  return { subject: event.subject, title: event.title, at: event.at, data: event.data };
}

/**
 * The headline of a notification: the event's own for one item; for a digest, how many and of
 * what, with one line per item.
 */
export function digestHeadline(first: { readonly title: string; readonly lines: readonly string[]; readonly type: string; readonly digestKey: string | null }, items: readonly NotificationItem[]): { readonly title: string; readonly lines: readonly string[] } {
  if (items.length <= 1) return { title: first.title, lines: first.lines };
  const about = first.digestKey ? ` (${first.digestKey.replace(':', ' ')})` : '';
  return { title: `${items.length} × ${first.type}${about}`, lines: items.map((item) => item.title) };
}

