import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarWindows, maintenanceCalendar } from '../../src/domain/maintenance-calendar.ts';
import {
  makeComponent,
  makeIncident,
  makeMaintenance,
  makeSnapshot,
  makeUpdate,
  minutesAfter,
  minutesBefore,
  NOW,
} from './fixtures.ts';

// The calendar is read back by an independent parser (ical.js), field by field.

const DAY = 24 * 60;
const api = makeComponent({ id: 'api', name: 'Public API' });
const db = makeComponent({ id: 'db', name: 'Database' });

const upcoming = makeMaintenance({
  id: 'mupcoming',
  name: 'Database upgrade',
  componentIds: ['db', 'api'],
  scheduledFor: minutesAfter(NOW, 2 * DAY),
  scheduledUntil: minutesAfter(NOW, 2 * DAY + 120),
  createdAt: minutesBefore(NOW, 60),
  updatedAt: minutesBefore(NOW, 30),
  updates: [
    makeUpdate({
      id: 'u1',
      incidentId: 'mupcoming',
      status: 'scheduled',
      body: 'We will **upgrade** the database.\n\nExpect <script>alert(1)</script> short pauses; commas, semicolons; and\\ backslashes.',
    }),
  ],
});
const recent = makeMaintenance({
  id: 'mrecent',
  name: 'Network work',
  status: 'completed',
  componentIds: ['api'],
  scheduledFor: minutesBefore(NOW, 30 * DAY),
  scheduledUntil: minutesBefore(NOW, 30 * DAY - 60),
  updates: [
    makeUpdate({ id: 'r3', incidentId: 'mrecent', status: 'completed', body: 'Done.' }),
    makeUpdate({ id: 'r2', incidentId: 'mrecent', status: 'in_progress', body: 'Started.' }),
  ],
});
const old = makeMaintenance({
  id: 'mold',
  status: 'completed',
  scheduledFor: minutesBefore(NOW, 120 * DAY),
  scheduledUntil: minutesBefore(NOW, 120 * DAY - 60),
});
const incident = makeIncident({ id: 'inc1', name: 'Errors' });
const snapshot = makeSnapshot({ components: [api, db], incidents: [upcoming, incident, recent, old] });

const eventsOf = (text: string) =>
  new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent));

describe('maintenance calendar', () => {
  it('lists every maintenance window of the last 90 days and the future, in start order, and no incident', () => {
    expect(calendarWindows(snapshot).map((w) => w.id)).toEqual(['mrecent', 'mupcoming']);
    expect(calendarWindows(snapshot, db).map((w) => w.id)).toEqual(['mupcoming']);
  });

  it('parses as RFC 5545, with each window field by field', () => {
    const text = maintenanceCalendar(snapshot);
    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(String(calendar.getFirstPropertyValue('prodid'))).toContain('Herald');
    expect(String(calendar.getFirstPropertyValue('x-wr-calname'))).toBe('Acme Status — Scheduled maintenance');
    const events = eventsOf(text);
    expect(events.map((e) => e.summary)).toEqual(['Network work', 'Database upgrade']);
    const event = events[1]!;
    expect(event.uid).toBe('mupcoming@status.example.com');
    expect(event.startDate.toJSDate().toISOString()).toBe(upcoming.scheduledFor!.toISOString());
    expect(event.endDate.toJSDate().toISOString()).toBe(upcoming.scheduledUntil!.toISOString());
    expect(event.sequence).toBe(30 * 60);
    expect(event.component.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(String(event.component.getFirstPropertyValue('url'))).toBe(
      'https://status.example.com/incidents/mupcoming/',
    );
    // Markdown as plain text, hostile characters kept as text, the components and the link.
    expect(event.description).toContain('We will upgrade the database.');
    expect(event.description).toContain('commas, semicolons; and\\ backslashes.');
    expect(event.description).not.toContain('**');
    expect(event.description).toContain('Affected components: Database, Public API');
    expect(event.description).toContain('https://status.example.com/incidents/mupcoming/');
    // Everything comes from the data: the same snapshot gives the same bytes.
    const stamp = event.component.getFirstPropertyValue('dtstamp') as ICAL.Time;
    expect(stamp.toJSDate().toISOString()).toBe(upcoming.updatedAt.toISOString());
    expect(maintenanceCalendar(snapshot)).toBe(text);
  });

  it('raises SEQUENCE with every change to a window and keeps its UID', () => {
    const later = { ...upcoming, updatedAt: minutesAfter(upcoming.updatedAt, 5), name: 'Database upgrade (moved)' };
    const [before] = eventsOf(maintenanceCalendar(snapshot, { only: upcoming }));
    const [after] = eventsOf(
      maintenanceCalendar(makeSnapshot({ components: [api, db], incidents: [later] }), { only: later }),
    );
    expect(after!.uid).toBe(before!.uid);
    expect(after!.sequence).toBeGreaterThan(before!.sequence);
  });

  it("writes one component's windows and one window alone", () => {
    const forDb = maintenanceCalendar(snapshot, { component: db });
    expect(eventsOf(forDb).map((e) => e.uid)).toEqual(['mupcoming@status.example.com']);
    expect(forDb).toContain('Acme Status: Database');
    expect(eventsOf(maintenanceCalendar(snapshot, { only: recent })).map((e) => e.summary)).toEqual(['Network work']);
  });

  it('keeps a cancelled window (completed without starting), marked CANCELLED', () => {
    const cancelled = {
      ...upcoming,
      status: 'completed' as const,
      updatedAt: minutesAfter(upcoming.updatedAt, 1),
      updates: [
        makeUpdate({ id: 'c2', incidentId: 'mupcoming', status: 'completed', body: 'Cancelled.' }),
        ...upcoming.updates,
      ],
    };
    const text = maintenanceCalendar(makeSnapshot({ components: [api, db], incidents: [cancelled, recent] }));
    const status = Object.fromEntries(
      eventsOf(text).map((e) => [e.summary, e.component.getFirstPropertyValue('status')]),
    );
    expect(status).toEqual({ 'Database upgrade': 'CANCELLED', 'Network work': 'CONFIRMED' });
  });

  it("names the calendar in the page's default language", () => {
    const zh = makeSnapshot({ page: { defaultLanguage: 'zh-TW' }, components: [api, db], incidents: [upcoming] });
    const calendar = new ICAL.Component(ICAL.parse(maintenanceCalendar(zh)));
    expect(String(calendar.getFirstPropertyValue('x-wr-calname'))).toContain('排定');
  });
});
