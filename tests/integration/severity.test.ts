import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/process.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// Severity levels: four by default, editable in the settings; a level's defaults fill only what
// a request leaves out, its cadence keeps promising updates, and the public never sees it.

const MINUTE = 60_000;

describe.each(DRIVERS)('severity on %s', (driver) => {
  let site: TestSite;
  let clock: Date;
  let admin: ReturnType<typeof api>;
  let editor: ReturnType<typeof api>;
  let componentId: string;

  beforeEach(async () => {
    clock = new Date('2026-12-07T10:00:00Z');
    site = await startTestSite(driver, { now: () => clock });
    await site.publisher.publishAll();
    admin = api(site, (await addToken(site, 'admin')).token);
    editor = api(site, (await addToken(site, 'editor')).token);
    componentId = (await admin.post('/components', { name: 'API' })).body.id;
  });
  afterEach(() => site.close());

  it('has four levels by default, each editable, and refuses a bad one by its field', async () => {
    const levels = (await admin.get('/page')).body.severity_levels;
    expect(
      levels.map((l: { key: string; default_impact: string; update_cadence_minutes: number }) => [
        l.key,
        l.default_impact,
        l.update_cadence_minutes,
      ]),
    ).toEqual([
      ['sev1', 'critical', 30],
      ['sev2', 'major', 60],
      ['sev3', 'minor', 120],
      ['sev4', 'none', 240],
    ]);
    expect(levels[0].definition).toMatch(/customer-facing service is down for all customers/);
    const edited = await admin.patch('/page', {
      severity_levels: [
        {
          key: 'sev2',
          name: 'P2',
          definition: 'Some customers hurt.',
          default_impact: 'minor',
          update_cadence_minutes: 45,
          notify_by_default: false,
        },
      ],
    });
    expect(edited.status).toBe(200);
    expect(edited.body.severity_levels[1]).toMatchObject({ key: 'sev2', name: 'P2', update_cadence_minutes: 45 });
    // The others keep theirs.
    expect(edited.body.severity_levels[0].name).toBe('SEV1 Critical');
    const bad = await admin.patch('/page', {
      severity_levels: [
        {
          key: 'sev9',
          name: 'x',
          definition: 'y',
          default_impact: 'none',
          update_cadence_minutes: 30,
          notify_by_default: true,
        },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('severity_levels.0.key');
  });

  it("fills what a request leaves out from the level, and keeps the level's cadence on updates", async () => {
    const sev1 = await editor.post('/incidents', {
      name: 'Everything is down',
      body: 'Investigating.',
      severity: 'sev1',
      components: { [componentId]: 'major_outage' },
    });
    expect(sev1.status).toBe(201);
    expect(sev1.body).toMatchObject({ severity: 'sev1', impact: 'critical' });
    expect(new Date(sev1.body.next_update_due_at).getTime()).toBe(clock.getTime() + 30 * MINUTE);

    // What the request says wins over the level.
    const said = await editor.post('/incidents', {
      name: 'Slow',
      body: 'Looking.',
      severity: 'sev1',
      impact_override: 'minor',
      next_update_in_minutes: 90,
    });
    expect(said.body).toMatchObject({ impact: 'minor' });
    expect(new Date(said.body.next_update_due_at).getTime()).toBe(clock.getTime() + 90 * MINUTE);

    clock = new Date(clock.getTime() + 10 * MINUTE);
    const update = await editor.post(`/incidents/${sev1.body.id}/updates`, { status: 'identified', body: 'Found it.' });
    expect(new Date(update.body.next_update_due_at).getTime()).toBe(clock.getTime() + 30 * MINUTE);
    const resolved = await editor.post(`/incidents/${sev1.body.id}/updates`, { status: 'resolved', body: 'Fixed.' });
    expect(resolved.body.next_update_due_at).toBeNull();

    // Without a severity, nothing changes: no promise, the impact from the components.
    const plain = await editor.post('/incidents', {
      name: 'Plain',
      body: 'x',
      components: { [componentId]: 'degraded_performance' },
    });
    expect(plain.body).toMatchObject({ severity: null, impact: 'minor', next_update_due_at: null });
  });

  it('does not notify subscribers for a level that says so, unless the request does', async () => {
    const quiet = await editor.post('/incidents', { name: 'Internal only', body: 'x', severity: 'sev4' });
    expect(quiet.body.incident_updates[0].deliver_notifications).toBe(false);
    const told = await editor.post('/incidents', {
      name: 'Told',
      body: 'x',
      severity: 'sev4',
      deliver_notifications: true,
    });
    expect(told.body.incident_updates[0].deliver_notifications).toBe(true);
    const major = await editor.post('/incidents', { name: 'Major', body: 'x', severity: 'sev2' });
    expect(major.body.incident_updates[0].deliver_notifications).toBe(true);
  });

  it('is internal: echoed by the admin API, changed with PATCH, never in the public outputs', async () => {
    const created = await editor.post('/incidents', { name: 'Checkout errors', body: 'x', severity: 'sev2' });
    const patched = await editor.patch(`/incidents/${created.body.id}`, { severity: 'sev3' });
    expect(patched.body.severity).toBe('sev3');
    expect((await editor.patch(`/incidents/${created.body.id}`, { severity: null })).body.severity).toBeNull();
    await editor.patch(`/incidents/${created.body.id}`, { severity: 'sev1' });
    for (const path of [
      '/api/v2/summary.json',
      '/api/v2/incidents.json',
      `/incidents/${created.body.id}/`,
      '/history.rss',
      '/widget.json',
    ])
      expect(await (await fetch(`${site.url}${path}`)).text(), path).not.toMatch(/sev1|SEV1/);
    expect((await editor.patch(`/incidents/${created.body.id}`, { severity: 'sev5' })).status).toBe(422);
  });

  it('is chosen on the new incident form, with the definitions beside it; an empty next update takes the cadence', async () => {
    await addUser(site, 'lead@example.com', 'editor');
    const cookie = await signIn(site.url, 'lead@example.com');
    const form = await (await fetch(`${site.url}/admin/incidents/new`, { headers: { cookie } })).text();
    expect(form).toMatch(/<select[^>]*name="severity"/);
    expect(form).toContain('A critical incident with very high impact');
    const posted = await fetch(`${site.url}/admin/incidents/new`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        intent: 'publish',
        name: 'Checkout down',
        status: 'investigating',
        severity: 'sev2',
        impact_override: '',
        next_update_in_minutes: '',
        body: 'Looking.',
        deliver_notifications: 'on',
      }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    // The incident guide says what the settings say.
    await admin.patch('/page', {
      severity_levels: [
        {
          key: 'sev3',
          name: 'P3 Annoying',
          definition: 'A workaround exists.',
          default_impact: 'minor',
          update_cadence_minutes: 90,
          notify_by_default: true,
        },
      ],
    });
    const guide = await (await fetch(`${site.url}/admin/guide`, { headers: { cookie } })).text();
    expect(guide).toContain('P3 Annoying');
    expect(guide).toContain('90 minutes');
    expect(guide).toContain('Promise the next update');
    const id = /\/admin\/incidents\/([0-9a-z]{12})\//.exec(posted.headers.get('location') ?? '')![1]!;
    const incident = (await editor.get(`/incidents/${id}`)).body;
    expect(incident).toMatchObject({ severity: 'sev2', impact: 'major' });
    expect(new Date(incident.next_update_due_at).getTime()).toBe(clock.getTime() + 60 * MINUTE);
  });
});
