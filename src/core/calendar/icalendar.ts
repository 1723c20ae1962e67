/**
 * Renders Gantry's change calendar (maintenance windows, freezes, scheduled changes) as an
 * RFC 5545 iCalendar feed, so people can subscribe to it from their calendar apps.
 *
 * Pure: the caller supplies every instant, including `generatedAt` (used as DTSTAMP), so the
 * same input always renders the same bytes.
 *
 * Encoding rules (RFC 5545 §3.1 and §3.3.11):
 * - every content line ends with CRLF, including the last one;
 * - TEXT values escape backslash, semicolon, comma and newline as `\\`, `\;`, `\,` and `\n`;
 *   carriage returns are removed, and other control characters are dropped (horizontal tab is
 *   kept, since RFC 5545 allows it in TEXT);
 * - lines longer than 75 octets of UTF-8 are folded with CRLF followed by one space, never in
 *   the middle of a multi-byte character.
 */

export interface CalendarFeedEvent {
  /** Stable across renders, e.g. "window-nightly-20261128T220000Z@gantry"; the caller builds it. */
  readonly uid: string;
  readonly summary: string;
  readonly description?: string;
  readonly start: Date;
  readonly end: Date;
  /** e.g. ["maintenance"], ["freeze"], ["change"]. Empty strings are left out. */
  readonly categories?: readonly string[];
  readonly status?: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
}

export interface CalendarFeed {
  readonly name: string;
  readonly generatedAt: Date;
  readonly events: readonly CalendarFeedEvent[];
}

const CRLF = '\r\n';
const MAX_LINE_OCTETS = 75;
const PRODID = '-//Gantry//Change Calendar//EN';

/**
 * The whole feed as one string with CRLF line endings, events in the order given.
 *
 * Throws a RangeError for input that cannot be represented faithfully: an invalid date or one
 * outside years 0000–9999, an event whose end is before its start, an empty UID, or two events
 * sharing a UID (calendar apps would silently merge them).
 */
export function renderICalendar(feed: CalendarFeed): string {
  const lines: string[] = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(feed.name)}`,
  ];
  const dtstamp = formatUtcDateTime(feed.generatedAt, 'generatedAt');
  const seenUids = new Set<string>();
  for (const event of feed.events) {
    const uid = escapeText(event.uid);
    if (uid === '') throw new RangeError('calendar event has an empty UID');
    if (seenUids.has(uid)) throw new RangeError(`calendar event UID "${event.uid}" is used more than once`);
    seenUids.add(uid);
    lines.push(...renderEvent(event, uid, dtstamp));
  }
  lines.push('END:VCALENDAR');
  return lines.map((line) => foldLine(line) + CRLF).join('');
}

function renderEvent(event: CalendarFeedEvent, uid: string, dtstamp: string): string[] {
  const start = formatUtcDateTime(event.start, `start of event "${event.uid}"`);
  const end = formatUtcDateTime(event.end, `end of event "${event.uid}"`);
  if (event.end.getTime() < event.start.getTime()) {
    throw new RangeError(`calendar event "${event.uid}" ends before it starts`);
  }
  const lines = ['BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${dtstamp}`, `DTSTART:${start}`];
  // RFC 5545 §3.8.2.2: DTEND must be later than DTSTART; an event that takes no time is
  // written with DTSTART alone, which means it ends when it starts (§3.6.1).
  if (event.end.getTime() > event.start.getTime()) lines.push(`DTEND:${end}`);
  lines.push(`SUMMARY:${escapeText(event.summary)}`);
  if (event.description !== undefined) lines.push(`DESCRIPTION:${escapeText(event.description)}`);
  const categories = (event.categories ?? []).map(escapeText).filter((category) => category !== '');
  if (categories.length > 0) lines.push(`CATEGORIES:${categories.join(',')}`);
  if (event.status !== undefined) lines.push(`STATUS:${event.status}`);
  lines.push('END:VEVENT');
  return lines;
}

/** UTC DATE-TIME in basic format, e.g. `20261128T220000Z`; milliseconds are truncated. */
function formatUtcDateTime(date: Date, what: string): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError(`${what} is an invalid date`);
  const iso = date.toISOString(); // 2026-11-28T22:00:00.000Z, or ±YYYYYY-… outside 0000–9999
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/.exec(iso);
  if (!match) throw new RangeError(`${what} (${iso}) is outside the years iCalendar can represent`);
  const [, year, month, day, hour, minute, second] = match;
  return `${year}${month}${day}T${hour}${minute}${second}Z`;
}

/** RFC 5545 TEXT escaping; CR and control characters other than tab and newline are dropped. */
function escapeText(value: string): string {
  let out = '';
  for (const char of value) {
    switch (char) {
      case '\\':
        out += '\\\\';
        break;
      case ';':
        out += '\\;';
        break;
      case ',':
        out += '\\,';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\t':
        out += char;
        break;
      default:
        if (!isControlCharacter(char)) out += char;
    }
  }
  return out;
}

/** C0 controls, DEL and C1 controls. */
function isControlCharacter(char: string): boolean {
  const codePoint = char.codePointAt(0) ?? 0;
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);
}

/**
 * Splits a content line into physical lines of at most 75 octets (the leading space of a
 * continuation line counts), cutting only between code points so no UTF-8 sequence is split.
 */
function foldLine(line: string): string {
  const physical: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_LINE_OCTETS;
  for (const char of line) {
    const size = utf8Length(char);
    if (octets + size > limit) {
      physical.push(current);
      current = '';
      octets = 0;
      limit = MAX_LINE_OCTETS - 1;
    }
    current += char;
    octets += size;
  }
  physical.push(current);
  return physical.join(`${CRLF} `);
}

/** Octets of one code point in UTF-8; a lone surrogate counts as the 3-octet U+FFFD it encodes to. */
function utf8Length(char: string): number {
  const codePoint = char.codePointAt(0) ?? 0;
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}
