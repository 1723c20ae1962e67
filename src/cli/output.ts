/**
 * The only place the CLI writes to stdout and stderr. Results go to stdout (tables, JSON,
 * progress lines); errors and notices go to stderr, each error as one `error[CODE]: message`
 * line (a manifest's problems as one line each), never a stack trace unless GANTRY_DEBUG is set.
 */
import { isApiUnreachableError } from '../client/errors.js';
import { isGantryError } from '../core/errors.js';
import type { Writer } from './context.js';
import { EXIT_CODES, exitCodeOfKind } from './exit-codes.js';

export interface OutputStreams {
  readonly stdout?: Writer | undefined;
  readonly stderr?: Writer | undefined;
}

export interface ErrorHints {
  /** Whether an API token was configured (an UNAUTHORIZED error then gets a different hint). */
  readonly tokenGiven?: boolean;
  /** Print the stack of unexpected errors (GANTRY_DEBUG). */
  readonly debug?: boolean;
}

export interface ErrorReport {
  readonly lines: string[];
  readonly exitCode: number;
}

/** The code the CLI prints for a server it cannot reach (client-side only, not in the catalogue). */
export const SERVER_UNREACHABLE = 'SERVER_UNREACHABLE';

export function createOutput(streams: OutputStreams = {}): Output {
  return new Output(streams.stdout ?? process.stdout, streams.stderr ?? process.stderr);
}

export class Output {
  constructor(
    private readonly stdout: Writer,
    private readonly stderr: Writer,
  ) {}

  /** One line of result on stdout. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** A value as indented JSON on stdout (the --json form of a result). */
  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A value as one compact JSON line on stdout (streams of results: NDJSON). */
  jsonLine(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
    this.stdout.write(formatTable(headers, rows));
  }

  /** Aligned `label  value` lines. */
  fields(pairs: readonly (readonly [string, string])[]): void {
    const width = Math.max(0, ...pairs.map(([label]) => label.length));
    for (const [label, value] of pairs) this.line(`${`${label}:`.padEnd(width + 1)} ${value}`.trimEnd());
  }

  /** A notice for the person at the terminal (stderr, so it never mixes into piped results). */
  notice(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Text produced elsewhere (commander's help and version), passed through unchanged. */
  raw(text: string, to: 'stdout' | 'stderr' = 'stdout'): void {
    (to === 'stdout' ? this.stdout : this.stderr).write(text);
  }

  /** Prints an error and returns the exit code for it. */
  error(error: unknown, hints: ErrorHints = {}): number {
    const report = describeError(error, hints);
    for (const line of report.lines) this.stderr.write(`${line}\n`);
    return report.exitCode;
  }

  /** A command line that commander (or a verb) refused: exit 2 with a pointer to the help. */
  usageError(message: string, command: string): number {
    const text = message.replace(/^error:\s*/i, '').split(/\r?\n/).map((part) => part.trim()).filter(Boolean).join(' ');
    this.stderr.write(`error[REQUEST_INVALID]: ${text} (see \`${command} --help\`)\n`);
    return EXIT_CODES.invalid;
  }
}

export function describeError(error: unknown, hints: ErrorHints = {}): ErrorReport {
  if (isGantryError(error)) {
    const exitCode = exitCodeOfKind(error.kind);
    if (error.code === 'MANIFEST_INVALID') return { lines: manifestProblemLines(error.message, error.details.problems), exitCode };
    let message = oneLine(error.message);
    if (error.code === 'UNAUTHORIZED' && !message.includes('GANTRY_TOKEN')) {
      message += hints.tokenGiven ? ' (check --token or GANTRY_TOKEN)' : ' (no API token given: set GANTRY_TOKEN or pass --token)';
    }
    return { lines: [`error[${error.code}]: ${message}`], exitCode };
  }
  if (isApiUnreachableError(error)) {
    const reason = error.reason && error.reason !== 'ECONNREFUSED' ? ` [${error.reason}]` : '';
    return { lines: [`error[${SERVER_UNREACHABLE}]: ${error.message}${reason}`], exitCode: EXIT_CODES.unavailable };
  }
  const message = error instanceof Error ? error.message : String(error);
  const text = oneLine(message) || 'an unexpected error happened';
  if (hints.debug && error instanceof Error && error.stack) return { lines: [`error[INTERNAL]: ${text}`, error.stack], exitCode: EXIT_CODES.failed };
  return { lines: [`error[INTERNAL]: ${text} (set GANTRY_DEBUG=1 for the stack trace)`], exitCode: EXIT_CODES.failed };
}

interface ProblemLike {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path?: string;
  readonly message: string;
}

function isProblemLike(value: unknown): value is ProblemLike {
  if (typeof value !== 'object' || value === null) return false;
  const problem = value as Record<string, unknown>;
  return typeof problem.file === 'string' && typeof problem.line === 'number' && typeof problem.column === 'number' && typeof problem.message === 'string';
}

/** `error[MANIFEST_INVALID]: …` then one `file:line:column: path: message` line per problem. */
function manifestProblemLines(message: string, problems: unknown): string[] {
  const list = Array.isArray(problems) && problems.length > 0 && problems.every(isProblemLike) ? problems : undefined;
  const lines = list
    ? list.map((problem) => `${problem.file}:${problem.line}:${problem.column}: ${problem.path ? `${problem.path}: ` : ''}${oneLine(problem.message)}`)
    : message.split('\n').filter((line) => line.trim() !== '');
  const file = list?.[0]?.file;
  const count = `${lines.length} problem${lines.length === 1 ? '' : 's'}`;
  return [`error[MANIFEST_INVALID]: ${file ? `${file} is not a valid manifest` : 'the manifest is not valid'} (${count})`, ...lines];
}

function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join('; ');
}

/** Simple aligned columns: two spaces between columns, no trailing spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows].map((row) => row.map((cell) => cell.replace(/[\r\n\t]+/g, ' ')));
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      widths
        .map((width, column) => (row[column] ?? '').padEnd(width))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
