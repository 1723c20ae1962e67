import type { NotificationSeverity } from './events.js';
import type { NotificationMessage } from './message.js';
import { describeEventType, digestItems, oneLine, webLink } from './message-view.js';

/**
 * A notification as an email: a subject, a plain-text body and an HTML body saying the same.
 * Everything in a message may come from people (app names, reasons, change titles), so every value
 * is escaped where it lands in HTML, and the subject is kept to one line.
 */

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Mail clients cut long subjects anyway; a bound keeps a pasted essay out of the header. */
const SUBJECT_MAX_LENGTH = 200;

const SEVERITY_COLOURS: Record<NotificationSeverity, string> = {
  info: '#0969da',
  success: '#1a7f37',
  warning: '#9a6700',
  failure: '#cf222e',
};

export function renderEmail(message: NotificationMessage): RenderedEmail {
  const subject = oneLine(`[Gantry] ${message.title}`, SUBJECT_MAX_LENGTH);
  return { subject, text: renderText(message), html: renderHtml(message, subject) };
}

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character]!);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escaped, with the text's own line breaks kept. */
const htmlLines = (text: string) => escapeHtml(text).replace(/\r\n|\r|\n/g, '<br>');

function footer(message: NotificationMessage): string {
  return `${describeEventType(message.type)} · ${message.subject} · ${message.createdAt}`;
}

function renderText(message: NotificationMessage): string {
  const parts: string[] = [message.title];
  if (message.lines.length > 0) parts.push(message.lines.join('\n'));
  const items = digestItems(message);
  if (items.length > 0) {
    parts.push([`${items.length} events:`, ...items.map((item) => `- ${item.title} (${item.subject}, ${item.at})`)].join('\n'));
  }
  const link = webLink(message);
  if (link !== null) parts.push(`Open in Gantry: ${link}`);
  parts.push(`-- \n${footer(message)}\nSent by Gantry, notification ${message.id}.`);
  return `${parts.join('\n\n')}\n`;
}

function renderHtml(message: NotificationMessage, subject: string): string {
  const colour = SEVERITY_COLOURS[message.severity];
  const muted = 'color:#57606a;font-size:12px';
  const body: string[] = [
    `<p style="margin:0;${muted}">${escapeHtml(describeEventType(message.type))}</p>`,
    `<h1 style="font-size:18px;margin:4px 0 8px">${htmlLines(message.title)}</h1>`,
    ...message.lines.map((line) => `<p style="margin:0 0 6px">${htmlLines(line)}</p>`),
  ];
  const items = digestItems(message);
  if (items.length > 0) {
    body.push(`<p style="margin:12px 0 4px"><strong>${items.length} events</strong></p>`);
    body.push('<ul style="margin:0;padding-left:20px">');
    for (const item of items) {
      body.push(`<li><strong>${htmlLines(item.title)}</strong> — ${escapeHtml(item.subject)} <span style="${muted}">${escapeHtml(item.at)}</span></li>`);
    }
    body.push('</ul>');
  }
  const link = webLink(message);
  if (link !== null) body.push(`<p style="margin:12px 0 0"><a href="${escapeHtml(link)}">Open in Gantry</a></p>`);
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;font-size:14px">',
    `<div style="border-left:4px solid ${colour};padding:4px 12px">`,
    ...body,
    '</div>',
    `<p style="${muted}">${escapeHtml(footer(message))}<br>Sent by Gantry, notification ${escapeHtml(message.id)}.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}
