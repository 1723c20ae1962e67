import type { NotificationSeverity } from './events.js';
import type { NotificationMessage } from './message.js';
import { describeEventType, digestItems, oneLine, webLink } from './message-view.js';

/**
 * A notification as Slack and Microsoft Teams incoming webhooks take it. Values come from people
 * (app names, reasons, change titles), so they are escaped for each service's markup: in Slack
 * `&`, `<` and `>` (without which `<!channel>` would ping everyone and `<url|text>` would disguise
 * a link); in Teams the card Markdown that would make links, emphasis or lists. Both services cap
 * a message's size, so long texts are cut and a digest lists its first items and counts the rest.
 */

/** Slack refuses a section text over 3000 characters. */
const SLACK_SECTION_MAX = 3000;
/** What Slack shows of the fallback `text` in a notification. */
const SLACK_FALLBACK_MAX = 300;
/** Teams drops a message over about 28 KB: texts and digests stay well under that. */
const TEAMS_TEXT_MAX = 1000;
const TEAMS_DIGEST_MAX_ITEMS = 30;

export interface SlackTextObject {
  readonly type: 'mrkdwn';
  readonly text: string;
}

export type SlackBlock = { readonly type: 'section'; readonly text: SlackTextObject } | { readonly type: 'context'; readonly elements: readonly SlackTextObject[] };

export interface SlackPayload {
  /** Shown in push notifications and by clients that do not render blocks. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

const SLACK_EMOJI: Record<NotificationSeverity, string> = {
  info: ':information_source:',
  success: ':white_check_mark:',
  warning: ':warning:',
  failure: ':x:',
};

/** Slack's own rule: these three, and only these, are written as entities in message text. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cut before escaping, so that an escape is never cut in half. */
function cut(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export function renderSlackPayload(message: NotificationMessage): SlackPayload {
  const heading = `${SLACK_EMOJI[message.severity]} *${escapeSlackText(oneLine(message.title, 500))}*`;
  const body = message.lines.map((line) => escapeSlackText(line)).join('\n');
  const blocks: SlackBlock[] = [section(body === '' ? heading : `${heading}\n${body}`)];
  const items = digestItems(message);
  if (items.length > 0) {
    const header = `*${items.length} events*`;
    const rows: string[] = [];
    let length = header.length;
    for (const [index, item] of items.entries()) {
      const row = `• ${escapeSlackText(oneLine(`${item.title} — ${item.subject}`, 300))} (${escapeSlackText(item.at)})`;
      const rest = `…and ${items.length - index} more`;
      if (length + row.length + rest.length + 2 > SLACK_SECTION_MAX) {
        rows.push(rest);
        break;
      }
      rows.push(row);
      length += row.length + 1;
    }
    blocks.push(section([header, ...rows].join('\n')));
  }
  const link = webLink(message);
  const context = [escapeSlackText(`${describeEventType(message.type)} · ${oneLine(message.subject, 200)} · ${message.createdAt}`)];
  if (link !== null) context.push(`<${slackUrl(link)}|Open in Gantry>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return { text: escapeSlackText(oneLine(`[Gantry] ${message.title}`, SLACK_FALLBACK_MAX)), blocks };
}

function section(text: string): SlackBlock {
  // Escaping can make a text outgrow the limit (`&` → `&amp;`): cut it, never inside an entity.
  const bounded = text.length <= SLACK_SECTION_MAX ? text : `${text.slice(0, SLACK_SECTION_MAX - 1).replace(/&[a-z]{0,3}$/, '')}…`;
  return { type: 'section', text: { type: 'mrkdwn', text: bounded } };
}

/** A URL inside `<url|label>`: `|` would end it, and `&`, `<`, `>` are entities there too. */
function slackUrl(url: string): string {
  return escapeSlackText(url.replace(/\|/g, '%7C'));
}

export interface TeamsTextBlock {
  readonly type: 'TextBlock';
  readonly text: string;
  readonly wrap: true;
  readonly weight?: 'Bolder';
  readonly size?: 'Small' | 'Medium';
  readonly color?: 'Accent' | 'Good' | 'Warning' | 'Attention';
  readonly isSubtle?: true;
  readonly spacing?: 'Medium';
}

export interface TeamsFactSet {
  readonly type: 'FactSet';
  readonly facts: readonly { readonly title: string; readonly value: string }[];
}

export interface TeamsPayload {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: {
        readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
        readonly type: 'AdaptiveCard';
        readonly version: '1.4';
        readonly body: readonly (TeamsTextBlock | TeamsFactSet)[];
        readonly actions: readonly { readonly type: 'Action.OpenUrl'; readonly title: string; readonly url: string }[];
        readonly msteams: { readonly width: 'Full' };
      };
    },
  ];
}

const TEAMS_COLOURS: Record<NotificationSeverity, NonNullable<TeamsTextBlock['color']>> = {
  info: 'Accent',
  success: 'Good',
  warning: 'Warning',
  failure: 'Attention',
};

/**
 * Text for a card's TextBlock or Fact: Teams reads it as Markdown, so the characters that make
 * emphasis, code or links (`[text](url)` would disguise where a link goes) are backslash-escaped,
 * and so is whatever would start a list at the beginning of a line.
 */
export function escapeCardText(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) =>
      line
        .replace(/[\\`*_[\]~]/g, '\\$&')
        .replace(/^(\s*)([+-])(?=\s)/, '$1\\$2')
        .replace(/^(\s*\d{1,9})([.)])(?=\s)/, '$1\\$2'),
    )
    .join('\n\n');
}

const textBlock = (text: string, style: Omit<TeamsTextBlock, 'type' | 'text' | 'wrap'> = {}): TeamsTextBlock => ({
  type: 'TextBlock',
  text: escapeCardText(cut(text, TEAMS_TEXT_MAX)),
  wrap: true,
  ...style,
});

const fact = (title: string, value: string) => ({ title: escapeCardText(oneLine(title, 200)), value: escapeCardText(oneLine(value, TEAMS_TEXT_MAX)) });

export function renderTeamsPayload(message: NotificationMessage): TeamsPayload {
  const body: (TeamsTextBlock | TeamsFactSet)[] = [
    textBlock(describeEventType(message.type), { size: 'Small', isSubtle: true }),
    textBlock(message.title, { weight: 'Bolder', size: 'Medium', color: TEAMS_COLOURS[message.severity] }),
    ...message.lines.map((line) => textBlock(line)),
  ];
  const items = digestItems(message);
  if (items.length > 0) {
    body.push(textBlock(`${items.length} events`, { weight: 'Bolder', spacing: 'Medium' }));
    body.push({ type: 'FactSet', facts: items.slice(0, TEAMS_DIGEST_MAX_ITEMS).map((item) => fact(item.subject, `${item.title} (${item.at})`)) });
    if (items.length > TEAMS_DIGEST_MAX_ITEMS) body.push(textBlock(`…and ${items.length - TEAMS_DIGEST_MAX_ITEMS} more`, { isSubtle: true }));
  }
  body.push({ type: 'FactSet', facts: [fact('Event', describeEventType(message.type)), fact('Subject', message.subject), fact('At', message.createdAt)] });
  const link = webLink(message);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: link === null ? [] : [{ type: 'Action.OpenUrl', title: 'Open in Gantry', url: link }],
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}
