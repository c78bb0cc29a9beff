import ical, {
  ICalEventRepeatingFreq,
  ICalEventStatus,
  ICalWeekday,
  type ICalCalendar,
  type ICalRepeatingOptions,
} from 'ical-generator';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { renderTemplate } from './templates.ts';
import { localeFor } from './i18n/translator.ts';
import { markdownToText } from './markdown.ts';
import { incidentUrl, withSlash } from './site-url.ts';
import { icalRepeating, inZone, nextOccurrence, zonedInstant, type SeriesView } from './recurrence.ts';
import { publicComponents, type ComponentView, type IncidentView, type Snapshot } from './snapshot.ts';

// The maintenance calendar (RFC 5545), published as /maintenance.ics, one per component and
// one per window, so people can see planned work beside their own. Written by ical-generator.
// Everything in it comes from the snapshot, so a publish writes the same bytes for the same
// data: DTSTAMP is the window's last change, not the time of the publish.

export const CALENDAR_CONTENT_TYPE = 'text/calendar; charset=utf-8';

/**
 * The IANA name calendars know a zone by (US/Eastern is America/New_York) and its VTIMEZONE,
 * from timezones-ical-library; null for a zone it does not know.
 */
export function calendarZone(zone: string): { tzid: string; block: string } | null {
  const found = tzlib_get_ical_block(zone);
  if (!Array.isArray(found) || !found[0] || typeof found[1] !== 'string') return null;
  return { tzid: found[1].replace(/^TZID=/, ''), block: found[0] };
}

/** Windows that ended longer ago than this are left out. */
const PAST_DAYS = 90;

const sinceOf = (snapshot: Snapshot) => snapshot.now.getTime() - PAST_DAYS * 86_400_000;

/**
 * The one-off maintenance windows a calendar lists: those not ended more than 90 days before
 * the snapshot, in start order. Occurrences of a recurring window are its series' (see calendarSeries).
 */
export function calendarWindows(snapshot: Snapshot, component?: ComponentView): IncidentView[] {
  const since = sinceOf(snapshot);
  const series = new Set(snapshot.series.map((s) => s.id));
  return snapshot.incidents
    .filter(
      (i) =>
        i.kind === 'maintenance' &&
        i.scheduledFor !== null &&
        i.scheduledUntil !== null &&
        i.scheduledUntil.getTime() >= since &&
        !(i.seriesId !== null && series.has(i.seriesId)) &&
        (!component || i.componentIds.includes(component.id)),
    )
    .sort((a, b) => a.scheduledFor!.getTime() - b.scheduledFor!.getTime() || a.id.localeCompare(b.id));
}

/** The recurring windows a calendar lists: those with an occurrence in the last 90 days or to come. */
export function calendarSeries(snapshot: Snapshot, component?: ComponentView): SeriesView[] {
  const since = new Date(sinceOf(snapshot));
  return snapshot.series.filter(
    (s) => (!component || s.componentIds.includes(component.id)) && nextOccurrence(s, since) !== null,
  );
}

/**
 * A window's SEQUENCE: it must grow with every change to the window, and every change moves
 * its updated_at; the seconds since it was created do.
 */
const sequenceOf = (window: IncidentView) =>
  Math.max(0, Math.floor((window.updatedAt.getTime() - window.createdAt.getTime()) / 1000));

/** Completed without ever being in progress: Herald's way of cancelling a window ("completed" from "scheduled"). */
export const isCancelledWindow = (window: IncidentView) =>
  window.status === 'completed' && !window.updates.some((u) => u.status === 'in_progress');

