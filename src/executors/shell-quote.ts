/**
 * The one quoting helper. Every script Gantry sends to a target is built from constant program
 * text plus arguments passed through `quoteShellArg`; data is never spliced into a shell string.
 */
import { GantryError } from '../core/errors.js';

/** Characters a POSIX shell reads literally in an unquoted word (no `=`: `A=b` would be an assignment). */
const LITERAL_WORD = /^[A-Za-z0-9_\/.,:+@%-]+$/;

/** Quotes one argument for a POSIX shell: the shell reads it back as exactly `value`. */
export function quoteShellArg(value: string): string {
  if (value.includes('\0')) {
    throw new GantryError('REQUEST_INVALID', 'a command argument contains a NUL byte, which no shell can pass on');
  }
  if (LITERAL_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Joins an argument vector into one shell command line, each argument quoted. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) {
    throw new GantryError('REQUEST_INVALID', 'a command needs at least one argument');
  }
  return argv.map(quoteShellArg).join(' ');
}

/**
 * A script that runs `program` (constant text that reads its data from "$1", "$2", …) with
 * `args` as its positional parameters.
 */
export function scriptWithArgs(program: string, args: readonly string[]): string {
  const set = args.length === 0 ? 'set --' : `set -- ${args.map(quoteShellArg).join(' ')}`;
  return `${set}\n${program}`;
}
