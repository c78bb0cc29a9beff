import { dayKey, lastDays, monthKey } from './format.ts';
import { startOfDay } from './uptime.ts';
import type { IncidentView, Snapshot } from './snapshot.ts';

export const MONTHS_PER_HISTORY_PAGE = 3;

export interface DayOfIncidents {
  day: string;
  incidents: IncidentView[];
}

export interface MonthOfIncidents {
  month: string;
  incidents: IncidentView[];
}

export interface HistoryPage {
  page: number;
  pageCount: number;
  months: MonthOfIncidents[];
}

/** Past events: incidents, and maintenances that have started. */
function isPastEvent(incident: IncidentView): boolean {
  return incident.kind === 'incident' || incident.status !== 'scheduled';
}

const cache = new WeakMap<Snapshot, Map<string, IncidentView[]>>();

interface MonthSpan {
  month: string;
  /** Its first instant and the next month's, in epoch ms. */
  from: number;
  to: number;
}

// Finding local midnights takes several time-zone lookups: each month's bounds are worked out once.
const monthSpans = new Map<string, MonthSpan>();

/** The local calendar month a date falls in, with its bounds. */
function monthSpan(date: Date, timeZone: string): MonthSpan {
  const month = monthKey(date, timeZone);
  const key = `${timeZone} ${month}`;
  let span = monthSpans.get(key);
  if (!span) {
    const [year, number] = month.split('-').map(Number) as [number, number];
    const next = number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
    span = {
      month,
      from: startOfDay(`${month}-01`, timeZone).getTime(),
      to: startOfDay(`${next}-01`, timeZone).getTime(),
    };
    monthSpans.set(key, span);
  }
  return span;
}

/**
 * Events by the month they started in (page time zone), computed once per snapshot. A
 * change publish asks for every snapshot: incidents come newest first, so instead of
 * formatting 10,000 dates this compares each to the current month's bounds.
 */
function eventsByMonth(snapshot: Snapshot): Map<string, IncidentView[]> {
  let months = cache.get(snapshot);
  if (!months) {
    months = new Map();
    let span: MonthSpan = { month: '', from: 0, to: 0 };
    for (const incident of snapshot.incidents) {
      if (!isPastEvent(incident)) continue;
      const at = incident.startedAt.getTime();
      if (at < span.from || at >= span.to) span = monthSpan(incident.startedAt, snapshot.page.timeZone);
      const list = months.get(span.month);
      if (list) list.push(incident);
      else months.set(span.month, [incident]);
    }
    cache.set(snapshot, months);
  }
  return months;
}

/** The last `count` days, newest first, each with the events that started on it. */
export function recentDays(snapshot: Snapshot, count = 14): DayOfIncidents[] {
  const days = lastDays(snapshot.now, snapshot.page.timeZone, count);
  const wanted = new Set(days);
  const byDay = new Map<string, IncidentView[]>(days.map((d) => [d, []]));
  // Formatting a day in a time zone is costly; skip what is plainly older (a day of margin for zones).
  const earliest = snapshot.now.getTime() - (count + 1) * 86_400_000;
  // Incidents come newest first: past the earliest day, none of the rest can be recent.
  for (const incident of snapshot.incidents) {
    if (incident.startedAt.getTime() < earliest) break;
    if (!isPastEvent(incident)) continue;
    const key = dayKey(incident.startedAt, snapshot.page.timeZone);
    if (wanted.has(key)) byDay.get(key)?.push(incident);
  }
  return days.map((day) => ({ day, incidents: byDay.get(day) ?? [] }));
}

/** Months from the current one back to the oldest event, newest first, every month present. */
function historyMonths(snapshot: Snapshot): string[] {
  const months = [...eventsByMonth(snapshot).keys()].sort();
  const thisMonth = monthKey(snapshot.now, snapshot.page.timeZone);
  // A maintenance already running may have been scheduled to start in a later month.
  const newest = months.at(-1) ?? thisMonth;
  const current = newest > thisMonth ? newest : thisMonth;
  const oldest = months[0] ?? current;
  const list: string[] = [];
  let [year, month] = current.split('-').map(Number) as [number, number];
  for (let key = current; key >= oldest;) {
    list.push(key);
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
    key = `${year}-${String(month).padStart(2, '0')}`;
  }
  return list;
}

export function historyPageCount(snapshot: Snapshot): number {
  return Math.max(1, Math.ceil(historyMonths(snapshot).length / MONTHS_PER_HISTORY_PAGE));
}

/** One page of history, `page` counted from 1; null past the last page. */
export function historyPage(snapshot: Snapshot, page: number): HistoryPage | null {
  const months = historyMonths(snapshot);
  const pageCount = Math.max(1, Math.ceil(months.length / MONTHS_PER_HISTORY_PAGE));
  if (!Number.isInteger(page) || page < 1 || page > pageCount) return null;
  const byMonth = eventsByMonth(snapshot);
  const slice = months.slice((page - 1) * MONTHS_PER_HISTORY_PAGE, page * MONTHS_PER_HISTORY_PAGE);
  return { page, pageCount, months: slice.map((month) => ({ month, incidents: byMonth.get(month) ?? [] })) };
}

/** The history page that lists a month, for incremental publishing. */
export function historyPageOfMonth(snapshot: Snapshot, month: string): number {
  const index = historyMonths(snapshot).indexOf(month);
  return index < 0 ? 1 : Math.floor(index / MONTHS_PER_HISTORY_PAGE) + 1;
}
