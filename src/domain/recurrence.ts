import { DateTime } from 'luxon';
import rrulePackage from 'rrule';

// Recurring maintenance windows: an RFC 5545 RRULE over a start given as wall-clock time in a
// time zone, so a weekly 02:00 window stays at 02:00 across daylight-saving changes. The rule
// is expanded by the `rrule` library in "floating" time (wall-clock fields held in a UTC Date)
// and each occurrence is then placed in the zone by Luxon; a wall time the zone skips (the
// hour clocks spring over) moves forward, as RFC 5545 asks. Pure.

// rrule is CommonJS: its named exports are not visible to Node's ESM loader.
const { RRule } = rrulePackage;

/** A recurring maintenance as the public outputs see it. */
export interface SeriesView {
  id: string;
  name: string;
  body: string;
  componentIds: string[];
  rrule: string;
  /** "2026-12-13T02:00", wall-clock time in `timeZone`. */
  startsAtLocal: string;
  timeZone: string;
  durationMinutes: number;
  /** Occurrences skipped, by their rule start (ISO 8601, UTC). */
  skipped: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type SeriesRule = Pick<SeriesView, 'rrule' | 'startsAtLocal' | 'timeZone'>;

export const RECURRENCE_FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY'] as const;
const MAX_INTERVAL = 52;
const MAX_COUNT = 1000;
export const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

type ParsedOptions = ReturnType<typeof RRule.parseString>;

/** What is wrong with the rule, or null when Herald can repeat a window by it. */
export function recurrenceProblem(rrule: string): string | null {
  try {
    return ruleProblem(rrule);
  } catch (error) {
    // A value rrule reads into something it cannot use (BYDAY=XX).
    return `is not an RRULE Herald can use (${(error as Error).message})`;
  }
}

function ruleProblem(rrule: string): string | null {
  if (/^\s*(DTSTART|RRULE:)/i.test(rrule) || /\n/.test(rrule))
    return 'must be one RRULE value without DTSTART, like FREQ=WEEKLY;BYDAY=SU';
  let options: ParsedOptions;
  try {
    options = RRule.parseString(rrule);
  } catch (error) {
    return `is not an RRULE (${(error as Error).message})`;
  }
  const frequency = options.freq === undefined ? undefined : RRule.FREQUENCIES[options.freq];
  if (!frequency || !(RECURRENCE_FREQUENCIES as readonly string[]).includes(frequency))
    return `must repeat DAILY, WEEKLY or MONTHLY (FREQ=…)`;
  if (options.byhour != null || options.byminute != null || options.bysecond != null)
    return 'must not set BYHOUR, BYMINUTE or BYSECOND: each occurrence starts at the series start time';
  // rrule hands a value that is not a number over as text (INTERVAL=abc): that would never end.
  const whole = (value: unknown, min: number, max: number, zero = true) =>
    (Array.isArray(value) ? value : [value]).every(
      (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max && (zero || v !== 0),
    );
  if (options.interval != null && !whole(options.interval, 1, MAX_INTERVAL))
    return `INTERVAL must be a whole number from 1 to ${MAX_INTERVAL}`;
  if (options.count != null && !whole(options.count, 1, MAX_COUNT))
    return `COUNT must be a whole number from 1 to ${MAX_COUNT}`;
  if (options.bysetpos != null && !whole(options.bysetpos, -366, 366, false))
    return 'BYSETPOS must be whole numbers from -366 to 366, not 0';
  if (options.bymonthday != null && !whole(options.bymonthday, -31, 31, false))
    return 'BYMONTHDAY must be whole numbers from -31 to 31, not 0';
  if (options.bymonth != null && !whole(options.bymonth, 1, 12)) return 'BYMONTH must be whole numbers from 1 to 12';
  if (options.until != null && Number.isNaN(new Date(options.until).getTime())) return 'UNTIL must be a date';
  if (options.count != null && options.until != null) return 'must not set both COUNT and UNTIL';
  if (options.byyearday != null || options.byweekno != null) return 'must not set BYYEARDAY or BYWEEKNO';
  const weekdays = weekdaysOf(options);
  if (weekdays.some((w) => w.weekday < 0 || w.weekday > 6 || (w.n != null && !whole(w.n, -5, 5, false))))
    return 'BYDAY must name weekdays (MO … SU), numbered from -5 to 5 in a month';
  if (weekdays.some((w) => w.n) && frequency !== 'MONTHLY')
    return 'may number a weekday (BYDAY=2TU) only when it repeats MONTHLY';
  if (weekdays.some((w) => w.n) && (weekdays.length > 1 || options.bysetpos != null))
    return 'may number only one weekday (BYDAY=2TU); for more, use BYDAY with BYSETPOS';
  // The library must take it as it will when expanding it.
  new RRule({ ...options, dtstart: new Date(Date.UTC(2026, 0, 1)) }).after(new Date(Date.UTC(2026, 0, 1)), true);
  return null;
}

type Weekday = { weekday: number; n?: number | undefined };
const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

function weekdaysOf(options: ParsedOptions): Weekday[] {
  const list =
    options.byweekday == null ? [] : Array.isArray(options.byweekday) ? options.byweekday : [options.byweekday];
  return list.map((w) =>
    typeof w === 'number'
      ? { weekday: w }
      : typeof w === 'string'
        ? { weekday: WEEKDAY_CODES.indexOf(w) }
        : { weekday: w.weekday, n: w.n },
  );
}

/**
 * The rule as ical-generator's repeating options, so the calendar writer formats it (UNTIL in
 * UTC beside a DTSTART with TZID, as RFC 5545 asks). A numbered weekday (BYDAY=1SU) becomes
 * BYDAY=SU;BYSETPOS=1, which means the same for the one weekday recurrenceProblem allows.
 */
export function icalRepeating(rrule: string) {
  const options = RRule.parseString(rrule);
  const weekdays = weekdaysOf(options);
  const list = <T>(value: T | T[] | null | undefined): T[] | undefined =>
    value == null ? undefined : Array.isArray(value) ? value : [value];
  const numbered = weekdays.find((w) => w.n);
  return {
    freq: RRule.FREQUENCIES[options.freq!] as 'DAILY' | 'WEEKLY' | 'MONTHLY',
    ...(options.interval && options.interval > 1 ? { interval: options.interval } : {}),
    ...(options.count != null ? { count: options.count } : {}),
    ...(options.until ? { until: options.until } : {}),
    ...(weekdays.length > 0 ? { byDay: weekdays.map((w) => WEEKDAY_CODES[w.weekday]!) } : {}),
    ...(numbered ? { bySetPos: [numbered.n!] } : list(options.bysetpos) ? { bySetPos: list(options.bysetpos) } : {}),
    ...(list(options.bymonthday) ? { byMonthDay: list(options.bymonthday) } : {}),
    ...(list(options.bymonth) ? { byMonth: list(options.bymonth) } : {}),
  };
}

/** The instant of a wall-clock time in a zone ("2026-12-13T02:00"); a skipped hour moves forward. */
export function zonedInstant(local: string, timeZone: string): Date {
  return DateTime.fromISO(local, { zone: timeZone }).toJSDate();
}

/** The wall-clock time of an instant in a zone, as a Luxon DateTime in that zone. */
export function inZone(instant: Date, timeZone: string): DateTime {
  return DateTime.fromJSDate(instant, { zone: timeZone });
}

const floating = (local: DateTime) =>
  new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));

