import { dayKeyAround, formatMonthShort } from './format.ts';
import { escapeHtml } from './markdown.ts';
import type { Locale } from './i18n/translator.ts';
import { describeDay, type UptimeDay } from './page-uptime.ts';
import { severityShade, type DayUptime } from './uptime.ts';
import type { ComponentStatus } from './vocabulary.ts';

// The 90 day bars of an uptime row as HTML (1,800 list items at 20 components, on the
// page every change re-renders first), and the 12-month calendar of /uptime/ (7,300 cells
// per language). Built as strings rather than through Astro's per-element rendering, and
// each day's markup kept with the day: past days are the same objects from one snapshot to
// the next (see page-uptime.ts), so a change publish only builds today's.
//
// Only a row's last day (today) is in the tab order: one tab stop per component, and the
// one day reachable by keyboard without JavaScript. /uptime.js moves that stop with the
// arrow keys, Home and End (a roving tabindex).
//
// On the index only today's bar carries its words: the other 89 days' words (incident
// names, durations, percentages: 9 of the index's 19 KB gzipped at 20 components) are in
// /uptime-days.json, which /uptime.js fetches when a visitor first points at, taps or
// focuses a bar. Without JavaScript the past days' words are on /uptime/, linked below.

export interface BarWords {
  /** Identifies the wording (the language): items are cached per day and per key. */
  key: string;
  /** The day in words (uptime, worst status, incidents): the colour is never all it says. */
  describe(day: UptimeDay): string;
  /** A month's mark over its calendar, e.g. "Nov". */
  monthMark(month: string): string;
  /** A month's name for screen readers, e.g. "November 2026". */
  monthLabel(month: string): string;
  /** What a day's date shows before and after its number, for the days of a month: ["Nov ", ", 2026"]. */
  dayAround(month: string): [before: string, after: string];
}

/** The page's words for its days in the locale's language. */
export function localeDayWords(locale: Locale): BarWords {
  return {
    key: locale.language,
    describe: (day) => describeDay(day, locale),
    monthMark: (month) => formatMonthShort(month, locale.language),
    monthLabel: (month) => locale.month(month),
    dayAround: (month) => dayKeyAround(month, locale.language),
  };
}

/** What a day's cell shows by colour; `data-status` carries it, for the stylesheet, themes and tests. */
export type DayCellStatus = 'no-data' | ComponentStatus;

export interface DayCell {
  status: DayCellStatus;
  /**
   * How long the worst status lasted: 1 (under an hour, lightest), 2 (under six hours), 3 (longer; every operational
   * and no-data day).
   */
  tint: 1 | 2 | 3;
}

/**
 * A day's cell, the same on the index's bars and /uptime/'s calendar. A day before the
 * component existed is "no-data", never operational: a month nobody measured must not
 * look like perfect uptime.
 */
export function dayCell(day: DayUptime): DayCell {
  return day.worst === null ? { status: 'no-data', tint: 3 } : { status: day.worst, tint: severityShade(day) };
}

/**
 * The cell's attributes: `data-status`, `t1` or `t2` for a lighter tint, and for the first
 * day of a calendar month the column of its weekday when not Monday's (c2 to c7).
 */
export function dayCellAttributes(day: DayUptime, column = 1): string {
  const { status, tint } = dayCell(day);
  const classes = [column > 1 ? `c${column}` : '', tint < 3 ? `t${tint}` : ''].filter(Boolean).join(' ');
  return ` data-status="${status}"${classes ? ` class="${classes}"` : ''}`;
}

const markup = new WeakMap<UptimeDay, Map<string, string>>();

function cached(day: UptimeDay, key: string, build: () => string): string {
  let byKey = markup.get(day);
  if (!byKey) markup.set(day, (byKey = new Map()));
  let html = byKey.get(key);
  if (html === undefined) byKey.set(key, (html = build()));
  return html;
}

// A calendar cell says nothing of its date: its month's list holds the words around the
// number (--before, --after) and starts a CSS counter that numbers the cells (screen readers
// read it with the rest), so a quiet month is thirty identical cells; thirty cells that
// differ only in a number would cost gzip more than the rest of the page.

