import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staffMessages } from '../../src/db/schema.ts';
import { runScheduledTransitions } from '../../src/server/schedule/scheduled-transitions.ts';
import { signIn } from '../helpers/process.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// Incident roles: an incident manager who owns the incident and a communications lead who keeps
// the audiences told; the overdue reminders go to the lead first, then to the manager too.

const MINUTE = 60_000;

describe.each(DRIVERS)('incident roles on %s', (driver) => {
  let site: TestSite;
  let clock: Date;
  let editor: ReturnType<typeof api>;
  let manager: string;
  let lead: string;

  beforeEach(async () => {
    clock = new Date('2026-12-07T10:00:00Z');
    site = await startTestSite(driver, { now: () => clock });
    await site.publisher.publishAll();
    editor = api(site, (await addToken(site, 'editor')).token);
    manager = (await addUser(site, 'manager@example.com', 'editor')).id;
    lead = (await addUser(site, 'lead@example.com', 'editor')).id;
  });
  afterEach(() => site.close());

  const remindedTo = async () =>
    (await site.database.db.select().from(staffMessages).where(eq(staffMessages.kind, 'overdue_reminder')))
      .map((m) => m.to)
      .sort();

  it('sets the roles through the API, refuses unknown users, and reminds the lead first, then the manager too', async () => {
    const unknown = await editor.post('/incidents', { name: 'x', body: 'y', incident_manager_id: 'zzzzzzzzzzzz' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.field).toBe('incident_manager_id');
    const created = await editor.post('/incidents', {
      name: 'Checkout errors',
      body: 'Looking.',
      next_update_in_minutes: 15,
      incident_manager_id: manager,
      communications_lead_id: lead,
    });
    expect(created.body).toMatchObject({ incident_manager_id: manager, communications_lead_id: lead });

    clock = new Date(clock.getTime() + 16 * MINUTE);
    await runScheduledTransitions(site.database.db, clock, null);
    expect(await remindedTo()).toEqual(['lead@example.com']);
    clock = new Date(clock.getTime() + 31 * MINUTE);
    await runScheduledTransitions(site.database.db, clock, null);
    expect(await remindedTo()).toEqual(['lead@example.com', 'lead@example.com', 'manager@example.com']);

    const cleared = await editor.patch(`/incidents/${created.body.id}`, { communications_lead_id: null });
    expect(cleared.body).toMatchObject({ incident_manager_id: manager, communications_lead_id: null });
  });

  it('shows and sets the roles on the admin incident page and the dashboard', async () => {
    const cookie = await signIn(site.url, 'lead@example.com');
    const created = (await editor.post('/incidents', { name: 'Slow search', body: 'Looking.', severity: 'sev2' })).body;
    const saved = await fetch(`${site.url}/admin/incidents/${created.id}/`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        intent: 'roles',
        version: String(created.version),
        incident_manager_id: manager,
        communications_lead_id: lead,
      }).toString(),
      redirect: 'manual',
    });
    expect(saved.status).toBe(303);
    expect((await editor.get(`/incidents/${created.id}`)).body).toMatchObject({
      incident_manager_id: manager,
      communications_lead_id: lead,
    });
    const pageHtml = await (await fetch(`${site.url}/admin/incidents/${created.id}/`, { headers: { cookie } })).text();
    expect(pageHtml).toContain('Incident manager: manager');
    expect(pageHtml).toContain('Severity (internal)');
    const dashboard = await (await fetch(`${site.url}/admin/`, { headers: { cookie } })).text();
    expect(dashboard).toMatch(/Incident manager: manager[\s\S]*Communications lead: lead/);
    // Set when opening it, on the new incident form.
    const opened = await fetch(`${site.url}/admin/incidents/new`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        intent: 'publish',
        name: 'Login errors',
        status: 'investigating',
        body: 'Looking.',
        next_update_in_minutes: '30',
        incident_manager_id: manager,
        communications_lead_id: '',
      }).toString(),
      redirect: 'manual',
    });
    expect(opened.status).toBe(303);
    const openedId = /\/admin\/incidents\/([0-9a-z]{12})\//.exec(opened.headers.get('location') ?? '')![1]!;
    expect((await editor.get(`/incidents/${openedId}`)).body).toMatchObject({
      incident_manager_id: manager,
      communications_lead_id: null,
    });
    // A stale form (an older version) is refused, and says so.
    const stale = await fetch(`${site.url}/admin/incidents/${created.id}/`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        intent: 'roles',
        version: String(created.version),
        incident_manager_id: '',
      }).toString(),
      redirect: 'manual',
    });
    expect(stale.status).toBe(409);
  });
});
