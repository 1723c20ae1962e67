/**
 * The plan document (GET /changes/:id/plan.md) parsed into blocks to render as React elements:
 * headings, paragraphs, lists (with checkboxes), tables, and inline bold, italic, strikethrough,
 * line breaks and backslash escapes. Only what the server's renderer writes; anything else stays
 * literal text. Never HTML: the result is data, not markup.
 */

export type Inline = { kind: 'text'; text: string } | { kind: 'break' } | { kind: 'strong' | 'em' | 'del'; children: Inline[] };

export type PlanBlock =
  | { kind: 'heading'; level: number; content: Inline[] }
  | { kind: 'paragraph'; content: Inline[] }
  | { kind: 'list'; items: { checked: boolean | null; content: Inline[] }[] }
  | { kind: 'table'; header: Inline[][]; rows: Inline[][][] };

const MARKERS: readonly { open: string; kind: 'strong' | 'em' | 'del' }[] = [
  { open: '**', kind: 'strong' },
  { open: '~~', kind: 'del' },
  { open: '_', kind: 'em' },
];

/** Where `marker` closes in `text` from `from`, skipping escaped characters; -1 if it does not. */
function closingIndex(text: string, marker: string, from: number): number {
  for (let index = from; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text.startsWith(marker, index)) return index;
  }
  return -1;
}

export function parseInline(text: string): Inline[] {
  const result: Inline[] = [];
  let plain = '';
  const flush = () => {
    if (plain) result.push({ kind: 'text', text: plain });
    plain = '';
  };
  for (let index = 0; index < text.length; ) {
    const char = text[index] ?? '';
    if (char === '\\' && index + 1 < text.length) {
      plain += text[index + 1];
      index += 2;
      continue;
    }
    if (text.startsWith('<br>', index)) {
      flush();
      result.push({ kind: 'break' });
      index += 4;
      continue;
    }
    const marker = MARKERS.find(({ open }) => text.startsWith(open, index));
    const end = marker ? closingIndex(text, marker.open, index + marker.open.length) : -1;
    if (marker && end > index + marker.open.length) {
      flush();
      result.push({ kind: marker.kind, children: parseInline(text.slice(index + marker.open.length, end)) });
      index = end + marker.open.length;
      continue;
    }
    plain += char;
    index++;
  }
  flush();
  return result;
}

/** A table row's cells, split on `|` that are not escaped. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const found: string[] = [];
  let current = '';
  for (let index = 0; index < inner.length; index++) {
    const char = inner[index];
    if (char === '\\' && index + 1 < inner.length) {
      current += char + inner[index + 1];
      index++;
    } else if (char === '|') {
      found.push(current.trim());
      current = '';
    } else current += char;
  }
  found.push(current.trim());
  return found;
}

const isDivider = (line: string) => /^\|(\s*:?-+:?\s*\|)+\s*$/.test(line.trim());

export function parsePlan(markdown: string): PlanBlock[] {
  const blocks: PlanBlock[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let index = 0; index < lines.length; ) {
    const line = lines[index] ?? '';
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (line.trim() === '') {
      index++;
    } else if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]?.length ?? 1, content: parseInline(heading[2] ?? '') });
      index++;
    } else if (/^-\s/.test(line)) {
      const items: { checked: boolean | null; content: Inline[] }[] = [];
      for (; index < lines.length && /^-\s/.test(lines[index] ?? ''); index++) {
        const item = (lines[index] ?? '').slice(2);
        const box = /^\[([ x])\]\s(.*)$/.exec(item);
        items.push(box ? { checked: box[1] === 'x', content: parseInline(box[2] ?? '') } : { checked: null, content: parseInline(item) });
      }
      blocks.push({ kind: 'list', items });
    } else if (line.startsWith('|') && isDivider(lines[index + 1] ?? '')) {
      const header = cells(line).map(parseInline);
      const rows: Inline[][][] = [];
      for (index += 2; index < lines.length && (lines[index] ?? '').startsWith('|'); index++) rows.push(cells(lines[index] ?? '').map(parseInline));
      blocks.push({ kind: 'table', header, rows });
    } else {
      const paragraph: string[] = [];
      for (; index < lines.length && (lines[index] ?? '').trim() !== '' && !/^(#{1,6}\s|-\s|\|)/.test(lines[index] ?? ''); index++) paragraph.push(lines[index] ?? '');
      if (paragraph.length === 0) paragraph.push(lines[index++] ?? '');
      blocks.push({ kind: 'paragraph', content: parseInline(paragraph.join(' ')) });
    }
  }
  return blocks;
}
