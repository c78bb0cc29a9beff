import type { Language } from './vocabulary.ts';

// Dates as the page's visitors read them: in the page's time zone, never the server's, and
// in the visitor's language (English by default: the admin UI and the JSON stay English).

const INTL_LOCALES: Record<Language, string> = { en: 'en-US', 'zh-TW': 'zh-TW', 'zh-CN': 'zh-CN' };

// Each shape of date is named once; a formatter is built once per shape, locale and zone
// (building one costs far more than formatting, and pages format thousands of dates).
const SHAPES = {
  dateTime: {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  },
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
  date: { month: 'short', day: 'numeric', year: 'numeric' },
  month: { month: 'long', year: 'numeric' },
  monthShort: { month: 'short' },
  dayKey: { year: 'numeric', month: '2-digit', day: '2-digit' },
  wallClock: {
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, shape: keyof typeof SHAPES, locale = 'en-US'): Intl.DateTimeFormat {
  const key = `${shape}|${locale}|${timeZone}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, { timeZone, ...SHAPES[shape] });
    formatters.set(key, cached);
  }
  return cached;
}

/** "Nov 21, 2026, 14:05 UTC" */
export function formatDateTime(date: Date, timeZone: string, language: Language = 'en'): string {
  return formatter(timeZone, 'dateTime', INTL_LOCALES[language]).format(date);
}

/** "14:05 UTC" */
export function formatTime(date: Date, timeZone: string, language: Language = 'en'): string {
  return formatter(timeZone, 'time', INTL_LOCALES[language]).format(date);
}

/** "Nov 21, 2026" */
export function formatDate(date: Date, timeZone: string, language: Language = 'en'): string {
  return formatter(timeZone, 'date', INTL_LOCALES[language]).format(date);
}

/** "November 2026" */
export function formatMonth(monthKey: string, language: Language = 'en'): string {
  const [year, month] = monthKey.split('-').map(Number);
  return formatter('UTC', 'month', INTL_LOCALES[language]).format(
    new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1)),
  );
}

/** "Nov": a month's mark where its year and full name are told nearby. */
export function formatMonthShort(monthKey: string, language: Language = 'en'): string {
  const [year, month] = monthKey.split('-').map(Number);
  return formatter('UTC', 'monthShort', INTL_LOCALES[language]).format(
    new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1)),
  );
}

/**
 * What comes before and after the day of the month in `formatDayKey` for the days of a
 * month: ["Nov ", ", 2026"], or ["2026年11月", "日"]. A calendar that numbers its days
 * (with a CSS counter) shows each day's date from these without writing it 30 times.
 */
export function dayKeyAround(monthKey: string, language: Language = 'en'): [before: string, after: string] {
  const parts = formatter('UTC', 'date', INTL_LOCALES[language]).formatToParts(new Date(`${monthKey}-15T12:00:00Z`));
  const day = parts.findIndex((p) => p.type === 'day');
  const text = (from: number, to?: number) =>
    parts
      .slice(from, to)
      .map((p) => p.value)
      .join('');
  return [text(0, day), text(day + 1)];
}

/** The calendar day in the time zone, as "2026-11-21". */
export function dayKey(date: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return formatter(timeZone, 'dayKey', 'en-CA').format(date);
}

export function monthKey(date: Date, timeZone: string): string {
  return dayKey(date, timeZone).slice(0, 7);
}

/** The `count` calendar days ending with today, newest first, as day keys. */
export function lastDays(now: Date, timeZone: string, count: number): string[] {
  const days: string[] = [];
  // Step back by 24h from noon of today; noon keeps DST shifts from skipping a day.
  const today = dayKey(now, timeZone);
  let cursor = Date.parse(`${today}T12:00:00Z`);
  for (let i = 0; i < count; i++) {
    days.push(new Date(cursor).toISOString().slice(0, 10));
    cursor -= 86_400_000;
  }
  return days;
}

/** "Nov 21, 2026" for a day key. */
export function formatDayKey(day: string, language: Language = 'en'): string {
  return formatter('UTC', 'date', INTL_LOCALES[language]).format(new Date(`${day}T12:00:00Z`));
}

const relativeFormatters = new Map<Language, Intl.RelativeTimeFormat>();
function relativeFormatter(language: Language): Intl.RelativeTimeFormat {
  let cached = relativeFormatters.get(language);
  if (!cached)
    relativeFormatters.set(
      language,
      (cached = new Intl.RelativeTimeFormat(INTL_LOCALES[language], { numeric: 'auto' })),
    );
  return cached;
}

/** "in 25 minutes", "2 hours ago"; "25 分鐘後". */
export function formatRelative(target: Date, now: Date, language: Language = 'en'): string {
  const minutes = Math.round((target.getTime() - now.getTime()) / 60_000);
  const rtf = relativeFormatter(language);
  if (Math.abs(minutes) < 60) return rtf.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return rtf.format(hours, 'hour');
  return rtf.format(Math.round(hours / 24), 'day');
}

// Wall-clock times in a zone: an <input type="datetime-local"> sends one with no zone
// ("2026-03-29T02:30"), and a local day starts at local midnight, DST or not.

const HOUR = 3_600_000;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The wall-clock time at `instant` in the zone, as if it were UTC (milliseconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone, 'wallClock')
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
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
  const [year, month, day, hour, minute, second] = m.slice(1).map((p) => Number(p ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-31 over into March; such a date is not one.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    return null;
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