const fromFloating = (date: Date, timeZone: string) =>
  DateTime.fromObject(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
    },
    { zone: timeZone },
  ).toJSDate();

function ruleOf(series: SeriesRule) {
  const options = RRule.parseString(series.rrule);
  // The wall time as written, even one the zone skips on the first day (Luxon would move it).
  const start = DateTime.fromISO(series.startsAtLocal, { zone: 'UTC' });
  // UNTIL is an instant (…Z): compared in floating time, it is its wall-clock time in the zone.
  const until = options.until ? floating(inZone(options.until, series.timeZone)) : null;
  return new RRule({ ...options, dtstart: floating(start), until, tzid: null });
}

// Zones are at most 14 hours from UTC: a floating window this much wider holds every instant asked for.
const ZONE_SLACK_MS = 15 * 60 * 60_000;

/** The rule starts of the occurrences that start in [from, to), in order (at most `limit`). */
export function occurrencesBetween(series: SeriesRule, from: Date, to: Date, limit = 500): Date[] {
  const rule = ruleOf(series);
  const found: Date[] = [];
  rule.between(new Date(from.getTime() - ZONE_SLACK_MS), new Date(to.getTime() + ZONE_SLACK_MS), true, (date) => {
    const instant = fromFloating(date, series.timeZone);
    if (instant >= from && instant < to) found.push(instant);
    return found.length < limit;
  });
  return found;
}

