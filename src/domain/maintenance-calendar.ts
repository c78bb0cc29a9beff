import ical, { ICalEventStatus } from 'ical-generator';
import { localeFor } from './i18n/translator.ts';
import { markdownToText } from './markdown.ts';
import { incidentUrl, withSlash } from './site-url.ts';
import { publicComponents, type ComponentView, type IncidentView, type Snapshot } from './snapshot.ts';

// The maintenance calendar (RFC 5545), published as /maintenance.ics, one per component and
// one per window, so people can see planned work beside their own. Written by ical-generator.
// Everything in it comes from the snapshot, so a publish writes the same bytes for the same
// data: DTSTAMP is the window's last change, not the time of the publish.

export const CALENDAR_CONTENT_TYPE = 'text/calendar; charset=utf-8';

/** Windows that ended longer ago than this are left out. */
const PAST_DAYS = 90;

/** The maintenance windows a calendar lists: those not ended more than 90 days before the snapshot, in start order. */
export function calendarWindows(snapshot: Snapshot, component?: ComponentView): IncidentView[] {
  const since = snapshot.now.getTime() - PAST_DAYS * 86_400_000;
  return snapshot.incidents
    .filter(
      (i) =>
        i.kind === 'maintenance' &&
        i.scheduledFor !== null &&
        i.scheduledUntil !== null &&
        i.scheduledUntil.getTime() >= since &&
        (!component || i.componentIds.includes(component.id)),
    )
    .sort((a, b) => a.scheduledFor!.getTime() - b.scheduledFor!.getTime() || a.id.localeCompare(b.id));
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
    prodId: { company: 'Herald', product: 'Status page', language: 'EN' },
    name: options.component
      ? `${page.name}: ${options.component.name} — ${locale.t('index.maintenance')}`
      : `${page.name} — ${locale.t('index.maintenance')}`,
    url: withSlash(page.siteUrl),
  });
  const windows = options.only ? [options.only] : calendarWindows(snapshot, options.component);
  for (const window of windows) {
    if (!window.scheduledFor || !window.scheduledUntil) continue;
    const url = incidentUrl(page.siteUrl, window.id);
    const latest = window.updates[0];
    const affected = window.componentIds.map((id) => names.get(id)).filter((name) => name !== undefined);
    const description = [
      latest ? markdownToText(latest.body) : '',
      affected.length > 0 ? `${locale.t('email.affected')}: ${affected.join(', ')}` : '',
      url,
    ]
      .filter((part) => part !== '')
      .join('\n\n');
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
  return calendar.toString();
}
