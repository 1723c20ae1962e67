/**
 * The language of a communication plan's entries (issue 10): when a notice is due ("24h before
 * start", "at start", "30m after end") and the `{{placeholders}}` its message may name. Kept apart
 * from the notices themselves so the plan's schema can check entries without the change model.
 */
export type CommunicationAnchor = 'start' | 'end';

export interface CommunicationTiming {
  readonly anchor: CommunicationAnchor;
  /** Milliseconds from the anchor: negative before it, 0 at it, positive after it. */
  readonly offsetMs: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hour: 3_600_000, hours: 3_600_000, d: 86_400_000, day: 86_400_000, days: 86_400_000 };
const AT = /^at (start|end)$/i;
const RELATIVE = /^(\d{1,4})\s*(m|min|minutes?|h|hours?|d|days?)\s+(before|after)\s+(start|end)$/i;

export const COMMUNICATION_WHEN_HELP = 'write "at start", "at end", or a time before or after either, like "24h before start", "30m after end" (m, h, d)';

/** Reads a `when`; undefined when it is not one of the forms above. */
export function parseCommunicationWhen(text: string): CommunicationTiming | undefined {
  const trimmed = text.trim();
  const at = AT.exec(trimmed);
  if (at) return { anchor: at[1]!.toLowerCase() as CommunicationAnchor, offsetMs: 0 };
  const relative = RELATIVE.exec(trimmed);
  if (!relative) return undefined;
  const ms = Number(relative[1]) * UNIT_MS[relative[2]!.toLowerCase()]!;
  return { anchor: relative[4]!.toLowerCase() as CommunicationAnchor, offsetMs: relative[3]!.toLowerCase() === 'before' ? -ms : ms };
}

/** The values a notice's message may name as `{{name}}`. */
export const COMMUNICATION_PLACEHOLDERS = ['change.id', 'change.title', 'change.state', 'requester', 'app', 'environment', 'version', 'window.start', 'window.end', 'risk', 'owners'] as const;
export type CommunicationPlaceholder = (typeof COMMUNICATION_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([a-z.]+)\s*\}\}/g;

/** Placeholders a message names that do not exist (a typo would otherwise reach stakeholders as braces). */
export function unknownPlaceholders(message: string): string[] {
  return [...message.matchAll(PLACEHOLDER)].map((match) => match[1]!).filter((name) => !(COMMUNICATION_PLACEHOLDERS as readonly string[]).includes(name));
}

export function renderCommunication(message: string, values: Readonly<Record<CommunicationPlaceholder, string>>): string {
  return message.replace(PLACEHOLDER, (whole, name: string) => (name in values ? values[name as CommunicationPlaceholder] : whole));
}
