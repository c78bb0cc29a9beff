import { asc, desc, eq, isNull } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, incidents, mailbox, staffMessages, subscribers } from '../../src/db/schema.ts';
import { drainDeliveries } from '../../src/notify/email-outbox.ts';
import { mailboxTransport, resendTransport } from '../../src/notify/transport.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { runScheduledTransitions } from '../../src/server/schedule/scheduled-transitions.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { startFakeResend } from '../helpers/fake-resend.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// Reminders driven by an injected clock: the API and admin pages read `clock`, and each
// tick is run at an explicit moment, as the every-minute job would run it.

const MINUTE = 60_000;

describe.each(DRIVERS)('reminders on %s', (driver) => {
  let site: TestSite;
  let clock: Date;
  let admin: ReturnType<typeof api>;
  let tokenEditor: ReturnType<typeof api>;
  const cookies = { ann: '', bob: '', ada: '' };
  let componentId: string;

  const as = (who: keyof typeof cookies) => {
    const client = api(site);
    const headers = () => ({ cookie: cookies[who], origin: SITE_URL });
    return {
      get: (path: string) => client.get(path, headers()),
      post: (path: string, body: unknown) => client.post(path, body, headers()),
      patch: (path: string, body: unknown) => client.patch(path, body, headers()),
    };
  };
  const tick = (at: Date) => runScheduledTransitions(site.database.db, at, new Date(at.getTime() - MINUTE));
  /** Sends whatever is due at `at` into the database mailbox; returns what arrived. */
  const deliver = async (at: Date) => {
    const before = await site.database.db.select({ id: mailbox.id }).from(mailbox);
    await drainDeliveries({
      db: site.database.db,
      transport: mailboxTransport(site.database.db),
      siteUrl: SITE_URL,
      from: 'Status <status@example.com>',
      log: silentLogger,
      now: () => at,
    });
    const seen = new Set(before.map((m) => m.id));
    return (await site.database.db.select().from(mailbox).orderBy(asc(mailbox.id))).filter((m) => !seen.has(m.id));
  };
  const remindedAt = async (id: string) =>
    (await site.database.db.select({ at: incidents.overdueRemindedAt }).from(incidents).where(eq(incidents.id, id)))[0]!
      .at;
  const signIn = async (email: string) => {
    const response = await fetch(`${site.url}/api/admin/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct-horse-battery' }),
    });
    expect(response.status).toBe(200);
    return response.headers.get('set-cookie')!.split(';')[0]!;
  };
  const adminPage = async (path: string) => {
    const response = await fetch(`${site.url}${path}`, { headers: { cookie: cookies.ann } });
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    clock = new Date(Math.ceil(Date.now() / MINUTE) * MINUTE);
    site = await startTestSite(driver, { now: () => clock });
    await addUser(site, 'ann@example.com', 'editor');
    await addUser(site, 'bob@example.com', 'editor');
    await addUser(site, 'ada@example.com', 'admin');
    await addUser(site, 'vic@example.com', 'viewer');
    cookies.ann = await signIn('ann@example.com');
    cookies.bob = await signIn('bob@example.com');
    cookies.ada = await signIn('ada@example.com');
    admin = api(site, (await addToken(site, 'admin')).token);
    tokenEditor = api(site, (await addToken(site, 'editor')).token);
    componentId = (await admin.post('/components', { name: 'Database' })).body.id;
    expect((await admin.patch('/page', { name: 'Acme' })).status).toBe(200);
    await site.publisher.publishAll();
  });
  afterAll(() => site.close());
  afterEach(async () => {
    // Close what the test left open, and send what it left queued, so the next test's ticks see only its own.
    const open = await site.database.db
      .select({ id: incidents.id, kind: incidents.kind })
      .from(incidents)
      .where(isNull(incidents.resolvedAt));
    for (const { id, kind } of open) {
      if (kind === 'maintenance') expect((await admin.delete(`/incidents/${id}`)).status).toBe(204);
      else
        expect(
          (
            await admin.post(`/incidents/${id}/updates`, {
              status: 'resolved',
              body: 'Closed by the test.',
              deliver_notifications: false,
            })
          ).status,
        ).toBe(201);
    }
    await deliver(new Date(clock.getTime() + 7 * 24 * 60 * MINUTE));
  });
  beforeEach(async () => {
    // Each test starts a day later, past every interval and lead time of the one before.
    clock = new Date(clock.getTime() + 24 * 60 * MINUTE);
    expect(
      (
        await admin.patch('/page', {
          reminder_interval_minutes: 30,
          maintenance_reminder_minutes: 60,
          stale_incident_hours: 24,
        })
      ).status,
    ).toBe(200);
  });

  it('reminds the editors of an overdue update once, again after the interval, and not after a new update or the resolution', async () => {
    const created = await as('ann').post('/incidents', {
      name: 'Checkout errors',
      body: 'Looking.',
      next_update_in_minutes: 30,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const due = new Date(created.body.next_update_due_at);
    clock = new Date(clock.getTime() + 5 * MINUTE);
    expect((await as('bob').post(`/incidents/${id}/updates`, { status: 'identified', body: 'Found it.' })).status).toBe(
      201,
    );
    // Bob's update kept Ann's promise (no new one was given).
    expect((await admin.get(`/incidents/${id}`)).body.next_update_due_at).toBe(due.toISOString());

    expect((await tick(new Date(due.getTime() - MINUTE))).remindedOverdue).toEqual([]);
    const first = new Date(due.getTime() + 20_000);
    expect((await tick(first)).remindedOverdue).toEqual([id]);
    // The mark and the emails were written together.
    expect(await remindedAt(id)).toEqual(first);
    const emails = await deliver(first);
    expect(emails.map((e) => e.to).sort()).toEqual(['ann@example.com', 'bob@example.com']);
    const ann = emails.find((e) => e.to === 'ann@example.com')!;
    expect(ann.subject).toBe('[Acme] Update due now: Checkout errors');
    expect(ann.text).toContain(`Post an update: ${SITE_URL}/admin/incidents/${id}/`);
    expect(ann.staffMessageId).not.toBeNull();

    // Not again before the interval (30 minutes), however often the tick runs.
    for (const minutes of [1, 10, 29])
      expect((await tick(new Date(first.getTime() + minutes * MINUTE))).remindedOverdue).toEqual([]);
    expect(await deliver(new Date(first.getTime() + 29 * MINUTE))).toEqual([]);

    const second = new Date(first.getTime() + 30 * MINUTE);
    expect((await tick(second)).remindedOverdue).toEqual([id]);
    const again = await deliver(second);
    expect(again).toHaveLength(2);
    expect(again[0]!.subject).toBe('[Acme] Update overdue by 30 minutes: Checkout errors');

    // A new update with a new promise answers it: nothing until that promise passes.
    clock = new Date(second.getTime() + 5 * MINUTE);
    const posted = await as('ann').post(`/incidents/${id}/updates`, {
      status: 'monitoring',
      body: 'Fix deployed.',
      next_update_in_minutes: 60,
    });
    expect(posted.status).toBe(201);
    expect(await remindedAt(id)).toBeNull();
    const newDue = new Date(posted.body.next_update_due_at);
    expect((await tick(new Date(newDue.getTime() - MINUTE))).remindedOverdue).toEqual([]);
    expect((await tick(new Date(newDue.getTime() + MINUTE))).remindedOverdue).toEqual([id]);
    expect((await deliver(new Date(newDue.getTime() + MINUTE))).map((e) => e.subject)).toEqual([
      '[Acme] Update overdue by 1 minute: Checkout errors',
      '[Acme] Update overdue by 1 minute: Checkout errors',
    ]);

    // Resolved: never again.
    clock = new Date(newDue.getTime() + 2 * MINUTE);
    expect((await as('bob').post(`/incidents/${id}/updates`, { status: 'resolved', body: 'All good.' })).status).toBe(
      201,
    );
    expect((await tick(new Date(newDue.getTime() + 120 * MINUTE))).remindedOverdue).toEqual([]);
    expect(await deliver(new Date(newDue.getTime() + 120 * MINUTE))).toEqual([]);
  });

  it('repeats at the configured interval, and reminds every admin and editor when no person worked on it', async () => {
    expect((await admin.patch('/page', { reminder_interval_minutes: 10 })).status).toBe(200);
    // Opened with a token no user created: nobody to single out.
    const created = await tokenEditor.post('/incidents', {
      name: 'Slow search',
      body: 'Looking.',
      next_update_in_minutes: 15,
    });
    const id = created.body.id as string;
    const due = new Date(created.body.next_update_due_at);
    expect((await tick(due)).remindedOverdue).toEqual([id]);
    expect((await deliver(due)).map((e) => e.to).sort()).toEqual([
      'ada@example.com',
      'ann@example.com',
      'bob@example.com',
    ]);
    expect((await tick(new Date(due.getTime() + 9 * MINUTE))).remindedOverdue).toEqual([]);
    expect((await tick(new Date(due.getTime() + 10 * MINUTE))).remindedOverdue).toEqual([id]);
    // Two instances running the same minute (or a retried job) send it once.
    const both = await Promise.all([
      tick(new Date(due.getTime() + 20 * MINUTE)),
      tick(new Date(due.getTime() + 20 * MINUTE)),
    ]);
    expect(both.flatMap((r) => r.remindedOverdue)).toEqual([id]);
    expect(await site.database.db.select().from(staffMessages).where(eq(staffMessages.incidentId, id))).toHaveLength(9);
    // Withdrawing the promise ends the reminders.
    expect((await tokenEditor.patch(`/incidents/${id}`, { next_update_in_minutes: null })).status).toBe(200);
    expect((await tick(new Date(due.getTime() + 60 * MINUTE))).remindedOverdue).toEqual([]);
    await deliver(new Date(due.getTime() + 60 * MINUTE));
  });

  it('sends staff reminders through Resend with a key of their own, once however often it is retried', async () => {
    const fake = await startFakeResend({ apiKey: 're_test' });
    try {
      const created = await as('bob').post('/incidents', {
        name: 'Login failures',
        body: 'Looking.',
        next_update_in_minutes: 5,
      });
      const due = new Date(created.body.next_update_due_at);
      await tick(due);
      const options = {
        db: site.database.db,
        transport: resendTransport({ apiKey: 're_test', baseUrl: fake.url }),
        siteUrl: SITE_URL,
        from: 'Status <status@example.com>',
        log: silentLogger,
        now: () => due,
      };
      fake.failNext(1, 500);
      expect(await drainDeliveries(options)).toBe(0);
      const [pending] = await site.database.db
        .select()
        .from(staffMessages)
        .where(eq(staffMessages.incidentId, created.body.id));
      expect(pending).toMatchObject({ status: 'pending', attempts: 1, to: 'bob@example.com' });
      expect(pending!.lastError).toContain('Resend 500');
      const later = { ...options, now: () => new Date(due.getTime() + 5 * MINUTE) };
      expect(await drainDeliveries(later)).toBe(1);
      expect(fake.emails.map((e) => [e.to[0], e.subject])).toEqual([
        ['bob@example.com', '[Acme] Update due now: Login failures'],
      ]);
      const keys = fake.calls.map((c) => c.key);
      expect(keys[0]).toMatch(/^herald-staff-[0-9a-f]{64}$/);
      expect(keys[1]).toBe(keys[0]);
    } finally {
      await fake.close();
    }
  });

  it('flags unresolved incidents older than the configured age in the dashboard and the list', async () => {
    const created = await as('ann').post('/incidents', { name: 'Queue backlog', body: 'Draining.' });
    const id = created.body.id as string;
    expect(await adminPage('/admin/')).not.toContain('stale: open for');
    clock = new Date(clock.getTime() + 25 * 60 * MINUTE);
    const dashboard = await adminPage('/admin/');
    const item = dashboard.slice(
      dashboard.indexOf(`/admin/incidents/${id}/`),
      dashboard.indexOf(`/admin/incidents/${id}/#post-update`),
    );
    expect(item).toContain('stale: open for 1 day 1 hour');
    expect(item).toContain('Unresolved for more than 24 hours');
    const list = await adminPage('/admin/incidents/?filter=active');
    const row = list.slice(
      list.indexOf(`/admin/incidents/${id}/`),
      list.indexOf('</tr>', list.indexOf(`/admin/incidents/${id}/`)),
    );
    expect(row).toContain('>stale</span>');
    // A longer allowance clears the flag; resolving does too.
    expect((await admin.patch('/page', { stale_incident_hours: 48 })).status).toBe(200);
    expect(await adminPage('/admin/')).not.toContain('stale: open for');
    expect((await admin.patch('/page', { stale_incident_hours: 24 })).status).toBe(200);
    expect((await as('ann').post(`/incidents/${id}/updates`, { status: 'resolved', body: 'Done.' })).status).toBe(201);
    expect(await adminPage('/admin/incidents/?filter=all')).not.toContain('>stale</span>');
  });

  it('counts a partial outage by the configured weight on /uptime/ and in the bars, re-publishing when it changes', async () => {
    const search = (await admin.post('/components', { name: 'Search' })).body.id as string;
    const opened = await admin.post('/incidents', {
      name: 'Search is slow',
      body: 'Looking.',
      components: { [search]: 'partial_outage' },
    });
    clock = new Date(clock.getTime() + 60 * MINUTE);
    expect(
      (
        await admin.post(`/incidents/${opened.body.id}/updates`, {
          status: 'resolved',
          body: 'Fixed.',
          components: { [search]: 'operational' },
        })
      ).status,
    ).toBe(201);
    clock = new Date(clock.getTime() + 60 * MINUTE);
    // One hour of partial outage in two hours: 1 - weight / 2.
    const figures = async () => {
      const uptime = await (await fetch(`${site.url}/uptime/`)).text();
      const index = await (await fetch(`${site.url}/`)).text();
      return {
        intro: /a partial outage as ([\d.]+)%/.exec(uptime)?.[1],
        calendar: new RegExp(`>Search</h2>\\s*<span class="meta">12 months: ([\\d.]+%)`).exec(uptime)?.[1],
        bars: new RegExp(`Search[\\s\\S]*?90 days: ([\\d.]+%)`).exec(index)?.[1],
      };
    };
    /** The settings change alone re-publishes every page (the calendar may follow the index by a moment). */
    const settled = async (expected: Record<string, string>) => {
      const deadline = Date.now() + 10_000;
      let seen = await figures();
      while (Date.now() < deadline && JSON.stringify(seen) !== JSON.stringify(expected)) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await figures();
      }
      return seen;
    };
    await site.publisher.publishAll();
    expect(await figures()).toEqual({ intro: '30', calendar: '85%', bars: '85%' });
    expect((await admin.patch('/page', { partial_outage_weight: 1 })).status).toBe(200);
    expect(await settled({ intro: '100', calendar: '50%', bars: '50%' })).toEqual({
      intro: '100',
      calendar: '50%',
      bars: '50%',
    });
    expect((await admin.patch('/page', { partial_outage_weight: 0.25 })).status).toBe(200);
    expect(await settled({ intro: '25', calendar: '87.5%', bars: '87.5%' })).toEqual({
      intro: '25',
      calendar: '87.5%',
      bars: '87.5%',
    });
    expect((await admin.patch('/page', { partial_outage_weight: 0.3 })).status).toBe(200);
    expect((await admin.delete(`/components/${search}`)).status).toBe(204);
  });

  it('reminds maintenance subscribers once, at the configured time before the window, and again after it moves later', async () => {
    const db = site.database.db;
    const suffix = clock.getTime();
    await db.insert(subscribers).values([
      {
        id: `s1${suffix}`.slice(0, 20),
        email: `wants-${suffix}@example.com`,
        status: 'confirmed',
        maintenance: true,
        confirmedAt: clock,
      },
      {
        id: `s2${suffix}`.slice(0, 20),
        email: `no-maint-${suffix}@example.com`,
        status: 'confirmed',
        maintenance: false,
        confirmedAt: clock,
      },
    ]);
    const start = new Date(clock.getTime() + 180 * MINUTE);
    const window = {
      scheduled_for: start.toISOString(),
      scheduled_until: new Date(start.getTime() + 60 * MINUTE).toISOString(),
      component_ids: [componentId],
    };
    const created = await as('ann').post('/incidents', {
      incident: { name: 'Database upgrade', body: 'Planned.', ...window },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // Announced without notifying subscribers: they are not reminded of it either.
    const silent = await as('ann').post('/incidents', {
      incident: { name: 'Quiet change', body: 'Planned.', ...window, deliver_notifications: false },
    });
    expect(silent.status).toBe(201);
    expect((await deliver(clock)).map((e) => e.subject)).toEqual(['[Acme] Database upgrade: Scheduled']);

    expect((await tick(new Date(start.getTime() - 61 * MINUTE))).remindedMaintenance).toEqual([]);
    const atLead = new Date(start.getTime() - 60 * MINUTE);
    expect((await tick(atLead)).remindedMaintenance).toEqual([id]);
    expect((await tick(new Date(atLead.getTime() + MINUTE))).remindedMaintenance).toEqual([]);
    const emails = await deliver(atLead);
    expect(emails.map((e) => e.to)).toEqual([`wants-${suffix}@example.com`]);
    expect(emails[0]!.subject).toBe('[Acme] Scheduled maintenance starts in 1 hour: Database upgrade');
    expect(emails[0]!.text).toContain('- Database');
    expect(emails[0]!.headers['List-Unsubscribe']).toMatch(
      /^<https:\/\/status\.example\.com\/subscriptions\/unsubscribe\?token=/,
    );

    // Moved two hours later: reminded again before the new start, not before.
    clock = new Date(atLead.getTime() + 5 * MINUTE);
    const later = new Date(start.getTime() + 120 * MINUTE);
    const moved = await as('ann').patch(`/incidents/${id}`, {
      scheduled_for: later.toISOString(),
      scheduled_until: new Date(later.getTime() + 60 * MINUTE).toISOString(),
    });
    expect(moved.status).toBe(200);
    expect((await tick(new Date(later.getTime() - 90 * MINUTE))).remindedMaintenance).toEqual([]);
    expect((await tick(new Date(later.getTime() - 60 * MINUTE))).remindedMaintenance).toEqual([id]);
    expect((await deliver(new Date(later.getTime() - 60 * MINUTE))).map((e) => e.subject)).toEqual([
      '[Acme] Scheduled maintenance starts in 1 hour: Database upgrade',
    ]);
  });

  it('sends no "starts in" reminder for a window announced within the lead time: the announcement said when', async () => {
    const start = new Date(clock.getTime() + 30 * MINUTE);
    const created = await as('ann').post('/incidents', {
      incident: {
        name: 'Short notice work',
        body: 'Planned.',
        scheduled_for: start.toISOString(),
        scheduled_until: new Date(start.getTime() + 30 * MINUTE).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    for (const minutes of [29, 10, 1])
      expect((await tick(new Date(start.getTime() - minutes * MINUTE))).remindedMaintenance).toEqual([]);
  });

  it('sends no maintenance reminder when the lead time is 0', async () => {
    expect((await admin.patch('/page', { maintenance_reminder_minutes: 0 })).status).toBe(200);
    const start = new Date(clock.getTime() + 30 * MINUTE);
    const created = await as('ann').post('/incidents', {
      incident: {
        name: 'Network work',
        body: 'Planned.',
        scheduled_for: start.toISOString(),
        scheduled_until: new Date(start.getTime() + 30 * MINUTE).toISOString(),
      },
    });
    for (const minutes of [29, 10, 1])
      expect((await tick(new Date(start.getTime() - minutes * MINUTE))).remindedMaintenance).toEqual([]);
    const [row] = await site.database.db
      .select({ at: incidents.maintenanceRemindedAt })
      .from(incidents)
      .where(eq(incidents.id, created.body.id));
    expect(row!.at).toBeNull();
  });

  it('stores the new settings, names the field of every bad value, and audits the change', async () => {
    const settings = {
      partial_outage_weight: 0.5,
      reminder_interval_minutes: 15,
      stale_incident_hours: 12,
      maintenance_reminder_minutes: 1440,
      visitor_webhooks: true,
      default_language: 'zh-TW',
    };
    const changed = await as('ada').patch('/page', settings);
    expect(changed.status).toBe(200);
    expect((await as('ann').get('/page')).body).toMatchObject(settings);
    const [audit] = await site.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'settings.update'))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(audit).toMatchObject({
      actorLabel: 'ada@example.com',
      after: expect.objectContaining({ default_language: 'zh-TW', partial_outage_weight: 0.5 }),
    });

    const bad: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ partial_outage_weight: 1.2 }, 'partial_outage_weight', /from 0 to 1/],
      [{ partial_outage_weight: '0.3' }, 'partial_outage_weight', /from 0 to 1/],
      [{ reminder_interval_minutes: 2 }, 'reminder_interval_minutes', /at least 5 minutes/],
      [{ reminder_interval_minutes: 30.5 }, 'reminder_interval_minutes', /whole number of minutes/],
      [{ stale_incident_hours: 721 }, 'stale_incident_hours', /at most 720 hours/],
      [{ maintenance_reminder_minutes: -5 }, 'maintenance_reminder_minutes', /at least 0 minutes/],
      [{ visitor_webhooks: 'yes' }, 'visitor_webhooks', /true or false/],
      [{ default_language: 'fr' }, 'default_language', /one of en, zh-TW, zh-CN/],
    ];
    for (const [body, field, message] of bad) {
      const response = await admin.patch('/page', body);
      expect([field, response.status, response.body.error.field]).toEqual([field, 422, field]);
      expect(response.body.error.message).toMatch(message);
    }
    // Editors may read the settings but not change them.
    expect((await as('ann').patch('/page', { reminder_interval_minutes: 10 })).status).toBe(403);
    expect((await as('ann').get('/page')).body.reminder_interval_minutes).toBe(15);
    expect(
      (await admin.patch('/page', { default_language: 'en', visitor_webhooks: false, partial_outage_weight: 0.3 }))
        .status,
    ).toBe(200);
  });

  it('shows each new setting in the admin form and names a bad value beside its field', async () => {
    const html = await (await fetch(`${site.url}/admin/settings`, { headers: { cookie: cookies.ada } })).text();
    for (const name of [
      'partial_outage_weight',
      'reminder_interval_minutes',
      'stale_incident_hours',
      'maintenance_reminder_minutes',
      'visitor_webhooks',
      'default_language',
    ]) {
      expect(html).toContain(`name="${name}"`);
    }
    const version = /name="version" value="(\d+)"/.exec(html)![1]!;
    const fields = new URLSearchParams({
      version,
      name: 'Acme',
      time_zone: 'Etc/UTC',
      brand_color: '#2563eb',
      default_language: 'en',
      partial_outage_weight: '0.3',
      reminder_interval_minutes: '3',
      stale_incident_hours: '24',
      maintenance_reminder_minutes: '60',
      visitor_webhooks: 'false',
    });
    const refused = await fetch(`${site.url}/admin/settings`, {
      method: 'POST',
      headers: { cookie: cookies.ada, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
      redirect: 'manual',
    });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toMatch(/id="settings-reminder_interval_minutes-error"[^>]*>[^<]*must be at least 5 minutes/);
    expect(page).toContain('value="3"');

    fields.set('reminder_interval_minutes', '45');
    fields.append('visitor_webhooks', 'true');
    const saved = await fetch(`${site.url}/admin/settings`, {
      method: 'POST',
      headers: { cookie: cookies.ada, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
      redirect: 'manual',
    });
    expect(saved.status).toBe(303);
    expect((await admin.get('/page')).body).toMatchObject({ reminder_interval_minutes: 45, visitor_webhooks: true });
  });
});