/** The calendar of the page's maintenance, of one component's, or of one window (`only`). */
export function maintenanceCalendar(
  snapshot: Snapshot,
  options: { component?: ComponentView; only?: IncidentView } = {},
): string {
  const { page } = snapshot;
  const locale = localeFor(page.defaultLanguage, page.defaultLanguage);
  const host = new URL(withSlash(page.siteUrl)).host;
  const names = new Map(publicComponents(snapshot).map((c) => [c.id, c.name]));
  const calendar = ical({
    // The VTIMEZONE of each zone a recurring window names, from the IANA data.
    timezone: { name: null, generator: (zone) => calendarZone(zone)?.block ?? null },
    prodId: { company: 'Herald', product: 'Status page', language: 'EN' },
    name: options.component
      ? `${page.name}: ${options.component.name} — ${locale.t('index.maintenance')}`
      : `${page.name} — ${locale.t('index.maintenance')}`,
    url: withSlash(page.siteUrl),
  });
  const describe = (body: string | undefined, componentIds: readonly string[], url: string) => {
    const affected = componentIds.map((id) => names.get(id)).filter((name) => name !== undefined);
    return [
      body ? markdownToText(body) : '',
      affected.length > 0 ? `${locale.t('email.affected')}: ${affected.join(', ')}` : '',
      url,
    ]
      .filter((part) => part !== '')
      .join('\n\n');
  };
  const windows = options.only ? [options.only] : calendarWindows(snapshot, options.component);
  for (const window of windows) {
    if (!window.scheduledFor || !window.scheduledUntil) continue;
    const url = incidentUrl(page.siteUrl, window.id);
    const description = describe(window.updates[0]?.body, window.componentIds, url);
    calendar.createEvent({
      id: `${window.id}@${host}`,
      start: window.scheduledFor,
      end: window.scheduledUntil,
      summary: window.name,
      description,
      url,
      sequence: sequenceOf(window),
      stamp: window.updatedAt,
      created: window.createdAt,
      lastModified: window.updatedAt,
      // A calendar that has the window keeps it, marked cancelled, rather than losing it silently.
      status: isCancelledWindow(window) ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  if (!options.only)
    for (const series of calendarSeries(snapshot, options.component))
      addSeries(calendar, snapshot, series, { host, describe });
  return calendar.toString();
}

/**
 * A recurring window: one event with its RRULE in the series' time zone (DTSTART;TZID and the
 * zone's VTIMEZONE, so a weekly 02:00 stays 02:00 across daylight-saving changes), EXDATE for
 * each skipped occurrence, and an override (RECURRENCE-ID) for each occurrence moved on its own.
 */
function addSeries(
  calendar: ICalCalendar,
  snapshot: Snapshot,
  series: SeriesView,
  helpers: { host: string; describe: (body: string, componentIds: readonly string[], url: string) => string },
): void {
  // The zone by the name its VTIMEZONE carries; one the data does not know is written in UTC.
  const zone = calendarZone(series.timeZone)?.tzid ?? 'UTC';
  const start = inZone(zonedInstant(series.startsAtLocal, series.timeZone), zone);
  // {{start_time}} and {{end_time}} are each occurrence's: the series says its time of day.
  const times = {
    start_time: `${start.toFormat('HH:mm')} (${series.timeZone})`,
    end_time: `${start.plus({ minutes: series.durationMinutes }).toFormat('HH:mm')} (${series.timeZone})`,
  };
  const uid = `series-${series.id}@${helpers.host}`;
  const sequence = Math.max(0, Math.floor((series.updatedAt.getTime() - series.createdAt.getTime()) / 1000));
  const pageUrl = withSlash(snapshot.page.siteUrl);
  const { byDay, freq, ...rule } = icalRepeating(series.rrule);
  const repeating: ICalRepeatingOptions = {
    ...rule,
    freq: ICalEventRepeatingFreq[freq],
    ...(byDay ? { byDay: byDay.map((day) => ICalWeekday[day]) } : {}),
    ...(series.skipped.length > 0 ? { exclude: series.skipped.map((at) => inZone(new Date(at), zone)) } : {}),
  };
  calendar.createEvent({
    id: uid,
    start,
    end: start.plus({ minutes: series.durationMinutes }),
    timezone: zone,
    repeating,
    summary: renderTemplate(series.name, times),
    description: helpers.describe(renderTemplate(series.body, times), series.componentIds, pageUrl),
    url: pageUrl,
    sequence,
    stamp: series.updatedAt,
    created: series.createdAt,
    lastModified: series.updatedAt,
    status: ICalEventStatus.CONFIRMED,
  });
  // Occurrences that differ from the rule: moved on their own, or cancelled one by one (not skipped: those are EXDATEs).
  const moved = snapshot.incidents.filter(
    (i) =>
      i.seriesId === series.id &&
      i.occurrenceStart &&
      i.scheduledFor &&
      i.scheduledUntil &&
      (i.detached || (isCancelledWindow(i) && !series.skipped.includes(i.occurrenceStart.toISOString()))),
  );
  for (const occurrence of moved) {
    const url = incidentUrl(snapshot.page.siteUrl, occurrence.id);
    calendar.createEvent({
      id: uid,
      recurrenceId: inZone(occurrence.occurrenceStart!, zone),
      start: inZone(occurrence.scheduledFor!, zone),
      end: inZone(occurrence.scheduledUntil!, zone),
      timezone: zone,
      summary: occurrence.name,
      description: helpers.describe(occurrence.updates[0]?.body ?? series.body, occurrence.componentIds, url),
      url,
      sequence: Math.max(sequence, sequenceOf(occurrence)),
      stamp: occurrence.updatedAt,
      lastModified: occurrence.updatedAt,
      status: isCancelledWindow(occurrence) ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
}
