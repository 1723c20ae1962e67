import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { GantryError } from '../errors.js';
import { MANUAL_CI_FIELDS, manualCiInputSchema, type ManualCi, type ManualCiInput } from './configuration-item.js';

/**
 * Manual CIs as CSV (RFC 4180, with a header row naming the columns in any order): what
 * spreadsheets and other CMDBs export. Every column of {@link MANUAL_CI_FIELDS} must be there,
 * since an import replaces each CI it names whole; an empty cell means "not recorded". Problems
 * are reported as `FILE:line: column: what is wrong`, all of them, so one round of fixes is enough.
 */
export const MAX_CI_CSV_ROWS = 10_000;

export interface CsvProblem {
  readonly line: number;
  readonly column: string | null;
  readonly message: string;
}

/** A cell as quoted in a message: long ones are cut, so an error never echoes a whole file back. */
const shown = (cell: string) => (cell.length > 80 ? `${cell.slice(0, 80)}…` : cell);

function refuse(file: string, problems: readonly CsvProblem[]): never {
  const lines = problems.map((problem) => `${file}:${problem.line}: ${problem.column === null ? '' : `${problem.column}: `}${problem.message}`);
  const [first] = problems;
  throw new GantryError('CSV_INVALID', lines.slice(0, 20).join('\n') + (lines.length > 20 ? `\n(and ${lines.length - 20} more)` : ''), {
    where: `${shown(file)}:${first?.line ?? 1}`,
    problems: problems.slice(0, 20),
  });
}

/** Lines a record spans past its first: newlines inside quoted cells. */
const extraLines = (record: readonly string[]) => record.reduce((count, cell) => count + cell.split('\n').length - 1, 0);

/** A row read: the CI and the line it starts on. */
export interface CsvCiRow {
  readonly line: number;
  readonly ci: ManualCiInput;
}

/** Reads the CSV into manual CI inputs, in file order; nothing is returned unless every row is right. */
export function parseManualCiCsv(text: string, file: string): CsvCiRow[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, bom: true, skip_empty_lines: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (cause) {
    const line = typeof (cause as { lines?: unknown }).lines === 'number' ? (cause as { lines: number }).lines : 1;
    const message = cause instanceof Error ? cause.message.replace(/^[^:]*:\s*/, '') : 'cannot be read as CSV';
    return refuse(file, [{ line, column: null, message: `not valid CSV (${message})` }]);
  }
  const [header, ...records] = rows;
  if (!header) return refuse(file, [{ line: 1, column: null, message: `the file is empty; the first line must name the columns: ${MANUAL_CI_FIELDS.join(',')}` }]);
  const columns = header.record.map((cell) => cell.trim());
  const problems: CsvProblem[] = [];
  const headerLine = header.info.lines;
  for (const column of columns) {
    if (!(MANUAL_CI_FIELDS as readonly string[]).includes(column)) problems.push({ line: headerLine, column: shown(column), message: `unknown column; the columns are ${MANUAL_CI_FIELDS.join(',')}` });
  }
  for (const field of MANUAL_CI_FIELDS) if (!columns.includes(field)) problems.push({ line: headerLine, column: field, message: 'the column is missing from the header row' });
  if (new Set(columns).size !== columns.length) problems.push({ line: headerLine, column: null, message: 'a column is named twice' });
  if (problems.length > 0) return refuse(file, problems);
  if (records.length > MAX_CI_CSV_ROWS) return refuse(file, [{ line: headerLine, column: null, message: `${records.length} rows; at most ${MAX_CI_CSV_ROWS} per file` }]);

  const seen = new Map<string, number>();
  const inputs: CsvCiRow[] = [];
  for (const { record, info } of records) {
    const line = info.lines - extraLines(record);
    if (record.length !== columns.length) {
      problems.push({ line, column: null, message: `${record.length} cells where the header names ${columns.length} columns` });
      continue;
    }
    const row = Object.fromEntries(columns.map((column, index) => [column, record[index] ?? '']));
    const name = row['name'] ?? '';
    const earlier = seen.get(name);
    if (earlier !== undefined) problems.push({ line, column: 'name', message: `${shown(name)} is already on line ${earlier}` });
    else seen.set(name, line);
    const parsed = manualCiInputSchema.safeParse(row);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ line, column: String(issue.path[0] ?? ''), message: issue.message });
      continue;
    }
    inputs.push({ line, ci: parsed.data });
  }
  if (problems.length > 0) refuse(file, problems);
  return inputs;
}

/** The manual CIs as CSV, header first, in the order given; what {@link parseManualCiCsv} reads back. */
export function formatManualCiCsv(cis: readonly ManualCi[]): string {
  const rows = cis.map((ci) => MANUAL_CI_FIELDS.map((field) => ci[field] ?? ''));
  return stringify([[...MANUAL_CI_FIELDS], ...rows]);
}
