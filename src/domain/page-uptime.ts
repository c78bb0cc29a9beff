import { dayKey } from './format.ts';
import { groupComponents, type ComponentView, type IncidentView, type Snapshot } from './snapshot.ts';
import {
  dailyUptimeOver,
  daySpans,
  formatDuration,
  formatUptime,
  groupDays,
  groupUptimePercent,
  startOfDay,
  uptimePercent,
  type DaySpan,
  type DayUptime,
  type StatusChange,
} from './uptime.ts';
import { localeFor, type Locale } from './i18n/translator.ts';

// The uptime rows the public pages show, worked out once per snapshot from its status
// history: a row per listed component that showcases uptime, and one per group (from
// the members shown).

export const UPTIME_BAR_DAYS = 90;

export interface EventRef {
  id: string;
  name: string;
}

export interface UptimeDay extends DayUptime {
  /** Incidents and maintenances under way that day. */
  events: readonly EventRef[];
}

export interface UptimeRow {
  days: UptimeDay[];
  last30: number | null;
  /** Over every day of the row. */
  whole: number | null;
}

export interface PageUptime {
  spans: DaySpan[];
  components: Map<string, UptimeRow>;
  groups: Map<string, UptimeRow>;
}

/**
 * When a component's data begins. A start date given as a calendar date (stored as UTC
 * midnight) means that local day from its first hour; otherwise the instant itself.
 */
function existenceStart(component: ComponentView, timeZone: string): Date | null {
  const start = component.startDate;
  if (!start) return null;
  const iso = start.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? startOfDay(iso.slice(0, 10), timeZone) : start;
}

/** Index of the span holding `t`, or -1 / spans.length outside. */
function spanIndex(spans: readonly DaySpan[], t: number): number {
  if (spans.length === 0 || t < spans[0]!.start.getTime()) return -1;
  let low = 0;
  let high = spans.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (spans[middle]!.start.getTime() <= t) low = middle;
    else high = middle - 1;
  }
  return t < spans[low]!.end.getTime() ? low : spans.length;
}

const isUnderWay = (i: IncidentView) => i.kind === 'incident' || i.status !== 'scheduled';

/**
 * Whether an incident (before and after a change; undefined when it did not or no longer
 * exists) shows the same in uptime: the same days, components and name. When every changed
 * incident does and the status history is the same, the uptime calendar needs no re-render.
 */
export function sameUptimeEvents(before: IncidentView | undefined, after: IncidentView | undefined): boolean {
  if (!before || !after) return before === after;
  return (
    before.name === after.name &&
    isUnderWay(before) === isUnderWay(after) &&
    before.startedAt.getTime() === after.startedAt.getTime() &&
    (before.resolvedAt?.getTime() ?? null) === (after.resolvedAt?.getTime() ?? null) &&
    before.componentIds.length === after.componentIds.length &&
    before.componentIds.every((id) => after.componentIds.includes(id))
  );
}

/** The components whose uptime the pages show: listed (not hidden) and showcasing it. */
const showcasedComponents = (snapshot: Snapshot) =>
  groupComponents(snapshot)
    .flatMap((e) => e.components)
    .filter((c) => c.showcase);

/**
 * Whether today's uptime figures stand still as the clock moves: every component the pages
 * show uptime for has been operational all day so far. A day with any other status in it
 * works out its share up to now, so its figures (and the 30-day and 12-month ones) change
 * with every publish.
 */
export function todayStandsStill(snapshot: Snapshot): boolean {
  const todayStart = startOfDay(dayKey(snapshot.now, snapshot.page.timeZone), snapshot.page.timeZone).getTime();
  return showcasedComponents(snapshot).every((component) => {
    if (component.status !== 'operational') return false;
    const changes = snapshot.statusChanges[component.id] ?? NO_CHANGES;
    // Newest first: the changes made today, then the one in effect when the day began.
    for (let i = changes.length - 1; i >= 0; i--) {
      if (changes[i]!.status !== 'operational') return false;
      if (changes[i]!.changedAt.getTime() <= todayStart) break;
    }
    return true;
  });
}

