// <input type="datetime-local"> sends a wall-clock time with no zone ("2026-03-29T02:30").
// Admin forms read it in the page's time zone, as visitors see times on the page.

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const HOUR = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at `instant` in the zone, as if it were UTC (milliseconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(partsFormatter(timeZone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

const offsetAt = (instant: number, timeZone: string) => wallClock(instant, timeZone) - (instant - (instant % 1000));

/**
 * The instant a wall-clock time names in the zone, or null when the text is no such time.
 * A time that occurs twice (clocks going back) is the earlier one; a time that does not
 * exist (clocks going forward) moves forward by the gap, as clocks do.
 */
export function zonedLocalToUtc(local: string, timeZone: string): Date | null {
  const m = LOCAL.exec(local.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((p) => Number(p ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-31 over into March; such a date is not one.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  // Offsets either side of any transition near this time (transitions are months apart).
  const before = wall - offsetAt(wall - 12 * HOUR, timeZone);
  const after = wall - offsetAt(wall + 12 * HOUR, timeZone);
  const exact = [before, after].filter((t) => wallClock(t, timeZone) === wall);
  return new Date(exact.length > 0 ? Math.min(...exact) : before);
}

/** The value for a datetime-local input showing `date` in the zone ("2026-03-29T14:05"). */
export function utcToZonedLocal(date: Date, timeZone: string): string {
  return new Date(wallClock(date.getTime(), timeZone)).toISOString().slice(0, 16);
}
