import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/process.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// Recurring maintenance from the admin's forms: "Schedule maintenance" with a Repeat makes a
// series; its page lists the next occurrences to skip or move, and deletes the series.

describe('recurring maintenance in the admin', () => {
  let site: TestSite;
  let cookie = '';
  let editor: ReturnType<typeof api>;
  let componentId = '';
  const clock = new Date('2027-03-10T12:00:00Z');

  const page = async (path: string) => (await fetch(`${site.url}${path}`, { headers: { cookie } })).text();
  const submit = (path: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields))
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    return fetch(`${site.url}${path}`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
      redirect: 'manual',
    });
  };
  const schedule = (extra: Record<string, string>) =>
    submit('/admin/maintenances/new', {
      intent: 'publish',
      name: 'Patching',
      body: 'Patching from {{start_time}} to {{end_time}} on {{components}}.',
      scheduled_for: '2027-03-14T02:00',
      scheduled_until: '2027-03-14T03:30',
      component_ids: componentId,
      scheduled_auto_in_progress: 'on',
      scheduled_auto_completed: 'on',
      deliver_notifications: 'on',
      announce_days: '10',
      ...extra,
    });

  beforeAll(async () => {
    site = await startTestSite('pglite', { now: () => clock });
    await site.publisher.publishAll();
    await addUser(site, 'lead@example.com', 'editor');
    cookie = await signIn(site.url, 'lead@example.com');
    editor = api(site, (await addToken(site, 'editor')).token);
    componentId = (await editor.post('/components', { name: 'Database' })).body.id;
  });
  afterAll(() => site.close());

  it('offers repeats named from the start, and refuses a bad custom rule beside its field', async () => {
    const form = await page('/admin/maintenances/new');
    expect(form).toMatch(/<option value=""[^>]*>Does not repeat<\/option>/);
    const refused = await schedule({ repeat: 'custom', rrule: 'FREQ=HOURLY' });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain('must repeat DAILY, WEEKLY or MONTHLY');
    // What was typed is kept; the weekly choice is named from the start typed (a Sunday).
    expect(html).toContain('value="FREQ=HOURLY"');
    expect(html).toContain('Weekly on Sunday');
    expect((await editor.get('/maintenance-series')).body).toEqual([]);
  });

  it('makes a weekly series whose occurrences are scheduled with their own times, then skips, moves and deletes', async () => {
    const made = await schedule({ repeat: 'weekly', repeat_until: '2027-04-30' });
    expect(made.status).toBe(303);
    const [series] = (await editor.get('/maintenance-series')).body;
    expect(made.headers.get('location')).toBe(`/admin/maintenances/recurring?notice=published#series-${series.id}`);
    expect(series.rrule).toBe('FREQ=WEEKLY;BYDAY=SU;UNTIL=20270430T235959Z');
    expect(series.duration_minutes).toBe(90);
    const detail = (await editor.get(`/maintenance-series/${series.id}`)).body;
    // Within 10 days: 14 March only (21 March is 11 days ahead). Its text has its own times.
    expect(detail.occurrences.map((o: { occurrence: string }) => o.occurrence)).toEqual(['2027-03-14T02:00:00.000Z']);
    const first = (await editor.get(`/incidents/${detail.occurrences[0].incident_id}`)).body;
    expect(first.incident_updates[0].body).toBe(
      'Patching from Mar 14, 2027, 02:00 UTC to Mar 14, 2027, 03:30 UTC on Database.',
    );
    expect(first).toMatchObject({
      series_id: series.id,
      occurrence_start: '2027-03-14T02:00:00.000Z',
      detached: false,
    });

    const list = await page('/admin/maintenances/recurring');
    expect(list).toContain('Every week on Sunday until April 30, 2027 at 02:00 (Etc/UTC), for 1 h 30 min');
    expect(list).toContain('2027-03-21T02:00:00.000Z');

    const skipped = await submit('/admin/maintenances/recurring', {
      intent: 'skip',
      id: series.id,
      occurrence: '2027-03-21T02:00:00.000Z',
    });
    expect(skipped.status).toBe(303);
    expect((await editor.get(`/maintenance-series/${series.id}`)).body.skipped).toEqual(['2027-03-21T02:00:00.000Z']);

    const badMove = await submit('/admin/maintenances/recurring', {
      intent: 'move',
      id: series.id,
      occurrence: '2027-03-28T02:00:00.000Z',
      scheduled_for: '2027-03-28T05:00',
      scheduled_until: '2027-03-28T04:00',
    });
    expect(badMove.status).toBe(422);
    const moveHtml = await badMove.text();
    expect(moveHtml).toContain('Not moved:');
    expect(moveHtml).toContain('value="2027-03-28T05:00"');
    const moved = await submit('/admin/maintenances/recurring', {
      intent: 'move',
      id: series.id,
      occurrence: '2027-03-28T02:00:00.000Z',
      scheduled_for: '2027-03-28T05:00',
      scheduled_until: '2027-03-28T06:00',
    });
    expect(moved.status).toBe(303);
    const occurrences = (await editor.get(`/maintenance-series/${series.id}`)).body.occurrences;
    expect(occurrences.at(-1)).toMatchObject({
      occurrence: '2027-03-28T02:00:00.000Z',
      scheduled_for: '2027-03-28T05:00:00.000Z',
      detached: true,
    });
    // A window not started yet "starts" at its new time (the history and the lists order by it).
    expect((await editor.get(`/incidents/${occurrences.at(-1).incident_id}`)).body.started_at).toBe(
      '2027-03-28T05:00:00.000Z',
    );

    expect((await submit('/admin/maintenances/recurring', { intent: 'delete', id: series.id })).status).toBe(303);
    expect((await editor.get('/maintenance-series')).body).toEqual([]);
    expect(await page('/admin/maintenances/recurring')).toContain('No recurring maintenance.');
  });
});