/** Events per component per day index (no list: none): those under way (started, not yet closed) that day. */
function eventsByDay(
  snapshot: Snapshot,
  spans: readonly DaySpan[],
  shown: ReadonlySet<string>,
): Map<string, Array<EventRef[] | undefined>> {
  const result = new Map<string, Array<EventRef[] | undefined>>();
  if (spans.length === 0) return result;
  const first = spans[0]!.start.getTime();
  const now = snapshot.now.getTime();
  for (const incident of snapshot.incidents) {
    if (!isUnderWay(incident)) continue;
    const end = Math.min(incident.resolvedAt?.getTime() ?? now, now);
    if (end < first || incident.startedAt.getTime() > now) continue;
    const from = Math.max(0, spanIndex(spans, incident.startedAt.getTime()));
    const to = Math.min(spans.length - 1, spanIndex(spans, end));
    const ref: EventRef = { id: incident.id, name: incident.name };
    for (const componentId of incident.componentIds) {
      if (!shown.has(componentId)) continue;
      let days = result.get(componentId);
      if (!days) result.set(componentId, (days = new Array<EventRef[] | undefined>(spans.length)));
      for (let d = from; d <= to; d++) (days[d] ??= []).push(ref);
    }
  }
  // Oldest first within a day, as the incidents happened.
  for (const days of result.values()) for (const list of days) list?.reverse();
  return result;
}

interface AllDays {
  spans: DaySpan[];
  components: Map<string, UptimeDay[]>;
  /** Each group's members with data, and the group's own days. */
  groups: Map<string, { members: UptimeDay[][]; days: UptimeDay[] }>;
}

// The index shows 90 days and /uptime/ 12 months. Each window is worked out once per
// snapshot; a change publish renders the index at once and /uptime/ just after, so the
// index does not pay for the longer window.
const allDays = new WeakMap<Snapshot, AllDays>();
const rows = new WeakMap<Snapshot, Map<number, PageUptime>>();

/** Uptime rows for the last `dayCount` days (oldest first), computed once per snapshot. */
export function pageUptime(snapshot: Snapshot, dayCount = UPTIME_BAR_DAYS): PageUptime {
  let bySize = rows.get(snapshot);
  if (!bySize) rows.set(snapshot, (bySize = new Map()));
  let result = bySize.get(dayCount);
  if (!result) {
    let all = allDays.get(snapshot);
    if (!all || all.spans.length < dayCount) {
      all = computeAllDays(snapshot, dayCount);
      allDays.set(snapshot, all);
    }
    const tail = <T>(list: readonly T[]) => list.slice(Math.max(0, list.length - dayCount));
    const components = new Map<string, UptimeRow>();
    for (const [id, days] of all.components) {
      const shown = tail(days);
      components.set(id, { days: shown, last30: uptimePercent(shown, 30), whole: uptimePercent(shown) });
    }
    const groups = new Map<string, UptimeRow>();
    for (const [id, { members, days }] of all.groups) {
      const shown = members.map(tail);
      groups.set(id, { days: tail(days), last30: groupUptimePercent(shown, 30), whole: groupUptimePercent(shown) });
    }
    bySize.set(dayCount, (result = { spans: tail(all.spans), components, groups }));
  }
  return result;
}

// A full day before today reads the same until the component's status history changes,
// and a change publish keeps the history lists of untouched components (see
// loadStatusHistory), so past days are computed once per list and window and shared by
// every later snapshot; only today (which grows with the clock) is worked out each time.
// Shared day objects are what lets their rendering be cached too (see uptime-bars.ts).
const NO_CHANGES: readonly StatusChange[] = Object.freeze([]);
/** A day without events; shared, so frozen. */
const NO_EVENTS: readonly EventRef[] = Object.freeze([]);
/** Per history list, per window length: the newest window only (a new day replaces it, so nothing piles up). */
const pastDaysMemo = new WeakMap<readonly StatusChange[], Map<number, { key: string; days: DayUptime[] }>>();
const withEventsMemo = new WeakMap<DayUptime, Map<string, UptimeDay>>();

function componentDays(
  changes: readonly StatusChange[],
  since: Date | null,
  spans: readonly DaySpan[],
  now: Date,
  weight: number,
): DayUptime[] {
  const history = { changes: changes as StatusChange[], since };
  // The time zone is not in the key: changing it publishes everything from freshly read lists.
  const key = `${spans[0]?.day}|${since?.getTime() ?? ''}|${weight}`;
  let byWindow = pastDaysMemo.get(changes);
  if (!byWindow) pastDaysMemo.set(changes, (byWindow = new Map()));
  let past = byWindow.get(spans.length);
  if (past?.key !== key)
    byWindow.set(spans.length, (past = { key, days: dailyUptimeOver(history, spans.slice(0, -1), now, weight) }));
  return [...past.days, ...dailyUptimeOver(history, spans.slice(-1), now, weight)];
}