/** The first occurrence starting at or after `from`, or null when the series has ended. */
export function nextOccurrence(series: SeriesRule, from: Date): Date | null {
  const rule = ruleOf(series);
  let after = new Date(from.getTime() - ZONE_SLACK_MS);
  // A few steps at most: the floating search starts up to 15 hours early.
  for (let i = 0; i < 64; i++) {
    const date = rule.after(after, false);
    if (!date) return null;
    const instant = fromFloating(date, series.timeZone);
    if (instant >= from) return instant;
    after = date;
  }
  return null;
}

/** The last occurrence's start when the series ends (COUNT or UNTIL), null when it never does. */
export function lastOccurrence(series: SeriesRule): Date | null {
  const rule = ruleOf(series);
  if (rule.options.count == null && rule.options.until == null) return null;
  const all = rule.all((_, index) => index < MAX_COUNT);
  const last = all.at(-1);
  return last ? fromFloating(last, series.timeZone) : null;
}

/** "Every week on Sunday", from the rule, in English (for the admin). */
export function describeRecurrence(rrule: string): string {
  try {
    const text = RRule.fromString(rrule).toText();
    return text.charAt(0).toUpperCase() + text.slice(1);
  } catch {
    return rrule;
  }
}

/** The repeats the admin form offers, each drawn from the first window's start. */
export const REPEAT_CHOICES = ['daily', 'weekly', 'biweekly', 'monthly_weekday', 'monthly_day'] as const;
export type RepeatChoice = (typeof REPEAT_CHOICES)[number];

/** The labels of REPEAT_CHOICES for a start ("Weekly on Sunday", "Monthly on the second Tuesday"). */
export function repeatChoiceLabels(startsAtLocal: string | null): Record<RepeatChoice, string> {
  const start = startsAtLocal && LOCAL_TIME.test(startsAtLocal) ? DateTime.fromISO(startsAtLocal) : null;
  const weekday = start ? start.setLocale('en').toFormat('cccc') : 'the start’s weekday';
  const nth = start ? ordinalWeek(start.day) : null;
  const nthWord = nth === -1 ? 'last' : (['first', 'second', 'third', 'fourth'][(nth ?? 1) - 1] ?? 'first');
  return {
    daily: 'Every day',
    weekly: `Weekly on ${weekday}`,
    biweekly: `Every two weeks on ${weekday}`,
    monthly_weekday: start ? `Monthly on the ${nthWord} ${weekday}` : 'Monthly on the same weekday of the month',
    monthly_day: start ? `Monthly on day ${start.day}` : 'Monthly on the same day of the month',
  };
}

/** Which week of the month a day falls in: 1 to 4, or -1 for a fifth (the last). */
const ordinalWeek = (day: number) => {
  const n = Math.ceil(day / 7);
  return n >= 5 ? -1 : n;
};

/**
 * The RRULE of a form's choice for a first start given as wall-clock time, ending (when
 * `untilDate`, "2027-06-30", is given) after the last occurrence on that day in the zone.
 */
export function ruleOfChoice(
  choice: RepeatChoice,
  startsAtLocal: string,
  timeZone: string,
  untilDate: string | null,
): string {
  const start = DateTime.fromISO(startsAtLocal);
  const weekday = [RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA, RRule.SU][start.weekday - 1]!;
  const until = untilDate ? DateTime.fromISO(`${untilDate}T23:59:59`, { zone: timeZone }).toUTC().toJSDate() : null;
  const options = {
    daily: { freq: RRule.DAILY },
    weekly: { freq: RRule.WEEKLY, byweekday: [weekday] },
    biweekly: { freq: RRule.WEEKLY, interval: 2, byweekday: [weekday] },
    monthly_weekday: { freq: RRule.MONTHLY, byweekday: [weekday.nth(ordinalWeek(start.day))] },
    monthly_day: { freq: RRule.MONTHLY, bymonthday: [start.day] },
  }[choice];
  // The library writes the rule; only its RRULE value is kept (DTSTART is the series' own).
  return RRule.optionsToString({ ...options, ...(until ? { until } : {}) }).replace(/^RRULE:/, '');
}
