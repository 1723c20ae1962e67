import { GantryError } from '../core/errors.js';
import type { CommandContext, Stdin } from './context.js';

/**
 * One line typed at a terminal with echo off (passwords, secret values): Enter or Ctrl-D ends
 * it, Backspace edits it, Ctrl-C cancels (REQUEST_INVALID, nothing is sent). At most `maxChars`
 * characters are kept, so that an over-long value is refused by the server, not cut here.
 */
export async function readHidden(ctx: CommandContext, stdin: Stdin, prompt: string, maxChars: number): Promise<string> {
  ctx.output.raw(`${prompt} (input hidden): `, 'stderr');
  stdin.setRawMode?.(true);
  let value = '';
  try {
    reading: for await (const chunk of stdin) {
      for (const character of typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')) {
        if (character === '\r' || character === '\n' || character === '\u0004') break reading;
        if (character === '\u0003') throw new GantryError('REQUEST_INVALID', 'cancelled: nothing was sent', { where: 'stdin' });
        if (character === '\u007f' || character === '\b') value = value.slice(0, -1);
        else if (value.length < maxChars) value += character;
      }
    }
  } finally {
    stdin.setRawMode?.(false);
    ctx.output.raw('\n', 'stderr');
  }
  return value;
}
