import { dayKey, lastDays, zonedLocalToUtc } from './format.ts';
import { worstComponentStatus } from './status-rollup.ts';
import type { ComponentStatus } from './vocabulary.ts';

// Uptime from a component's status history, per calendar day of the page's time zone.
// A day runs from local midnight to local midnight (23, 24 or 25 hours around DST);
// today counts only up to `now`. Downtime is weighted by status: a major outage counts
// fully, a partial outage by `partialOutageWeight` (0.3 by default, like Instatus),
// degraded performance and maintenance not at all. Time before a component existed is
// not counted at all: such days are "no data", never 100%.

export const DEFAULT_PARTIAL_OUTAGE_WEIGHT = 0.3;

/** One entry of a component's status history: from `changedAt` on, it had `status`. */
export interface StatusChange {
  status: ComponentStatus;
  changedAt: Date;
}

export interface ComponentHistory {
  /** Oldest first. The first entry may lie before the window: it gives the status the window starts in. */
  changes: readonly StatusChange[];
  /**
   * When the component came into being (its start date); nothing before counts. Defaults
   * to its first change. Between `since` and the first change it is taken as operational.
   */
  since?: Date | null;
}

export interface UptimeOptions {
  timeZone: string;
  now: Date;
  /** How many days, ending with today. */
  days: number;
  partialOutageWeight?: number;
}

export interface DaySpan {
  /** "2026-03-29" in the page's time zone. */
  day: string;
  start: Date;
  /** The next local midnight. */
  end: Date;
}

export interface DayUptime {
  day: string;
  /** Time counted: the part of the day the component existed, up to now. 0 = no data. */
  observedMs: number;
  /** Milliseconds spent in each status that the day saw. */
  durations: Partial<Record<ComponentStatus, number>>;
  /** Weighted outage time. */
  downtimeMs: number;
  /** The worst status held for any time that day; null = no data. */
  worst: ComponentStatus | null;
  /** 0 to 100; null = no data. */
  uptime: number | null;
}

const HOUR = 3_600_000;

/**
 * The first instant of a local calendar day. Where midnight itself is skipped by a DST
 * change (some zones jump from 23:59 to 01:00), the day starts at the jump.
 */
export function startOfDay(day: string, timeZone: string): Date {
  return zonedLocalToUtc(`${day}T00:00`, timeZone)!;
}

/** "2026-03-29" -> "2026-03-30". */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) + 24 * HOUR).toISOString().slice(0, 10);
}

// Finding local midnights takes several time-zone lookups per day, and every publish of a
// day asks for the same ones: remembered per zone, day and count (a few entries).
const spanCache = new Map<string, DaySpan[]>();

/** The last `count` local days up to today, oldest first, with their bounds. */
export function daySpans(now: Date, timeZone: string, count: number): DaySpan[] {
  const key = `${timeZone}|${dayKey(now, timeZone)}|${count}`;
  let spans = spanCache.get(key);
  if (!spans) {
    if (spanCache.size >= 16) spanCache.clear();
    spans = computeDaySpans(now, timeZone, count);
    spanCache.set(key, spans);
  }
  return spans;
}

function computeDaySpans(now: Date, timeZone: string, count: number): DaySpan[] {
  const days = lastDays(now, timeZone, count).reverse();
  const starts = days.map((day) => startOfDay(day, timeZone));
  const last = days.at(-1);
  const after = last === undefined ? null : startOfDay(nextDay(last), timeZone);
  return days.map((day, i) => ({ day, start: starts[i]!, end: starts[i + 1] ?? after! }));
}

function downtimeOf(durations: Partial<Record<ComponentStatus, number>>, partialWeight: number): number {
  return (durations.major_outage ?? 0) + partialWeight * (durations.partial_outage ?? 0);
}

const noData = (day: string): DayUptime => ({
  day,
  observedMs: 0,
  durations: {},
  downtimeMs: 0,
  worst: null,
  uptime: null,
});