const TAB_STOP = ' tabindex="0"';
const cssString = (text: string) => `'${text.replace(/[\\']/g, '\\$&').replace(/\n/g, '\\a ')}'`;
const counterReset = (day: string) => `counter-reset:d ${Number(day.slice(8)) - 1}`;

/** A day's date in words, e.g. "Nov 3, 2026". */
export function dayDate(day: string, words: BarWords): string {
  const [before, after] = words.dayAround(day.slice(0, 7));
  return `${before}${Number(day.slice(8))}${after}`;
}

/** A past day's bar: its colour alone; its words come from /uptime-days.json. */
function pastBar(day: UptimeDay): string {
  return cached(day, 'bar', () => `<li${dayCellAttributes(day)}></li>`);
}

/** Today's bar: the row's tab stop, with its date and words. */
function todayBar(day: UptimeDay, words: BarWords): string {
  return cached(
    day,
    `today ${words.key}`,
    () =>
      `<li${dayCellAttributes(day)}${TAB_STOP}><span><b>${escapeHtml(dayDate(day.day, words))}</b> ${escapeHtml(words.describe(day))}</span></li>`,
  );
}

/** Monday-first column of a day (1 to 7). */
const weekdayColumn = (day: string) => ((new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;

/** A calendar cell; a month's first names its weekday's column (c2 to c7), the others follow it. */
function calendarCell(day: UptimeDay, words: BarWords, first: boolean, tabStop: boolean): string {
  return cached(
    day,
    `cell ${words.key} ${first} ${tabStop}`,
    () =>
      `<li${dayCellAttributes(day, first ? weekdayColumn(day.day) : 1)}${tabStop ? TAB_STOP : ''}><span>${escapeHtml(words.describe(day))}</span></li>`,
  );
}

/** A month's list of days, from the first shown: its name, and the words around a day's number. */
function monthList(firstDay: string, words: BarWords): string {
  const month = firstDay.slice(0, 7);
  const [before, after] = words.dayAround(month);
  const style = `${firstDay.endsWith('-01') ? '' : `${counterReset(firstDay)};`}--before:${cssString(before)};--after:${cssString(after)}`;
  return `<ol aria-label="${escapeHtml(words.monthLabel(month))}" style="${escapeHtml(style)}">`;
}

/**
 * A component's calendar (days oldest first) as the items of its year list: an item per
 * month with its mark, and a list of its days labelled with the month's name. Every month
 * has the same grid of 7 columns and 6 weeks, however many of its days are shown.
 */
export function uptimeCalendar(days: readonly UptimeDay[], words: BarWords): string {
  let html = '';
  let month = '';
  days.forEach((day, i) => {
    const first = day.day.slice(0, 7) !== month;
    if (first) {
      if (month) html += '</ol></li>';
      month = day.day.slice(0, 7);
      html += `<li><span class="mark" aria-hidden="true">${escapeHtml(words.monthMark(month))}</span>${monthList(day.day, words)}`;
    }
    html += calendarCell(day, words, first, i === days.length - 1);
  });
  return month ? `${html}</ol></li>` : html;
}

/**
 * The `<li>` items of a row's bars, oldest first; the last (today) is the row's tab stop and alone carries its words.
 */
export function uptimeBarItems(days: readonly UptimeDay[], words: BarWords): string {
  let html = '';
  days.forEach((day, i) => {
    html += i === days.length - 1 ? todayBar(day, words) : pastBar(day);
  });
  return html;
}

/**
 * /uptime-days.json: every bar's words, for /uptime.js to show on hover, focus or tap.
 * `dates` are the days' dates in words, oldest first; `rows` the days' words per row (a
 * component's or a group's id, the `data-row` of its bars), aligned with `dates`.
 */
export interface UptimeDaysFile {
  dates: string[];
  rows: Record<string, string[]>;
}

export function uptimeDaysFile(
  dayKeys: readonly string[],
  rows: ReadonlyMap<string, readonly UptimeDay[]>,
  words: BarWords,
): UptimeDaysFile {
  const result: UptimeDaysFile = { dates: dayKeys.map((day) => dayDate(day, words)), rows: {} };
  for (const [id, days] of rows)
    result.rows[id] = days.map((day) => cached(day, `words ${words.key}`, () => words.describe(day)));
  return result;
}
