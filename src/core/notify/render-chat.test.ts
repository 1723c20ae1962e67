import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from './message.js';
import { escapeCardText, escapeSlackText, renderSlackPayload, renderTeamsPayload, type TeamsFactSet, type TeamsTextBlock } from './render-chat.js';

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage => ({
  id: 'N-1',
  type: 'change.approved',
  subject: 'change C-4',
  severity: 'success',
  title: 'C-4 approved: upgrade shop',
  lines: ['Approved by alice', 'Window: Saturday 02:00'],
  items: [{ subject: 'change C-4', title: 'C-4 approved: upgrade shop', at: '2026-11-28T04:00:00.000Z', data: {} }],
  link: 'https://gantry.example.com/changes/C-4?tab=plan&x=1',
  createdAt: '2026-11-28T04:00:01.000Z',
  ...overrides,
});

const digest = (count: number) =>
  message({
    type: 'drift.detected',
    severity: 'warning',
    title: `Drift on ${count} targets`,
    lines: [],
    items: Array.from({ length: count }, (_, index) => ({ subject: `target web-${index + 1}`, title: `drift on web-${index + 1}`, at: '2026-11-28T04:00:00.000Z', data: {} })),
  });

const sectionTexts = (payload: ReturnType<typeof renderSlackPayload>) => payload.blocks.flatMap((block) => (block.type === 'section' ? [block.text.text] : block.elements.map((element) => element.text)));

describe('Slack payload', () => {
  it('has a fallback text and mrkdwn section and context blocks', () => {
    const payload = renderSlackPayload(message());
    expect(payload.text).toBe('[Gantry] C-4 approved: upgrade shop');
    expect(payload.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: *C-4 approved: upgrade shop*\nApproved by alice\nWindow: Saturday 02:00' } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Change approved · change C-4 · 2026-11-28T04:00:01.000Z · <https://gantry.example.com/changes/C-4?tab=plan&amp;x=1|Open in Gantry>' }],
      },
    ]);
  });

  it('escapes &, < and > so that people cannot mention @channel or disguise a link', () => {
    const payload = renderSlackPayload(message({ title: '<!channel> deploy & <https://evil.test|docs>', lines: ['<@U123> said > 3'], subject: 'app <b>' }));
    const all = [payload.text, ...sectionTexts(payload)].join('\n');
    expect(all).not.toMatch(/<!channel>|<https:\/\/evil|<@U123>|<b>/);
    expect(payload.text).toBe('[Gantry] &lt;!channel&gt; deploy &amp; &lt;https://evil.test|docs&gt;');
    expect(sectionTexts(payload)[0]).toContain('&lt;@U123&gt; said &gt; 3');
    expect(escapeSlackText('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it('lists a digest and keeps every block within Slack limits', () => {
    const small = renderSlackPayload(digest(3));
    expect(sectionTexts(small)[1]).toBe('*3 events*\n• drift on web-1 — target web-1 (2026-11-28T04:00:00.000Z)\n• drift on web-2 — target web-2 (2026-11-28T04:00:00.000Z)\n• drift on web-3 — target web-3 (2026-11-28T04:00:00.000Z)');
    const large = renderSlackPayload(digest(500));
    const listed = sectionTexts(large)[1]!;
    expect(listed.length).toBeLessThanOrEqual(3000);
    const shown = listed.match(/^• /gm)!.length;
    expect(shown).toBeGreaterThan(10);
    expect(listed).toMatch(new RegExp(`…and ${500 - shown} more$`));
  });

  it('cuts a long escaped text without breaking an entity', () => {
    const payload = renderSlackPayload(message({ lines: ['&'.repeat(2000)] }));
    const text = sectionTexts(payload)[0]!;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/&amp;…$/);
  });

  it('leaves the link out when it is not a web address', () => {
    expect(sectionTexts(renderSlackPayload(message({ link: 'javascript:alert(1)' })))).not.toContain('Open in Gantry');
  });
});

describe('Teams payload', () => {
  const card = (payload: ReturnType<typeof renderTeamsPayload>) => payload.attachments[0].content;

  it('is an Adaptive Card 1.4 in a message, with text blocks, facts and a link action', () => {
    const payload = renderTeamsPayload(message());
    expect(payload.type).toBe('message');
    expect(payload.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const content = card(payload);
    expect(content).toMatchObject({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' });
    expect(content.body.slice(0, 4)).toEqual([
      { type: 'TextBlock', text: 'Change approved', wrap: true, size: 'Small', isSubtle: true },
      { type: 'TextBlock', text: 'C-4 approved: upgrade shop', wrap: true, weight: 'Bolder', size: 'Medium', color: 'Good' },
      { type: 'TextBlock', text: 'Approved by alice', wrap: true },
      { type: 'TextBlock', text: 'Window: Saturday 02:00', wrap: true },
    ]);
    expect(content.body.at(-1)).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Event', value: 'Change approved' },
        { title: 'Subject', value: 'change C-4' },
        { title: 'At', value: '2026-11-28T04:00:01.000Z' },
      ],
    });
    expect(content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in Gantry', url: 'https://gantry.example.com/changes/C-4?tab=plan&x=1' }]);
  });

  it('escapes card Markdown so that typed text cannot make links, emphasis or lists', () => {
    const content = card(renderTeamsPayload(message({ title: '[click me](https://evil.test) **now**', lines: ['- not a list', '1. nor this', 'snake_case_name'] })));
    const texts = content.body.filter((block): block is TeamsTextBlock => block.type === 'TextBlock').map((block) => block.text);
    expect(texts).toContain('\\[click me\\](https://evil.test) \\*\\*now\\*\\*');
    expect(texts).toContain('\\- not a list');
    expect(texts).toContain('1\\. nor this');
    expect(texts).toContain('snake\\_case\\_name');
    expect(escapeCardText('a\\b `c` ~d~')).toBe('a\\\\b \\`c\\` \\~d\\~');
    // Version numbers and hyphenated names stay as they are.
    expect(escapeCardText('shop-api 1.4.2 -v')).toBe('shop-api 1.4.2 -v');
  });

  it('lists a digest as facts, up to a bound, and counts the rest', () => {
    const small = card(renderTeamsPayload(digest(3))).body;
    expect(small).toContainEqual({ type: 'TextBlock', text: '3 events', wrap: true, weight: 'Bolder', spacing: 'Medium' });
    expect(small).toContainEqual({
      type: 'FactSet',
      facts: [1, 2, 3].map((n) => ({ title: `target web-${n}`, value: `drift on web-${n} (2026-11-28T04:00:00.000Z)` })),
    });
    const large = card(renderTeamsPayload(digest(100))).body;
    const facts = large.filter((block): block is TeamsFactSet => block.type === 'FactSet');
    expect(facts[0]!.facts).toHaveLength(30);
    expect(large).toContainEqual({ type: 'TextBlock', text: '…and 70 more', wrap: true, isSubtle: true });
    expect(JSON.stringify(renderTeamsPayload(digest(100))).length).toBeLessThan(28_000);
  });

  it('has no action when there is no web link', () => {
    expect(card(renderTeamsPayload(message({ link: null }))).actions).toEqual([]);
    expect(card(renderTeamsPayload(message({ link: 'data:text/html,x' }))).actions).toEqual([]);
  });
});