/** Uptime per day over the given spans (oldest first), from one component's history. */
export function dailyUptimeOver(
  history: ComponentHistory,
  spans: readonly DaySpan[],
  now: Date,
  partialOutageWeight = DEFAULT_PARTIAL_OUTAGE_WEIGHT,
): DayUptime[] {
  const { changes } = history;
  const begin = history.since ?? changes[0]?.changedAt ?? null;
  if (begin === null) return spans.map((s) => noData(s.day));
  let next = 0;
  // Before the first recorded change (when the start date is earlier) nothing was reported: operational.
  let status: ComponentStatus = 'operational';
  return spans.map(({ day, start, end }) => {
    const from = Math.max(start.getTime(), begin.getTime());
    const to = Math.min(end.getTime(), now.getTime());
    if (to <= from) return noData(day);
    while (next < changes.length && changes[next]!.changedAt.getTime() <= from) status = changes[next++]!.status;
    const durations: Partial<Record<ComponentStatus, number>> = {};
    const add = (s: ComponentStatus, ms: number) => {
      if (ms > 0) durations[s] = (durations[s] ?? 0) + ms;
    };
    let cursor = from;
    while (next < changes.length && changes[next]!.changedAt.getTime() < to) {
      const change = changes[next++]!;
      add(status, change.changedAt.getTime() - cursor);
      cursor = change.changedAt.getTime();
      status = change.status;
    }
    add(status, to - cursor);
    const observedMs = to - from;
    const downtimeMs = downtimeOf(durations, partialOutageWeight);
    const worst = worstComponentStatus(Object.keys(durations) as ComponentStatus[]);
    return { day, observedMs, durations, downtimeMs, worst, uptime: 100 * (1 - downtimeMs / observedMs) };
  });
}

/** Uptime per local day for the last `options.days` days, oldest first. */
export function dailyUptime(history: ComponentHistory, options: UptimeOptions): DayUptime[] {
  return dailyUptimeOver(
    history,
    daySpans(options.now, options.timeZone, options.days),
    options.now,
    options.partialOutageWeight,
  );
}

/**
 * Uptime over the last `count` days (all when omitted) that have data, weighted by the
 * time counted each day, so a partial first day weighs only as much as it lasted. Null
 * when no day has data.
 */
export function uptimePercent(days: readonly DayUptime[], count = days.length): number | null {
  let observed = 0;
  let down = 0;
  for (const day of days.slice(Math.max(0, days.length - count))) {
    observed += day.observedMs;
    down += day.downtimeMs;
  }
  return observed === 0 ? null : 100 * (1 - down / observed);
}

/**
 * A group's days from its members' (same spans): the day shows the worst member status,
 * with the longest time any member spent in each status; its uptime is the average of
 * the members that had data that day.
 */
export function groupDays(members: ReadonlyArray<readonly DayUptime[]>): DayUptime[] {
  const length = Math.max(0, ...members.map((m) => m.length));
  const days: DayUptime[] = [];
  for (let i = 0; i < length; i++) {
    const present = members.map((m) => m[i]).filter((d): d is DayUptime => d !== undefined && d.worst !== null);
    const day = members.find((m) => m[i])?.[i]?.day ?? '';
    if (present.length === 0) {
      days.push(noData(day));
      continue;
    }
    const durations: Partial<Record<ComponentStatus, number>> = {};
    for (const d of present) {
      for (const [s, ms] of Object.entries(d.durations) as Array<[ComponentStatus, number]>)
        durations[s] = Math.max(durations[s] ?? 0, ms);
    }
    const mean = (pick: (d: DayUptime) => number) => present.reduce((sum, d) => sum + pick(d), 0) / present.length;
    days.push({
      day,
      observedMs: Math.max(...present.map((d) => d.observedMs)),
      durations,
      downtimeMs: mean((d) => d.downtimeMs),
      worst: worstComponentStatus(present.map((d) => d.worst!)),
      uptime: mean((d) => d.uptime!),
    });
  }
  return days;
}

/** A group's uptime over the last `count` days: the average of its members' that have data. */
export function groupUptimePercent(members: ReadonlyArray<readonly DayUptime[]>, count?: number): number | null {
  const values = members.map((m) => uptimePercent(m, count)).filter((v): v is number => v !== null);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * How long the day's worst status lasted, as a shade from 1 (under an hour) to 3 (six
 * hours or more): a ten-minute blip must not look like a day-long outage.
 */
export function severityShade(day: DayUptime): 1 | 2 | 3 {
  if (day.worst === null || day.worst === 'operational') return 3;
  const ms = day.durations[day.worst] ?? 0;
  return ms < HOUR ? 1 : ms < 6 * HOUR ? 2 : 3;
}

/** "99.95%": rounded down, so any downtime at all never reads as 100%. */
/** "99.95%", or `noData` (the page's words for it) when there is nothing to measure. */
export function formatUptime(percent: number | null, noData = 'no data'): string {
  if (percent === null) return noData;
  const floored = Math.floor(percent * 100 + 1e-9) / 100;
  return `${floored.toFixed(2).replace(/\.?0+$/, '')}%`;
}

/** "2 h 5 min", "45 min", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ');
}
