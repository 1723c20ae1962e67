import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { renderICalendar, type CalendarFeedEvent } from './icalendar.js';

const at = (iso: string) => new Date(iso);
const generatedAt = at('2026-11-20T08:30:00Z');

const nightly: CalendarFeedEvent = {
  uid: 'window-nightly-20261128T220000Z@gantry',
  summary: 'Nightly maintenance',
  start: at('2026-11-28T22:00:00Z'),
  end: at('2026-11-29T02:00:00Z'),
  categories: ['maintenance'],
  status: 'CONFIRMED',
};

const render = (events: readonly CalendarFeedEvent[], name = 'Gantry changes') => renderICalendar({ name, generatedAt, events });

const octets = (text: string) => new TextEncoder().encode(text).length;
/** RFC 5545 §3.1: remove every CRLF immediately followed by a single space or tab. */
const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '');
/** Logical lines of the output, unfolded, without the trailing empty string. */
const logicalLines = (text: string) => unfold(text).split('\r\n').slice(0, -1);

function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      categories: vevent.getAllProperties('categories').flatMap((property) => property.getValues() as string[]),
      status: vevent.getFirstPropertyValue('status'),
    };
  });
}

describe('renderICalendar', () => {
  it('renders the calendar and event properties in order, with CRLF line endings', () => {
    const text = render([nightly]);
    expect(text).toBe(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//Gantry//Change Calendar//EN',
        'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH',
        'X-WR-CALNAME:Gantry changes',
        'BEGIN:VEVENT',
        'UID:window-nightly-20261128T220000Z@gantry',
        'DTSTAMP:20261120T083000Z',
        'DTSTART:20261128T220000Z',
        'DTEND:20261129T020000Z',
        'SUMMARY:Nightly maintenance',
        'CATEGORIES:maintenance',
        'STATUS:CONFIRMED',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('renders an empty calendar', () => {
    expect(logicalLines(render([]))).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Gantry//Change Calendar//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'X-WR-CALNAME:Gantry changes',
      'END:VCALENDAR',
    ]);
  });

  it('leaves out optional properties that are not given, and keeps events in the order given', () => {
    const events: CalendarFeedEvent[] = [
      { uid: 'b@gantry', summary: 'Second by time', start: at('2026-12-02T10:00:00Z'), end: at('2026-12-02T11:00:00Z') },
      { uid: 'a@gantry', summary: 'First by time', start: at('2026-12-01T10:00:00Z'), end: at('2026-12-01T11:00:00Z'), categories: [] },
    ];
    const lines = logicalLines(render(events));
    expect(lines.filter((line) => line.startsWith('UID:'))).toEqual(['UID:b@gantry', 'UID:a@gantry']);
    expect(lines.some((line) => /^(DESCRIPTION|CATEGORIES|STATUS)[:;]/.test(line))).toBe(false);
  });

  it('writes instants in UTC basic format, whatever their milliseconds', () => {
    const lines = logicalLines(
      render([{ uid: 'x@gantry', summary: 'x', start: at('2026-03-29T00:59:59.999Z'), end: at('2026-03-29T01:00:00.001Z') }]),
    );
    expect(lines).toContain('DTSTART:20260329T005959Z');
    expect(lines).toContain('DTEND:20260329T010000Z');
  });

  it('escapes TEXT values, removes CR and drops other control characters', () => {
    const text = render(
      [
        {
          uid: 'change-42@gantry',
          summary: 'Upgrade db; then app, carefully \\o/',
          description: 'Step 1: drain\r\nStep 2: migrate;\tverify, then\nStep 3: \u0007undrain\u0000\u007f\u0085',
          start: at('2026-12-01T10:00:00Z'),
          end: at('2026-12-01T11:00:00Z'),
          categories: ['change', 'db, primary', 'a;b'],
          status: 'TENTATIVE',
        },
      ],
      'Prod, EU; "main"',
    );
    const lines = logicalLines(text);
    expect(lines).toContain('X-WR-CALNAME:Prod\\, EU\\; "main"');
    expect(lines).toContain('SUMMARY:Upgrade db\\; then app\\, carefully \\\\o/');
    expect(lines).toContain('DESCRIPTION:Step 1: drain\\nStep 2: migrate\\;\tverify\\, then\\nStep 3: undrain');
    expect(lines).toContain('CATEGORIES:change,db\\, primary,a\\;b');
    expect(lines).toContain('STATUS:TENTATIVE');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
  });

  it('folds long lines at 75 octets without splitting multi-byte characters, and unfolding restores them', () => {
    const summary = `Déploiement planifié 🚀 de l’API « paiements » — fenêtre étendue ✅ 👩‍💻 ${'é🎉ü'.repeat(30)} fin`;
    const description = `Zürich, São Paulo; 東京\n${'ñ'.repeat(200)}\n${'plain ascii '.repeat(20)}`;
    const text = render([{ ...nightly, summary, description, uid: `${'u'.repeat(120)}@gantry` }]);
    const physical = text.split('\r\n').slice(0, -1);
    expect(physical.length).toBeGreaterThan(logicalLines(text).length);
    for (const line of physical) {
      expect(octets(line)).toBeLessThanOrEqual(75);
      expect(line).not.toMatch(/[\ud800-\udfff]/u); // no half of a surrogate pair
      expect(line).not.toContain('\uFFFD');
    }
    // A line is only folded when the next character would not fit on it.
    physical.forEach((line, index) => {
      const next = physical[index + 1];
      if (next?.startsWith(' ')) expect(octets(line) + octets(String.fromCodePoint(next.codePointAt(1) ?? 0))).toBeGreaterThan(75);
    });
    const lines = logicalLines(text);
    expect(lines).toContain(`SUMMARY:${summary}`);
    expect(lines).toContain(`DESCRIPTION:Zürich\\, São Paulo\\; 東京\\n${'ñ'.repeat(200)}\\n${'plain ascii '.repeat(20)}`);
    expect(lines).toContain(`UID:${'u'.repeat(120)}@gantry`);
    expect(parse(text)[0]).toMatchObject({ summary, description, uid: `${'u'.repeat(120)}@gantry` });
  });

  it('folds exactly at the octet limit', () => {
    const summary = 'x'.repeat(75 - 'SUMMARY:'.length);
    const fits = render([{ ...nightly, summary }]).split('\r\n');
    expect(fits).toContain(`SUMMARY:${summary}`);
    const folded = render([{ ...nightly, summary: `${summary}y` }]).split('\r\n');
    expect(folded).toContain(`SUMMARY:${summary}`);
    expect(folded).toContain(' y');
    // Continuation lines hold 74 octets after their leading space.
    const twice = render([{ ...nightly, summary: `${summary}${'z'.repeat(74)}!` }]).split('\r\n');
    expect(twice).toContain(` ${'z'.repeat(74)}`);
    expect(twice).toContain(' !');
    // A 4-octet character that would straddle the limit moves to the next line whole.
    const straddling = render([{ ...nightly, summary: `${'x'.repeat(65)}🚀` }]).split('\r\n');
    expect(straddling).toContain(`SUMMARY:${'x'.repeat(65)}`);
    expect(straddling).toContain(' 🚀');
  });

  it('is read back by ical.js with the same summaries, descriptions, categories, status and instants', () => {
    const events: CalendarFeedEvent[] = [
      nightly,
      {
        uid: 'freeze-black-friday-2026@gantry',
        summary: 'Change freeze: Black Friday, Cyber Monday; no deploys',
        description: 'Applies to: web, api; payments\nAsk #release-eng, or page on-call.\nPath: C:\\deploys\\; done',
        start: at('2026-11-26T00:00:00Z'),
        end: at('2026-12-01T00:00:00Z'),
        categories: ['freeze', 'retail, peak'],
        status: 'CONFIRMED',
      },
      {
        uid: 'change-1234@gantry',
        summary: 'Roll out api 2.4.0 ✨ to eu-west — canary, then 25%, 100%',
        description: 'Scheduled by ana@example.com\n\nRollback: automatic',
        start: at('2026-12-03T09:15:00Z'),
        end: at('2026-12-03T10:45:30Z'),
        categories: ['change'],
        status: 'CANCELLED',
      },
    ];
    expect(parse(render(events))).toEqual(
      events.map((event) => ({
        uid: event.uid,
        summary: event.summary,
        description: event.description ?? null,
        start: event.start.toISOString(),
        end: event.end.toISOString(),
        categories: event.categories ?? [],
        status: event.status ?? null,
      })),
    );
    const calendar = new ICAL.Component(ICAL.parse(render(events)));
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('Gantry changes');
    expect(calendar.getFirstPropertyValue('prodid')).toBe('-//Gantry//Change Calendar//EN');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    const dtstamp = calendar.getFirstSubcomponent('vevent')?.getFirstPropertyValue('dtstamp');
    expect(dtstamp instanceof ICAL.Time ? dtstamp.toJSDate().toISOString() : dtstamp).toBe(generatedAt.toISOString());
  });

  it('renders the same bytes for the same input', () => {
    expect(render([nightly])).toBe(render([nightly]));
  });

  it('writes an event that takes no time with DTSTART only', () => {
    const instant = at('2026-12-01T10:00:00Z');
    const text = render([{ uid: 'instant@gantry', summary: 'Cut-over', start: instant, end: instant }]);
    expect(logicalLines(text).some((line) => line.startsWith('DTEND'))).toBe(false);
    expect(parse(text)[0]).toMatchObject({ start: instant.toISOString(), end: instant.toISOString() });
  });

  it('rejects input it cannot represent faithfully', () => {
    const event = (overrides: Partial<CalendarFeedEvent>): CalendarFeedEvent => ({ ...nightly, ...overrides });
    expect(() => render([event({ end: at('2026-11-28T21:00:00Z') })])).toThrow(RangeError);
    expect(() => render([event({ start: new Date(Number.NaN) })])).toThrow(RangeError);
    expect(() => render([event({ end: new Date(Date.UTC(10000, 0, 1)) })])).toThrow(RangeError);
    expect(() => renderICalendar({ name: 'x', generatedAt: new Date(Number.NaN), events: [] })).toThrow(RangeError);
    expect(() => render([event({ uid: '' })])).toThrow(RangeError);
    expect(() => render([event({ uid: '\u0001' })])).toThrow(RangeError);
    expect(() => render([nightly, event({ summary: 'again' })])).toThrow(/used more than once/);
  });
});
