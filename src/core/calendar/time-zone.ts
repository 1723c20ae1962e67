const DAY_MS = 86_400_000;

/**
 * Whether the runtime's time-zone database knows this IANA name. Intl reads the same database
 * that luxon, and through it cron-parser, uses, so a zone accepted here is one they can follow.
 */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a test for "this instant is the second time its local wall-clock time happens",
 * i.e. it lies in the hour that repeats when clocks go back (01:30 on the first Sunday of
 * November in New York happens at 05:30Z and again at 06:30Z). A window opening at such a time
 * opens once, at the first; the test finds the second. It assumes at most one clock change a
 * day, which holds for every zone in use.
 */
export function repeatedLocalTime(timeZone: string): (instantMs: number) => boolean {
  const offsetAt = utcOffsetReader(timeZone);
  return (instantMs) => {
    const offset = offsetAt(instantMs);
    const offsetDayBefore = offsetAt(instantMs - DAY_MS);
    if (offsetDayBefore <= offset) return false;
    // Clocks went back by `shift` within the last day; the same wall time happened `shift` ago
    // if the clocks had not yet gone back then.
    const shift = offsetDayBefore - offset;
    return offsetAt(instantMs - shift) === offsetDayBefore;
  };
}

/** The zone's offset from UTC in milliseconds at an instant (+3_600_000 for CET). */
function utcOffsetReader(timeZone: string): (instantMs: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (instantMs) => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(instantMs))) parts[part.type] = Number(part.value);
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return wall - Math.floor(instantMs / 1000) * 1000;
  };
}
