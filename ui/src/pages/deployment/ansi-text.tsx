/**
 * One log line's ANSI SGR colours as spans (parsed by anser): the 16 basic colours are CSS
 * classes (`ansi-red-fg`, `ansi-bright-green-bg`, …, see deployment.css), the 256-colour palette
 * and 24-bit colours inline styles. Everything is text: nothing is parsed as HTML.
 */
import Anser, { type AnserJsonEntry } from 'anser';
import { useMemo, type CSSProperties } from 'react';

const BASIC = /^ansi-(bright-)?(black|red|green|yellow|blue|magenta|cyan|white)$/;
const PALETTE = /^ansi-palette-(\d+)$/;
const BASIC_ORDER = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

/** xterm's 256-colour palette: 16 basic colours, a 6×6×6 cube, 24 greys. */
function paletteColour(index: number): string | { basic: string } {
  if (index < 16) return { basic: `ansi-${index >= 8 ? 'bright-' : ''}${BASIC_ORDER[index % 8]}` };
  if (index < 232) {
    const level = (value: number) => (value === 0 ? 0 : 55 + value * 40);
    const cube = index - 16;
    return `rgb(${level(Math.floor(cube / 36))}, ${level(Math.floor(cube / 6) % 6)}, ${level(cube % 6)})`;
  }
  const grey = 8 + (index - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}

interface Look {
  readonly className: string[];
  readonly style: CSSProperties;
}

function colour(look: Look, name: string | null, truecolor: string | null, layer: 'fg' | 'bg'): void {
  if (!name) return;
  const property = layer === 'fg' ? 'color' : 'backgroundColor';
  if (name === 'ansi-truecolor') {
    if (truecolor) look.style[property] = `rgb(${truecolor})`;
    return;
  }
  if (BASIC.test(name)) {
    look.className.push(`${name}-${layer}`);
    return;
  }
  const palette = PALETTE.exec(name);
  if (!palette) return;
  const value = paletteColour(Number(palette[1]));
  if (typeof value === 'string') look.style[property] = value;
  else look.className.push(`${value.basic}-${layer}`);
}

function lookOf(entry: AnserJsonEntry): Look {
  // anser has already swapped the colours of a reversed (SGR 7) span.
  const look: Look = { className: entry.decorations.map((decoration) => `ansi-${decoration}`), style: {} };
  colour(look, entry.fg, entry.fg_truecolor, 'fg');
  colour(look, entry.bg, entry.bg_truecolor, 'bg');
  return look;
}

export function AnsiText({ text }: { text: string }) {
  // Most lines have no escape at all.
  const entries = useMemo(() => (text.includes('\u001b') ? Anser.ansiToJson(text, { use_classes: true, remove_empty: true }) : null), [text]);
  if (entries === null) return <>{text}</>;
  return (
    <>
      {entries.map((entry, index) => {
        const look = lookOf(entry);
        if (look.className.length === 0 && Object.keys(look.style).length === 0) return <span key={index}>{entry.content}</span>;
        return (
          <span key={index} className={look.className.join(' ') || undefined} style={look.style}>
            {entry.content}
          </span>
        );
      })}
    </>
  );
}
