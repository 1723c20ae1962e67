/** `gantry window add | list | remove` and `gantry calendar`. */
import type { AddWindowRequest, WindowDto } from '../../client/api-client.js';
import { GantryError } from '../../core/errors.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';
import { parseLabels } from '../target-args.js';

export interface WindowAddOptions {
  readonly kind: 'maintenance' | 'freeze';
  readonly cron?: string | undefined;
  readonly duration?: string | undefined;
  readonly tz?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly env?: readonly string[] | undefined;
  readonly app?: readonly string[] | undefined;
  readonly label?: readonly string[] | undefined;
}

function invalid(message: string, where: string): GantryError {
  return new GantryError('REQUEST_INVALID', message, { where });
}

/**
 * Reads `gantry window add`'s options into a request: recurring (--cron, --duration, --tz) or
 * one-off (--start, --end), never both. The server checks the values themselves.
 */
export function buildAddWindowRequest(name: string, options: WindowAddOptions): AddWindowRequest {
  const scope = { environments: [...(options.env ?? [])], apps: [...(options.app ?? [])], targetLabels: parseLabels(options.label ?? []) };
  const recurring = ([['--cron', options.cron], ['--duration', options.duration], ['--tz', options.tz]] as const).filter(([, value]) => value !== undefined);
  const oneOff = ([['--start', options.start], ['--end', options.end]] as const).filter(([, value]) => value !== undefined);
  if (recurring.length > 0 && oneOff.length > 0) {
    throw invalid(`${oneOff[0]![0]} is for one-off windows and ${recurring[0]![0]} for recurring ones; give --cron EXPR --duration DUR --tz ZONE or --start ISO --end ISO`, oneOff[0]![0]);
  }
  if (oneOff.length > 0) {
    if (options.start === undefined) throw invalid('a one-off window needs --start ISO as well as --end', '--start');
    if (options.end === undefined) throw invalid('a one-off window needs --end ISO as well as --start', '--end');
    return { name, kind: options.kind, start: options.start, end: options.end, scope };
  }
  if (recurring.length === 0) throw invalid('give --cron EXPR --duration DUR --tz ZONE (recurring) or --start ISO --end ISO (one-off)', '--cron');
  for (const [flag, value] of [['--cron', options.cron], ['--duration', options.duration], ['--tz', options.tz]] as const) {
    if (value === undefined) throw invalid(`a recurring window needs ${flag} as well (--cron EXPR --duration DUR --tz ZONE)`, flag);
  }
  return { name, kind: options.kind, cron: options.cron ?? '', duration: options.duration ?? '', timeZone: options.tz ?? '', scope };
}

function utc(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString();
}

/** `0 22 * * 6 Europe/Berlin for 4h`, or `START – END` in UTC. */
export function formatSchedule(window: WindowDto): string {
  if (window.cron !== null) return `${window.cron} ${window.timeZone ?? ''} for ${window.duration ?? ''}`;
  return `${utc(window.start ?? '')} – ${utc(window.end ?? '')}`;
}

/** `env=production app=shop labels=role=web`, or `-` for a window that covers everything. */
export function formatScope(window: WindowDto): string {
  const { environments, apps, targetLabels } = window.scope;
  const labels = Object.entries(targetLabels).map(([key, value]) => `${key}=${value}`);
  const parts = [
    ...(environments.length > 0 ? [`env=${environments.join(',')}`] : []),
    ...(apps.length > 0 ? [`app=${apps.join(',')}`] : []),
    ...(labels.length > 0 ? [`labels=${labels.join(',')}`] : []),
  ];
  return parts.length > 0 ? parts.join(' ') : NONE;
}

export async function addWindow(ctx: CommandContext, name: string, options: WindowAddOptions & { json?: boolean }): Promise<number> {
  const window = await connect(ctx).addWindow(buildAddWindowRequest(name, options));
  if (options.json) {
    ctx.output.json(window);
    return EXIT_CODES.ok;
  }
  ctx.output.line(`added ${window.kind} window ${window.name} (${formatSchedule(window)}; scope ${formatScope(window)})`);
  return EXIT_CODES.ok;
}

export async function listWindows(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const windows = await connect(ctx).listWindows();
  if (options.json) {
    ctx.output.json({ windows });
    return EXIT_CODES.ok;
  }
  ctx.output.table(
    ['NAME', 'KIND', 'SCHEDULE', 'SCOPE'],
    windows.map((window) => [window.name, window.kind, formatSchedule(window), formatScope(window)]),
  );
  return EXIT_CODES.ok;
}

export async function removeWindow(ctx: CommandContext, name: string, options: { json?: boolean }): Promise<number> {
  await connect(ctx).removeWindow(name);
  if (options.json) ctx.output.json({ removed: name });
  else ctx.output.line(`removed window ${name}`);
  return EXIT_CODES.ok;
}

export interface CalendarOptions {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly env?: string | undefined;
  readonly app?: string | undefined;
  readonly json?: boolean;
}

export async function showCalendar(ctx: CommandContext, options: CalendarOptions): Promise<number> {
  const calendar = await connect(ctx).calendar({ from: options.from, to: options.to, environment: options.env, app: options.app });
  if (options.json) {
    ctx.output.json(calendar);
    return EXIT_CODES.ok;
  }
  if (calendar.occurrences.length === 0 && calendar.changes.length === 0) {
    ctx.output.line(`no windows open and no changes planned between ${calendar.from} and ${calendar.to}`);
    return EXIT_CODES.ok;
  }
  // Windows and changes on one time line: KIND is maintenance, freeze or change.
  const rows = [
    ...calendar.occurrences.map((occurrence) => [occurrence.start, occurrence.end, occurrence.kind, occurrence.window]),
    ...calendar.changes.map((change) => [change.start, change.end, 'change', `${change.id} ${change.app} to ${change.environment} (${change.state}): ${change.title}`]),
  ].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  ctx.output.table(['START', 'END', 'KIND', 'WHAT'], rows);
  return EXIT_CODES.ok;
}
