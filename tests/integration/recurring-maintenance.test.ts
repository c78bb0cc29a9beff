import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runScheduledTransitions } from '../../src/server/schedule/scheduled-transitions.ts';
import { addToken, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

// Recurring maintenance through the admin API, the scheduler's tick and the published site,
// with a clock the test moves: a weekly window at 02:00 in Berlin across the spring change of
// 2027 (28 March), skipped, moved and edited occurrences.

type Occurrence = { occurrence: string; incident_id: string; status: string; scheduled_for: string; detached: boolean };

describe.each(DRIVERS)('recurring maintenance on %s', (driver) => {
  let site: TestSite;
  let clock: Date;
  let editor: ReturnType<typeof api>;
  let componentId: string;
  let lastTick: Date | null;

  const tick = async (to: Date) => {
    clock = to;
    const result = await runScheduledTransitions(site.database.db, clock, lastTick);
    lastTick = clock;
    await site.publisher.publishAll();
    return result;
  };
  const series = async (id: string) => (await editor.get(`/maintenance-series/${id}`)).body;
  const occurrences = async (id: string): Promise<Occurrence[]> => (await series(id)).occurrences;
  const upcoming = async () =>
    (await (await fetch(`${site.url}/api/v2/scheduled-maintenances/upcoming.json`)).json()) as {
      scheduled_maintenances: Array<{ id: string; name: string; scheduled_for: string; scheduled_until: string }>;
    };

  beforeEach(async () => {
    clock = new Date('2027-03-10T12:00:00Z');
    lastTick = null;
    site = await startTestSite(driver, { now: () => clock });
    await site.publisher.publishAll();
    editor = api(site, (await addToken(site, 'editor')).token);
    componentId = (await editor.post('/components', { name: 'Database' })).body.id;
    // The page's time zone, which a series repeats in unless it names another.
    const admin = api(site, (await addToken(site, 'admin')).token);
    expect((await admin.patch('/page', { time_zone: 'Europe/Berlin' })).status).toBe(200);
  });
  afterEach(() => site.close());

  const createWeekly = async (extra: Record<string, unknown> = {}) => {
    const response = await editor.post('/maintenance-series', {
      name: 'Weekly database maintenance',
      body: 'Routine **patching**; short pauses possible.',
      component_ids: [componentId],
      rrule: 'FREQ=WEEKLY;BYDAY=SU',
      // 02:00 in Berlin (CET, UTC+1).
      starts_at: '2027-03-14T01:00:00Z',
      duration_minutes: 120,
      announce_days: 14,
      ...extra,
    });
    expect(response.status).toBe(201);
    return response.body as { id: string; next_occurrences: string[]; starts_at_local: string; time_zone: string };
  };

  it('announces each occurrence ahead like a one-off window, at 02:00 local across the DST change', async () => {
    const created = await createWeekly();
    expect(created.starts_at_local).toBe('2027-03-14T02:00');
    expect(created.time_zone).toBe('Europe/Berlin');
    // 02:00 CET, then 02:00 CEST from 28 March: one hour earlier in UTC.
    expect(created.next_occurrences.slice(0, 4)).toEqual([
      '2027-03-14T01:00:00.000Z',
      '2027-03-21T01:00:00.000Z',
      '2027-03-28T01:00:00.000Z', // 02:00 does not exist that night: 03:00 CEST
      '2027-04-04T00:00:00.000Z',
    ]);
    // Made at once: the occurrences within 14 days, as ordinary scheduled maintenances.
    expect((await occurrences(created.id)).map((o) => [o.occurrence, o.status])).toEqual([
      ['2027-03-14T01:00:00.000Z', 'scheduled'],
      ['2027-03-21T01:00:00.000Z', 'scheduled'],
    ]);
    const published = await upcoming();
    expect(published.scheduled_maintenances.map((m) => [m.name, m.scheduled_for])).toEqual([
      ['Weekly database maintenance', '2027-03-14T01:00:00.000Z'],
      ['Weekly database maintenance', '2027-03-21T01:00:00.000Z'],
    ]);

    // Time passes: each tick announces what comes within notice, and starts and completes windows.
    await tick(new Date('2027-03-14T01:00:30Z'));
    const [first] = await occurrences(created.id);
    expect(first!.status).toBe('in_progress');
    await tick(new Date('2027-03-14T03:00:30Z'));
    expect((await occurrences(created.id))[0]!.status).toBe('completed');
    // Announced 14 days ahead: the 28 March window at the tick after the first ended, 4 April's now.
    const later = await tick(new Date('2027-03-22T12:00:00Z'));
    expect(later.announced).toHaveLength(1);
    expect((await occurrences(created.id)).map((o) => o.scheduled_for)).toEqual([
      '2027-03-14T01:00:00.000Z',
      '2027-03-21T01:00:00.000Z',
      '2027-03-28T01:00:00.000Z',
      '2027-04-04T00:00:00.000Z',
    ]);
    // Ticking again makes nothing twice.
    expect((await tick(new Date('2027-03-22T12:01:00Z'))).announced).toEqual([]);
  });

  it('skips and moves one occurrence, and an edit of the series changes only those to come', async () => {
    const created = await createWeekly();
    const skip = await editor.post(`/maintenance-series/${created.id}/skip`, { occurrence: '2027-03-21T01:00:00Z' });
    expect(skip.status).toBe(200);
    expect(skip.body.skipped).toEqual(['2027-03-21T01:00:00.000Z']);
    const move = await editor.post(`/maintenance-series/${created.id}/move`, {
      occurrence: '2027-04-04T00:00:00Z',
      scheduled_for: '2027-04-03T22:00:00Z',
      scheduled_until: '2027-04-04T01:00:00Z',
    });
    expect(move.status).toBe(200);
    let made = await occurrences(created.id);
    expect(made.map((o) => [o.occurrence, o.status, o.detached])).toEqual([
      ['2027-03-14T01:00:00.000Z', 'scheduled', false],
      ['2027-03-21T01:00:00.000Z', 'completed', false], // skipped after it was announced: cancelled
      ['2027-04-04T00:00:00.000Z', 'scheduled', true],
    ]);
    // The skipped one is off the upcoming list; the moved one is at its own time.
    expect((await upcoming()).scheduled_maintenances.map((m) => m.scheduled_for)).toEqual([
      '2027-03-14T01:00:00.000Z',
      '2027-04-03T22:00:00.000Z',
    ]);

    // The first window is under way; then the series moves to Saturdays, 90 minutes.
    await tick(new Date('2027-03-14T01:30:00Z'));
    const edit = await editor.patch(`/maintenance-series/${created.id}`, {
      rrule: 'FREQ=WEEKLY;BYDAY=SA',
      starts_at: '2027-03-20T01:00:00Z',
      duration_minutes: 90,
      name: 'Saturday database maintenance',
    });
    expect(edit.status).toBe(200);
    made = await occurrences(created.id);
    const byStart = Object.fromEntries(made.map((o) => [o.occurrence, o]));
    // Started before the edit: untouched. Moved on its own: untouched.
    expect(byStart['2027-03-14T01:00:00.000Z']!.status).toBe('in_progress');
    expect(byStart['2027-04-04T00:00:00.000Z']!).toMatchObject({ status: 'scheduled', detached: true });
    // The new rule's occurrences within notice are made.
    expect(byStart['2027-03-20T01:00:00.000Z']!.status).toBe('scheduled');
    const names = (await upcoming()).scheduled_maintenances.map((m) => [m.name, m.scheduled_for, m.scheduled_until]);
    expect(names).toContainEqual([
      'Saturday database maintenance',
      '2027-03-20T01:00:00.000Z',
      '2027-03-20T02:30:00.000Z',
    ]);
    expect(names).toContainEqual([
      'Weekly database maintenance',
      '2027-04-03T22:00:00.000Z',
      '2027-04-04T01:00:00.000Z',
    ]);

    // Deleting the series cancels what is still to come; what happened stays.
    expect((await editor.delete(`/maintenance-series/${created.id}`)).status).toBe(204);
    expect((await upcoming()).scheduled_maintenances.map((m) => [m.name, m.scheduled_for])).toEqual([]);
    expect((await editor.get(`/incidents/${byStart['2027-03-14T01:00:00.000Z']!.incident_id}`)).body.status).toBe(
      'in_progress',
    );
  });

  it('publishes the series in the calendar: RRULE, TZID and VTIMEZONE, EXDATE and the moved occurrence', async () => {
    const created = await createWeekly();
    await editor.post(`/maintenance-series/${created.id}/skip`, { occurrence: '2027-03-21T01:00:00Z' });
    await editor.post(`/maintenance-series/${created.id}/move`, {
      occurrence: '2027-04-04T00:00:00Z',
      scheduled_for: '2027-04-04T02:00:00Z',
      scheduled_until: '2027-04-04T04:00:00Z',
    });
    const response = await fetch(`${site.url}/maintenance.ics`);
    expect(response.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('DTSTART;TZID=Europe/Berlin:20270314T020000');
    expect(text).toContain('RRULE:FREQ=WEEKLY;BYDAY=SU');
    expect(text).toContain('EXDATE;TZID=Europe/Berlin:20270321T020000');
    expect(text).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20270404T020000');
    const calendar = new ICAL.Component(ICAL.parse(text));
    const vtimezone = calendar.getFirstSubcomponent('vtimezone')!;
    expect(vtimezone.getFirstPropertyValue('tzid')).toBe('Europe/Berlin');
    // The occurrences are the series' and appear once: no separate event per made occurrence.
    const uids = calendar.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('uid'));
    expect(uids).toEqual([`series-${created.id}@status.example.com`, `series-${created.id}@status.example.com`]);
    // The component's calendar lists it too.
    expect(await (await fetch(`${site.url}/components/${componentId}/maintenance.ics`)).text()).toContain(
      'RRULE:FREQ=WEEKLY;BYDAY=SU',
    );
  });

  it('keeps making occurrences when a component of the series is deleted, and names zones canonically', async () => {
    const doomed = (await editor.post('/components', { name: 'Old database' })).body.id;
    const created = await createWeekly({ component_ids: [componentId, doomed], time_zone: 'Europe/Berlin' });
    const admin = api(site, (await addToken(site, 'admin')).token);
    expect((await admin.delete(`/components/${doomed}`)).status).toBe(204);
    const result = await tick(new Date('2027-03-22T12:00:00Z'));
    expect(result.jobErrors).toEqual([]);
    const made = await occurrences(created.id);
    expect(made.map((o) => o.occurrence)).toContain('2027-04-04T00:00:00.000Z');
    const latest = (await editor.get(`/incidents/${made.at(-1)!.incident_id}`)).body;
    expect(latest.component_ids).toEqual([componentId]);

    const aliased = await createWeekly({ name: 'Eastern', time_zone: 'US/Eastern' });
    expect((await series(aliased.id)).time_zone).toBe('America/New_York');
    const calendar = await (await fetch(`${site.url}/maintenance.ics`)).text();
    expect(calendar).toContain('DTSTART;TZID=America/New_York:');
    expect(calendar).toContain('TZID:America/New_York');
  });

  it('refuses bad input with the field and the reason, and changes nothing', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ rrule: 'FREQ=HOURLY' }, 'rrule', /DAILY, WEEKLY or MONTHLY/],
      [{ rrule: 'FREQ=WEEKLY;BYHOUR=3' }, 'rrule', /BYHOUR/],
      [{ rrule: 'NOT A RULE' }, 'rrule', /is not an RRULE/],
      [{ rrule: 'FREQ=WEEKLY;UNTIL=20270101T000000Z' }, 'rrule', /gives no occurrence/],
      [{ time_zone: 'Mars/Olympus' }, 'time_zone', /IANA time zone/],
      [{ duration_minutes: 0 }, 'duration_minutes', /at least 1 minute/],
      [{ announce_days: 0 }, 'announce_days', /at least 1 day/],
      [{ rrule: 'FREQ=WEEKLY;INTERVAL=abc' }, 'rrule', /INTERVAL must be a whole number/],
      [{ rrule: 'FREQ=WEEKLY;BYDAY=2TU' }, 'rrule', /only when it repeats MONTHLY/],
      [{ starts_at: 'tomorrow' }, 'starts_at', /ISO 8601/],
      [{ component_ids: ['zzzzzzzzzzzz'] }, 'component_ids.0', /no component/],
    ];
    for (const [change, field, message] of cases) {
      const response = await editor.post('/maintenance-series', {
        name: 'x',
        body: 'y',
        rrule: 'FREQ=WEEKLY;BYDAY=SU',
        starts_at: '2027-03-14T01:00:00Z',
        duration_minutes: 60,
        ...change,
      });
      expect(response.status, JSON.stringify(change)).toBe(422);
      expect(response.body.error.field).toBe(field);
      expect(response.body.error.message).toMatch(message);
    }
    expect((await editor.get('/maintenance-series')).body).toEqual([]);

    const created = await createWeekly();
    const notOne = await editor.post(`/maintenance-series/${created.id}/skip`, { occurrence: '2027-03-15T01:00:00Z' });
    expect(notOne.status).toBe(422);
    expect(notOne.body.error.field).toBe('occurrence');
    await tick(new Date('2027-03-14T01:30:00Z'));
    const started = await editor.post(`/maintenance-series/${created.id}/skip`, { occurrence: '2027-03-14T01:00:00Z' });
    expect(started.status).toBe(409);
    expect(started.body.error.message).toMatch(/in progress already/);
    expect((await editor.get('/maintenance-series/zzzzzzzzzzzz')).status).toBe(404);
  });
});
