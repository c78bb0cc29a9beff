import { createHmac, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, staffMessages, webhookDeliveries } from '../../src/db/schema.ts';
import { runScheduledTransitions } from '../../src/server/schedule/scheduled-transitions.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { alertmanagerPayload, GRAFANA_FIRING, pagerDutyEvent } from '../helpers/alert-payloads.ts';
import { DRIVERS } from '../helpers/database.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

// The alert inbox through the server: sources made with the admin API, monitoring posting to
// their URLs, suggestions, automatic status served in /api/v2, and every refusal a 4xx.

describe.each(DRIVERS)('alerts on %s', (driver) => {
  let site: TestSite;
  let clock: Date;
  let admin: ReturnType<typeof api>;
  let editor: ReturnType<typeof api>;
  let apiId: string;
  let webId: string;
  const secretsKey = randomBytes(32);

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url.replace('https://status.example.com', site.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const source = async (extra: Record<string, unknown> = {}) => {
    const response = await admin.post('/alert-sources', { name: 'Prometheus', kind: 'alertmanager', ...extra });
    expect(response.status).toBe(201);
    return response.body as { id: string; url: string; token: string };
  };
  const send = (s: { url: string; token: string }, body: unknown, headers: Record<string, string> = {}) =>
    post(s.url, body, { authorization: `Bearer ${s.token}`, ...headers });
  const firing = (labels: Record<string, string>, fingerprint: string, startsAt = clock.toISOString()) =>
    alertmanagerPayload({ alerts: [{ status: 'firing', labels, startsAt, fingerprint }] });
  const resolved = (
    labels: Record<string, string>,
    fingerprint: string,
    startsAt: string,
    endsAt = clock.toISOString(),
  ) => alertmanagerPayload({ alerts: [{ status: 'resolved', labels, startsAt, endsAt, fingerprint }] });
  const inbox = async () => (await editor.get('/alerts')).body;
  const served = async () => {
    const body = (await (await fetch(`${site.url}/api/v2/components.json`)).json()) as {
      components: Array<{ id: string; status: string }>;
    };
    return Object.fromEntries(body.components.map((c) => [c.id, c.status]));
  };
  const later = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));

  beforeEach(async () => {
    clock = new Date('2026-12-07T10:00:00Z');
    site = await startTestSite(driver, { now: () => clock, secretsKey });
    await site.publisher.publishAll();
    admin = api(site, (await addToken(site, 'admin')).token);
    editor = api(site, (await addToken(site, 'editor')).token);
    await addUser(site, 'oncall@example.com', 'editor');
    apiId = (await admin.post('/components', { name: 'Public API' })).body.id;
    webId = (await admin.post('/components', { name: 'Website' })).body.id;
  });
  afterEach(() => site.close());

  it('makes a suggested incident from firing alerts, tells the staff, and publishes it in one step', async () => {
    // The staff on call, chosen in the settings: another editor is not told.
    await addUser(site, 'dayshift@example.com', 'editor');
    const unknownStaff = await admin.patch('/page', { alert_staff: ['oncall@example.com', 'nobody@example.com'] });
    expect(unknownStaff.status).toBe(422);
    expect(unknownStaff.body.error.field).toBe('alert_staff.1');
    expect((await admin.patch('/page', { alert_staff: ['OnCall@example.com'] })).status).toBe(200);
    const prometheus = await source();
    expect(prometheus.token).toMatch(/^hrldal_/);
    expect(prometheus.url).toBe(`https://status.example.com/api/webhooks/alerts/${prometheus.id}`);
    const response = await send(
      prometheus,
      alertmanagerPayload({
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'SiteDown', component: 'public api', severity: 'critical' },
            startsAt: clock.toISOString(),
            fingerprint: 'a1',
          },
          {
            status: 'firing',
            labels: { alertname: 'Slow', component: 'Website', severity: 'warning' },
            startsAt: clock.toISOString(),
            fingerprint: 'b2',
          },
          {
            status: 'firing',
            labels: { alertname: 'DiskFull', instance: 'db-1' },
            startsAt: clock.toISOString(),
            fingerprint: 'c3',
          },
        ],
      }),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ received: 3, changed: 3 });
    const box = await inbox();
    expect(
      box.alerts
        .map((a: { fingerprint: string; status: string; component_id: string | null }) => [
          a.fingerprint,
          a.status,
          a.component_id,
        ])
        .sort(),
    ).toEqual([
      ['a1', 'firing', apiId],
      ['b2', 'firing', webId],
      // Matches no component: in the inbox, unmatched, and in no suggestion.
      ['c3', 'firing', null],
    ]);
    const [suggestion] = box.suggestions;
    expect(suggestion).toMatchObject({
      status: 'open',
      name: 'Problems with Public API, Website',
      components: { [apiId]: 'major_outage', [webId]: 'degraded_performance' },
    });
    // Nothing public yet.
    expect(await served()).toEqual({ [apiId]: 'operational', [webId]: 'operational' });
    // The staff on call (admins and editors) get an email with a link to it.
    const mail = await site.database.db.select().from(staffMessages).where(eq(staffMessages.kind, 'alert_suggestion'));
    expect(mail.map((m) => m.to)).toEqual(['oncall@example.com']);

    // The same post again (Alertmanager repeats): nothing changes, no second suggestion or email.
    expect(
      await (
        await send(prometheus, firing({ alertname: 'SiteDown', component: 'public api', severity: 'critical' }, 'a1'))
      ).json(),
    ).toMatchObject({ changed: 0 });
    expect((await inbox()).suggestions).toHaveLength(1);

    const published = await editor.post(`/alerts/suggestions/${suggestion.id}/publish`, {
      name: 'Errors on the API and a slow website',
      components: { [apiId]: 'partial_outage', [webId]: 'degraded_performance' },
    });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ name: 'Errors on the API and a slow website', status: 'investigating' });
    expect(await served()).toEqual({ [apiId]: 'partial_outage', [webId]: 'degraded_performance' });
    const after = await inbox();
    expect(after.suggestions[0]).toMatchObject({ status: 'published', incident_id: published.body.id });
    expect((await editor.post(`/alerts/suggestions/${suggestion.id}/publish`, {})).status).toBe(409);
  });

  it('in automatic mode sets the status at once without notifying anyone, and returns it when all resolve', async () => {
    const prometheus = await source({ automatic: true });
    await admin.post('/webhooks', { url: 'https://hooks.example.com/status', events: ['component.updated'] });
    const start = clock.toISOString();
    await send(
      prometheus,
      firing({ alertname: 'SiteDown', component: 'Public API', severity: 'critical' }, 'a1', start),
    );
    await send(prometheus, firing({ alertname: 'Errors', component: 'Public API', severity: 'error' }, 'a2', start));
    expect((await served())[apiId]).toBe('major_outage');
    expect((await inbox()).suggestions).toEqual([]);
    // No webhook delivery, no subscriber email: nothing automatic reaches anyone.
    expect(await site.database.db.select().from(webhookDeliveries)).toEqual([]);
    const audit = await site.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'component.automatic_status'));
    expect(audit.map((a) => a.actorLabel)).toEqual(['Alert source "Prometheus"']);

    later(60);
    await send(
      prometheus,
      resolved({ alertname: 'SiteDown', component: 'Public API', severity: 'critical' }, 'a1', start),
    );
    // One still fires: the status follows it.
    expect((await served())[apiId]).toBe('partial_outage');
    await send(prometheus, resolved({ alertname: 'Errors', component: 'Public API', severity: 'error' }, 'a2', start));
    expect((await served())[apiId]).toBe('operational');
  });

  it('only suggests while a person looks after the component, and never undoes their change', async () => {
    const prometheus = await source({ automatic: true });
    await editor.post('/incidents', {
      name: 'API trouble',
      body: 'Looking.',
      components: { [apiId]: 'degraded_performance' },
    });
    await send(prometheus, firing({ alertname: 'SiteDown', component: 'Public API', severity: 'critical' }, 'a1'));
    expect((await served())[apiId]).toBe('degraded_performance');
    expect((await inbox()).suggestions).toHaveLength(1);

    // On a component without an incident, automation acts; a person then sets it by hand:
    // the resolve does not put it back, as automation's status no longer stands.
    const start = clock.toISOString();
    await send(prometheus, firing({ alertname: 'Slow', component: 'Website', severity: 'warning' }, 'w1', start));
    expect((await served())[webId]).toBe('degraded_performance');
    await editor.patch(`/components/${webId}`, { status: 'major_outage' });
    later(60);
    await send(prometheus, resolved({ alertname: 'Slow', component: 'Website', severity: 'warning' }, 'w1', start));
    expect((await served())[webId]).toBe('major_outage');
  });

  it('waits the minimum firing time, keeps the cooldown, and marks unheard alerts stale rather than resolved', async () => {
    const prometheus = await source({
      automatic: true,
      min_firing_seconds: 120,
      cooldown_seconds: 300,
      stale_after_minutes: 10,
    });
    const start = clock.toISOString();
    await send(prometheus, firing({ alertname: 'Flap', component: 'Website', severity: 'critical' }, 'f1', start));
    expect((await served())[webId]).toBe('operational');
    later(150);
    await runScheduledTransitions(site.database.db, clock, null);
    await site.publisher.publishAll();
    expect((await served())[webId]).toBe('major_outage');
    // Resolved within the cooldown: the page stays until the cooldown passes.
    later(60);
    await send(prometheus, resolved({ alertname: 'Flap', component: 'Website', severity: 'critical' }, 'f1', start));
    expect((await served())[webId]).toBe('major_outage');
    later(300);
    await runScheduledTransitions(site.database.db, clock, null);
    await site.publisher.publishAll();
    expect((await served())[webId]).toBe('operational');

    // Not heard of for 10 minutes: stale, and the status it set holds.
    const again = clock.toISOString();
    await send(prometheus, firing({ alertname: 'Down', component: 'Public API', severity: 'critical' }, 'd1', again));
    later(150);
    await runScheduledTransitions(site.database.db, clock, null);
    later(11 * 60);
    await runScheduledTransitions(site.database.db, clock, null);
    await site.publisher.publishAll();
    const alert = (await inbox()).alerts.find((a: { fingerprint: string }) => a.fingerprint === 'd1');
    expect(alert.status).toBe('stale');
    expect((await served())[apiId]).toBe('major_outage');
  });

  it('applies the notifications of one alert in order: a late firing never reopens what resolved', async () => {
    const prometheus = await source();
    const start = '2026-12-07T09:50:00Z';
    await send(
      prometheus,
      resolved({ alertname: 'SiteDown', component: 'Website' }, 'a1', start, '2026-12-07T09:59:00Z'),
    );
    const late = await send(prometheus, firing({ alertname: 'SiteDown', component: 'Website' }, 'a1', start));
    expect(await late.json()).toMatchObject({ changed: 0 });
    expect((await inbox()).alerts[0]).toMatchObject({ status: 'resolved', ends_at: '2026-12-07T09:59:00.000Z' });
  });

  it('reads Grafana and PagerDuty, the latter only with a valid signature', async () => {
    const grafana = await source({ name: 'Grafana' });
    await admin.post('/components', { name: 'Checkout' });
    expect((await send(grafana, GRAFANA_FIRING)).status).toBe(202);
    expect((await inbox()).alerts[0]).toMatchObject({
      dashboard_url: 'https://grafana.example/d/shop',
      component_status: 'degraded_performance',
    });

    const pagerduty = await source({
      name: 'PagerDuty',
      kind: 'pagerduty',
      signing_secret: 'pd-signing-secret',
      rules: [{ label: 'service', op: 'equals', value: 'Payments', component_id: apiId }],
    });
    const listed = (await admin.get('/alert-sources')).body;
    expect(JSON.stringify(listed)).not.toContain('pd-signing-secret');
    const body = JSON.stringify(pagerDutyEvent('incident.triggered', clock.toISOString()));
    const sign = (text: string) => `v1=${createHmac('sha256', 'pd-signing-secret').update(text).digest('hex')}`;
    const unsigned = await send(pagerduty, body);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    expect((await send(pagerduty, body, { 'x-pagerduty-signature': sign(`${body} `) })).status).toBe(401);
    expect((await send(pagerduty, body, { 'x-pagerduty-signature': sign(body) })).status).toBe(202);
    const pd = (await inbox()).alerts.find((a: { fingerprint: string }) => a.fingerprint === 'PGR0VU2');
    expect(pd).toMatchObject({
      status: 'firing',
      component_id: apiId,
      component_status: 'partial_outage',
      generator_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
    });
  });

  it('refuses what it cannot trust or read with a 4xx, changing nothing', async () => {
    const prometheus = await source();
    const payload = firing({ alertname: 'SiteDown', component: 'Website' }, 'a1');
    expect((await post(prometheus.url, payload)).status).toBe(401);
    expect((await post(prometheus.url, payload, { authorization: 'Bearer hrldal_wrong' })).status).toBe(401);
    expect(
      (
        await post(prometheus.url.replace(prometheus.id, 'zzzzzzzzzzzz'), payload, {
          authorization: `Bearer ${prometheus.token}`,
        })
      ).status,
    ).toBe(404);
    expect((await post(prometheus.url.replace(prometheus.id, '..%2Fadmin'), payload)).status).toBe(404);
    const malformed = await send(prometheus, '{"alerts": [');
    expect(malformed.status).toBe(400);
    const wrongShape = await send(prometheus, { alerts: [{ status: 'burning' }] });
    expect(wrongShape.status).toBe(422);
    expect(await wrongShape.json()).toMatchObject({ error: { field: 'alerts.0.status' } });
    const huge = await send(prometheus, { alerts: [], padding: 'x'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
    expect((await inbox()).alerts).toEqual([]);
    // A revoked token is refused.
    expect((await admin.delete(`/alert-sources/${prometheus.id}`)).status).toBe(200);
    expect((await send(prometheus, payload)).status).toBe(401);
    // A PagerDuty source needs its signing secret, and Herald a key to keep it.
    const noSecret = await admin.post('/alert-sources', { name: 'PD', kind: 'pagerduty' });
    expect(noSecret.status).toBe(422);
    expect(noSecret.body.error.field).toBe('signing_secret');
    const badRule = await admin.post('/alert-sources', {
      name: 'X',
      kind: 'generic',
      rules: [{ label: 'a', op: 'regex', value: '(', component_id: apiId }],
    });
    expect(badRule.body.error.field).toBe('rules.0.value');
  });

  it('limits the posts of one source', async () => {
    const generic = await source({ kind: 'generic', name: 'Script' });
    let last = 0;
    for (let i = 0; i < 601; i++)
      last = (await send(generic, { status: 'firing', labels: { n: String(i % 3) } })).status;
    expect(last).toBe(429);
  });
});
