import { escapeHtml } from './markdown.ts';
import type { Locale } from './i18n/translator.ts';
import { describeDay, type CalendarMonth, type UptimeDay } from './page-uptime.ts';
import { severityShade } from './uptime.ts';

// The 90 day bars of an uptime row as HTML (1,800 list items at 20 components, on the
// page every change re-renders first), and the cells of the 12-month calendar (7,300 per
// language). Built as strings rather than through Astro's per-element rendering, and each
// day's markup kept with the day: past days are the same objects from one snapshot to the
// next (see page-uptime.ts), so a change publish only builds today's.

export interface BarWords {
  /** Identifies the wording (the language): items are cached per day and per key. */
  key: string;
  /** The day's date as shown, e.g. "Nov 21, 2026". */
  dayLabel(day: string): string;
  /** The day in words (uptime, worst status, incidents): the colour is never all it says. */
  describe(day: UptimeDay): string;
}

/** The page's words for its days in the locale's language. */
export function localeDayWords(locale: Locale): BarWords {
  return { key: locale.language, dayLabel: (day) => locale.day(day), describe: (day) => describeDay(day, locale) };
}

const markup = new WeakMap<UptimeDay, Map<string, string>>();

function cached(day: UptimeDay, key: string, build: () => string): string {
  let byKey = markup.get(day);
  if (!byKey) markup.set(day, (byKey = new Map()));
  let html = byKey.get(key);
  if (html === undefined) byKey.set(key, (html = build()));
  return html;
}

function dayClass(day: UptimeDay): string {
  const shade = severityShade(day);
  return `d-${day.worst ?? 'none'}${shade < 3 ? ` s${shade}` : ''}`;
}

const dayWords = (day: UptimeDay, words: BarWords) => `<span><b>${escapeHtml(words.dayLabel(day.day))}</b> ${escapeHtml(words.describe(day))}</span>`;

function barItem(day: UptimeDay, words: BarWords): string {
  return cached(day, `bar ${words.key}`, () => `<li tabindex="0" class="${dayClass(day)}">${dayWords(day, words)}</li>`);
}

function calendarCell(day: UptimeDay, words: BarWords): string {
  return cached(day, `cell ${words.key}`, () => `<td tabindex="0" class="${dayClass(day)}">${Number(day.day.slice(8))}${dayWords(day, words)}</td>`);
}

/** The rows of a calendar month's table body: a cell per day, empty cells for padding. */
export function uptimeCalendarRows(weeks: CalendarMonth['weeks'], words: BarWords): string {
  let html = '';
  for (const week of weeks) html += `<tr>${week.map((day) => (day ? calendarCell(day, words) : '<td></td>')).join('')}</tr>`;
  return html;
}

/** The `<li>` items of a row's bars, oldest first. */
export function uptimeBarItems(days: readonly UptimeDay[], words: BarWords): string {
  let html = '';
  for (const day of days) html += barItem(day, words);
  return html;
}
