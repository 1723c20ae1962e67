import type { NotificationEventType } from './events.js';
import type { NotificationItem, NotificationMessage } from './message.js';

/**
 * What every human-facing channel (email, Slack, Teams) shows of a notification, decided once so
 * that they say the same thing: the event in words, the items of a digest, a link only when it is
 * a web address. Escaping is each channel's own business (HTML, Slack mrkdwn, card Markdown).
 */

/** `deployment.waiting-for-promotion` → "Deployment waiting for promotion". */
export function describeEventType(type: NotificationEventType): string {
  const words = type.replace(/[.-]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A digest carries several events; a single event's item repeats the message and is not listed. */
export function digestItems(message: NotificationMessage): readonly NotificationItem[] {
  return message.items.length > 1 ? message.items : [];
}

/**
 * The link to show, or null. Only http(s) addresses: a `javascript:` or `data:` link must never
 * become clickable, whoever configured the public address.
 */
export function webLink(message: NotificationMessage): string | null {
  if (message.link === null) return null;
  try {
    const url = new URL(message.link);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Text that must stay on one line (a subject header, a fallback text): line breaks become spaces. */
export function oneLine(text: string, maxLength: number): string {
  const flat = text.replace(/[\r\n\t\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}