/** The day with its events; the same object for the same day and events, snapshot after snapshot. */
function withEvents(day: DayUptime, events: readonly EventRef[]): UptimeDay {
  const key = events.length === 0 ? '' : events.map((e) => `${e.id}\u0000${e.name}`).join('\u0001');
  let byEvents = withEventsMemo.get(day);
  if (!byEvents) withEventsMemo.set(day, (byEvents = new Map()));
  let result = byEvents.get(key);
  if (!result) byEvents.set(key, (result = { ...day, events }));
  return result;
}

function computeAllDays(snapshot: Snapshot, dayCount: number): AllDays {
  const tz = snapshot.page.timeZone;
  const spans = daySpans(snapshot.now, tz, dayCount);
  const entries = groupComponents(snapshot);
  const showcased = showcasedComponents(snapshot);
  const events = eventsByDay(snapshot, spans, new Set(showcased.map((c) => c.id)));
  const components = new Map<string, UptimeDay[]>();
  for (const component of showcased) {
    const days = componentDays(
      snapshot.statusChanges[component.id] ?? NO_CHANGES,
      existenceStart(component, tz),
      spans,
      snapshot.now,
      snapshot.page.partialOutageWeight,
    );
    const eventDays = events.get(component.id);
    components.set(
      component.id,
      days.map((d, i) => withEvents(d, eventDays?.[i] ?? NO_EVENTS)),
    );
  }
  const groups = new Map<string, { members: UptimeDay[][]; days: UptimeDay[] }>();
  for (const { group, components: listed } of entries) {
    const members = listed.map((c) => components.get(c.id)).filter((d): d is UptimeDay[] => d !== undefined);
    if (!group || members.length === 0) continue;
    groups.set(group.id, { members, days: groupRowDays(`${group.id}|${dayCount}`, members) });
  }
  return { spans, components, groups };
}

/** The last group days worked out, per group and window: a day whose members' days are the very same is reused. */
const previousGroupDays = new Map<string, { members: UptimeDay[][]; days: UptimeDay[] }>();

function groupRowDays(key: string, members: UptimeDay[][]): UptimeDay[] {
  const previous = previousGroupDays.get(key);
  const length = Math.max(0, ...members.map((m) => m.length));
  const days: UptimeDay[] = [];
  for (let i = 0; i < length; i++) {
    const unchanged =
      previous !== undefined &&
      previous.members.length === members.length &&
      members.every((m, j) => previous.members[j]![i] === m[i]);
    if (unchanged && previous.days[i]) {
      days.push(previous.days[i]!);
      continue;
    }
    const [day] = groupDays(members.map((m) => m.slice(i, i + 1)));
    const seen = new Map<string, EventRef>();
    for (const member of members) for (const e of member[i]?.events ?? []) seen.set(e.id, e);
    days.push({ ...day!, events: [...seen.values()] });
  }
  previousGroupDays.set(key, { members, days });
  return days;
}

/** Days from the first of the month eleven months ago through today: a 12-month calendar. */
export function calendarDayCount(now: Date, timeZone: string): number {
  const today = dayKey(now, timeZone);
  const [year, month] = today.split('-').map(Number) as [number, number];
  const firstMonth = new Date(Date.UTC(year, month - 1 - 11, 1));
  return Math.round((Date.parse(`${today}T00:00:00Z`) - firstMonth.getTime()) / 86_400_000) + 1;
}

/** What a day's bar or calendar cell says in words: the status is never told by colour alone. */
export function describeDay(day: UptimeDay, locale: Locale = localeFor('en', 'en')): string {
  const { t } = locale;
  if (day.worst === null) return t('uptime.dayNoData');
  const parts = [t('uptime.dayUptime', { uptime: formatUptime(day.uptime) })];
  if (day.worst !== 'operational')
    parts.push(
      t('uptime.dayStatusFor', {
        status: locale.componentStatus(day.worst),
        duration: durationIn(day.durations[day.worst] ?? 0, locale),
      }),
    );
  parts.push(
    day.events.length === 0
      ? t('uptime.dayNoIncidents')
      : t('uptime.dayEvents', { names: day.events.map((e) => e.name).join(t('uptime.eventSeparator')) }),
  );
  // Chinese sentences end in "。" and follow one another without a space.
  return parts.join(locale.language === 'en' ? ' ' : '');
}

/** "1 h 44 min" (as formatDuration), in the language. */
function durationIn(ms: number, locale: Locale): string {
  if (locale.language === 'en') return formatDuration(ms);
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return locale.t('uptime.underAMinute');
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h ? locale.t('uptime.hours', { count: h }) : '', m ? locale.t('uptime.minutes', { count: m }) : '']
    .filter(Boolean)
    .join(' ');
}
