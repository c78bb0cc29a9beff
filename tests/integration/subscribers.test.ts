import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliveries, deliveryBatches, mailbox, staffMessages, subscribers } from '../../src/db/schema.ts';
import { deliverNextBatch } from '../../src/notify/deliver.ts';
import { drainDeliveries, nextDueAt } from '../../src/notify/email-outbox.ts';
import type { DeliveryOptions } from '../../src/notify/outbox.ts';
import { deliverNextStaffMessage, enqueueStaffEmails } from '../../src/notify/staff-messages.ts';
import { mailboxTransport, resendTransport } from '../../src/notify/transport.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { startFakeResend, type FakeResend, type ReceivedEmail } from '../helpers/fake-resend.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

const WEBHOOK_SECRET = `whsec_${Buffer.from('a webhook secret of 32 bytes....').toString('base64')}`;

describe.each(DRIVERS)('email subscribers on %s', (driver) => {
  let site: TestSite;
  let fake: FakeResend;
  let editor: ReturnType<typeof api>;
  let clock: Date;
  let options: DeliveryOptions;
  const ids = { api: '', website: '', database: '', queue: '', group: '' };

  /** Posts a form the way a browser on the status page does. */
  const postForm = (
    pathAndQuery: string,
    fields: Array<[string, string]>,
    headers: Record<string, string> = { origin: SITE_URL },
  ) =>
    fetch(`${site.url}${pathAndQuery}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const subscribe = (email: string, extra: Array<[string, string]> = [['maintenance', '1']]) =>
    postForm('/subscribe', [['email', email], ...extra]);
  const drain = () => drainDeliveries({ ...options, concurrency: 2 });
  const emailsTo = (address: string) => fake.emails.filter((e) => e.to.includes(address));
  /** A link from an email, pointed at the test server instead of SITE_URL. */
  const link = (email: ReceivedEmail, kind: 'confirm' | 'manage' | 'unsubscribe') => {
    const match = email.text.match(
      new RegExp(`${SITE_URL.replace(/\./g, '\\.')}(/subscriptions/${kind}\\?token=[A-Za-z0-9._-]+)`),
    );
    if (!match) throw new Error(`no ${kind} link in:\n${email.text}`);
    return match[1]!;
  };
  const statusOf = async (email: string) =>
    (await site.database.db.select().from(subscribers).where(eq(subscribers.email, email)))[0]?.status;
  async function subscribeAndConfirm(email: string, extra: Array<[string, string]> = [['maintenance', '1']]) {
    expect((await subscribe(email, extra)).status).toBe(200);
    await drain();
    const confirmation = emailsTo(email).at(-1)!;
    expect(confirmation.subject).toContain('Confirm your subscription');
    const confirmed = await postForm(link(confirmation, 'confirm'), []);
    expect(confirmed.status).toBe(200);
    expect(await statusOf(email)).toBe('confirmed');
  }
  const openIncident = async (componentId: string, name = 'Checkout errors', extra: Record<string, unknown> = {}) =>
    (
      await editor.post('/incidents', {
        incident: {
          name,
          body: 'We are **investigating**.',
          components: { [componentId]: 'partial_outage' },
          next_update_in_minutes: 30,
          ...extra,
        },
      })
    ).body;

  beforeAll(async () => {
    clock = new Date();
    site = await startTestSite(driver, { now: () => clock, webhookSecret: WEBHOOK_SECRET });
    fake = await startFakeResend({ apiKey: 're_test' });
    options = {
      db: site.database.db,
      transport: resendTransport({ apiKey: 're_test', baseUrl: fake.url }),
      siteUrl: SITE_URL,
      from: 'Acme Status <status@example.com>',
      log: silentLogger,
      now: () => clock,
    };
    editor = api(site, (await addToken(site, 'editor')).token);
    ids.api = (await editor.post('/components', { name: 'API' })).body.id;
    ids.website = (await editor.post('/components', { name: 'Website' })).body.id;
    ids.database = (await editor.post('/components', { name: 'Database' })).body.id;
    ids.queue = (await editor.post('/components', { name: 'Queue' })).body.id;
    ids.group = (
      await editor.post('/component-groups', { name: 'Infrastructure', components: [ids.database, ids.queue] })
    ).body.id;
    await site.publisher.publishAll();
  });
  afterAll(async () => {
    await fake.close();
    await site.close();
  });
  beforeEach(() => {
    clock = new Date(clock.getTime() + 60 * 60_000); // past every rate limit window and lease
  });

  it('puts a subscribe form on the published page, posting to the server', async () => {
    const html = await readFile(path.join(site.dataDir, 'site', 'index.html'), 'utf8');
    expect(html).toMatch(/<form method="post" action="\/subscribe"/);
    expect(html).toContain(`value="${ids.database}"`);
    expect(html).toContain(`value="${ids.group}"`);
  });

  it('answers a subscribe request the same whatever the address, and gives away no token', async () => {
    await subscribeAndConfirm('known@example.com');
    const pages: string[] = [];
    for (const email of ['known@example.com', 'brand-new@example.com', 'brand-new@example.com', 'KNOWN@Example.com']) {
      const response = await subscribe(email);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).not.toMatch(/token=|subscriptions\//);
      expect(response.headers.get('set-cookie')).toBeNull();
      pages.push(html.replace(/<title>.*<\/title>/, ''));
    }
    expect(new Set(pages).size).toBe(1);
    await drain();
    // The new address got one confirmation (asked twice: the second is inside the cool-down); the known one none.
    expect(emailsTo('brand-new@example.com')).toHaveLength(1);
    expect(emailsTo('known@example.com').filter((e) => e.subject.includes('Confirm'))).toHaveLength(1);
  });

  it('confirms only on POST: a GET of the link (a mail scanner) shows a button', async () => {
    await subscribe('scanned@example.com');
    await drain();
    const url = link(emailsTo('scanned@example.com')[0]!, 'confirm');
    const page = await fetch(`${site.url}${url}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Confirm subscription</button>');
    expect(await statusOf('scanned@example.com')).toBe('pending');
    const confirmed = await postForm(url, []);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect(await statusOf('scanned@example.com')).toBe('confirmed');
  });

  it('refuses tokens for another purpose, another subscriber, or tampered', async () => {
    await subscribeAndConfirm('owner@example.com');
    await subscribe('victim@example.com');
    await drain();
    const ownerEmail = emailsTo('owner@example.com')[0]!;
    const unsubscribeToken = link(ownerEmail, 'unsubscribe').split('token=')[1]!;
    // An unsubscribe token does not confirm, and a token cannot be re-pointed at another subscriber.
    expect((await postForm(`/subscriptions/confirm?token=${unsubscribeToken}`, [])).status).toBe(404);
    const [victim] = await site.database.db
      .select()
      .from(subscribers)
      .where(eq(subscribers.email, 'victim@example.com'));
    const forged = `${victim!.id}.${unsubscribeToken.split('.')[1]}`;
    expect((await postForm(`/subscriptions/confirm?token=${forged}`, [])).status).toBe(404);
    expect((await postForm(`/subscriptions/unsubscribe?token=${forged}`, [])).status).toBe(404);
    expect((await fetch(`${site.url}/subscriptions/manage?token=${forged}`)).status).toBe(404);
    expect(await statusOf('victim@example.com')).toBe('pending');
  });

  it('sends each update only to those who chose what it affects', async () => {
    await subscribeAndConfirm('everything@example.com');
    await subscribeAndConfirm('api-only@example.com', [
      ['scope', 'some'],
      ['component_ids', ids.api],
      ['maintenance', '1'],
    ]);
    await subscribeAndConfirm('infra-group@example.com', [
      ['scope', 'some'],
      ['group_ids', ids.group],
    ]);
    await subscribeAndConfirm('no-maintenance@example.com', []);
    const before = (address: string) => emailsTo(address).length;
    const counts = () =>
      ['everything', 'api-only', 'infra-group', 'no-maintenance'].map((n) => before(`${n}@example.com`));
    const start = counts();

    await openIncident(ids.website, 'Website slow');
    await drain();
    expect(counts().map((n, i) => n - start[i]!)).toEqual([1, 0, 0, 1]);

    await openIncident(ids.queue, 'Queue backlog');
    await drain();
    expect(counts().map((n, i) => n - start[i]!)).toEqual([2, 0, 1, 2]);

    await editor.post('/incidents', {
      incident: {
        name: 'API upgrade',
        body: 'Planned.',
        scheduled_for: new Date(clock.getTime() + 86_400_000).toISOString(),
        scheduled_until: new Date(clock.getTime() + 90_000_000).toISOString(),
        component_ids: [ids.api],
      },
    });
    await drain();
    expect(counts().map((n, i) => n - start[i]!)).toEqual([3, 1, 1, 2]);

    await openIncident(ids.api, 'Quiet one', { deliver_notifications: false });
    await drain();
    expect(counts().map((n, i) => n - start[i]!)).toEqual([3, 1, 1, 2]);
  });

  it('renders the update: text, components, next update, incident link, manage and one-click unsubscribe headers', async () => {
    await subscribeAndConfirm('reader@example.com');
    const incident = await openIncident(ids.database, 'Database failover');
    await drain();
    const email = emailsTo('reader@example.com').at(-1)!;
    expect(email.subject).toBe('[Herald] Database failover: Investigating');
    expect(email.html).toContain('<strong>investigating</strong>');
    expect(email.text).toContain('Database: Partial Outage');
    expect(email.text).toMatch(/Next update by .*\d{2}:\d{2}/);
    expect(email.text).toContain(`${SITE_URL}/incidents/${incident.id}/`);
    expect(email.headers['List-Unsubscribe']).toMatch(
      new RegExp(`^<${SITE_URL.replace(/\./g, '\\.')}/subscriptions/unsubscribe\\?token=[^>]+>$`),
    );
    expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(email.from).toBe('Acme Status <status@example.com>');
    link(email, 'manage');
  });

  it('emails a postmortem once, when it is first published', async () => {
    await subscribeAndConfirm('learner@example.com');
    const incident = await openIncident(ids.api, 'Login outage');
    await editor.patch(`/incidents/${incident.id}`, { incident: { status: 'resolved', body: 'Fixed.' } });
    await drain();
    const before = emailsTo('learner@example.com').length;
    const draft = await editor.put(`/incidents/${incident.id}/postmortem`, {
      body: '## What happened\nA bad certificate.',
    });
    expect(draft.status).toBe(200);
    await drain();
    expect(emailsTo('learner@example.com')).toHaveLength(before);
    expect(
      (
        await editor.put(`/incidents/${incident.id}/postmortem`, {
          body: '## What happened\nA bad certificate.',
          publish: true,
        })
      ).status,
    ).toBe(200);
    await drain();
    const emails = emailsTo('learner@example.com');
    expect(emails).toHaveLength(before + 1);
    expect(emails.at(-1)!.subject).toContain('Login outage');
    expect(emails.at(-1)!.text).toContain('A bad certificate.');
    // A correction to the published postmortem does not send it again.
    await editor.put(`/incidents/${incident.id}/postmortem`, {
      body: '## What happened\nAn expired certificate.',
      publish: true,
    });
    await drain();
    expect(emailsTo('learner@example.com')).toHaveLength(before + 1);
  });

  it('keeps CR/LF from user input out of the subject and headers', async () => {
    await subscribeAndConfirm('headers@example.com');
    await openIncident(ids.api, 'Outage\r\nBcc: attacker@example.com\nX-Evil: 1');
    await drain();
    const email = emailsTo('headers@example.com').at(-1)!;
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toContain('Outage Bcc: attacker@example.com X-Evil: 1');
    expect(Object.keys(email.headers).sort()).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post']);
    expect(fake.emails.some((e) => e.to.includes('attacker@example.com'))).toBe(false);
    // An address with a line break is not an address.
    const response = await subscribe('victim@example.com\r\nBcc: attacker@example.com');
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('must be an email address');
  });

  it('unsubscribes with a cookieless one-click POST (RFC 8058), answering 200 without a redirect; GET only shows a button', async () => {
    await subscribeAndConfirm('leaving@example.com');
    await openIncident(ids.api);
    await drain();
    const email = emailsTo('leaving@example.com').at(-1)!;
    const url = email.headers['List-Unsubscribe']!.slice(1, -1).replace(SITE_URL, site.url);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Unsubscribe</button>');
    expect(await statusOf('leaving@example.com')).toBe('confirmed');
    // As a mail provider sends it: no Origin, no cookie, a form body.
    const oneClick = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(oneClick.status).toBe(200);
    expect(await statusOf('leaving@example.com')).toBe('unsubscribed');
    const multipart = new FormData();
    multipart.set('List-Unsubscribe', 'One-Click');
    expect((await fetch(url, { method: 'POST', body: multipart, redirect: 'manual' })).status).toBe(200);
    const count = emailsTo('leaving@example.com').length;
    await openIncident(ids.api);
    await drain();
    expect(emailsTo('leaving@example.com')).toHaveLength(count);
  });

  it('re-checks the subscription at send time: unsubscribing after the update was posted still stops the email', async () => {
    await subscribeAndConfirm('late@example.com');
    const count = emailsTo('late@example.com').length;
    const confirmEmail = emailsTo('late@example.com').at(-1)!;
    await openIncident(ids.api); // delivery rows are written now
    const [row] = await site.database.db.select().from(subscribers).where(eq(subscribers.email, 'late@example.com'));
    expect(
      (await site.database.db.select().from(deliveries).where(eq(deliveries.subscriberId, row!.id))).some(
        (d) => d.status === 'pending',
      ),
    ).toBe(true);
    expect((await postForm(link(confirmEmail, 'unsubscribe'), [], {})).status).toBe(200);
    await drain();
    expect(emailsTo('late@example.com')).toHaveLength(count);
    const rows = await site.database.db.select().from(deliveries).where(eq(deliveries.subscriberId, row!.id));
    expect(rows.map((d) => d.status)).toContain('skipped');
  });

  it('lets a subscriber change their components from the manage link', async () => {
    await subscribeAndConfirm('chooser@example.com');
    await openIncident(ids.website);
    await drain();
    const manage = link(emailsTo('chooser@example.com').at(-1)!, 'manage');
    expect(await (await fetch(`${site.url}${manage}`)).text()).toContain('chooser@example.com');
    const saved = await postForm(manage, [
      ['scope', 'some'],
      ['component_ids', ids.database],
      ['intent', 'save'],
    ]);
    expect(await saved.text()).toContain('Your choice is saved.');
    const count = emailsTo('chooser@example.com').length;
    await openIncident(ids.website);
    await drain();
    expect(emailsTo('chooser@example.com')).toHaveLength(count);
    await openIncident(ids.database);
    await drain();
    expect(emailsTo('chooser@example.com')).toHaveLength(count + 1);
  });

  it('limits subscription requests per client address with 429, and per email address silently', async () => {
    const ipLimited: number[] = [];
    for (let i = 0; i < 12; i++) ipLimited.push((await subscribe(`bomb-${i}@example.com`)).status);
    expect(ipLimited).toEqual([...Array(10).fill(200), 429, 429]);
    clock = new Date(clock.getTime() + 60 * 60_000);
    for (let i = 0; i < 5; i++) expect((await subscribe('target@example.com')).status).toBe(200);
    await drain();
    expect(emailsTo('target@example.com')).toHaveLength(1);
  });

  it('honours 429 retry-after and sends the same batch again under the same key', async () => {
    await subscribeAndConfirm('patient@example.com');
    fake.throttleNext(1, 7);
    await openIncident(ids.api);
    await openIncident(ids.website, 'Website down'); // a second batch, due as well
    const calls = fake.calls.length;
    expect(await deliverNextBatch(options)).toBe('throttled');
    expect(fake.calls[calls]!.status).toBe(429);
    // Neither is due before retry-after has passed.
    clock = new Date(clock.getTime() + 5_000);
    expect(await deliverNextBatch(options)).toBe('none');
    clock = new Date(clock.getTime() + 3_000);
    await drain();
    const retried = fake.calls.slice(calls + 1);
    expect(retried.map((c) => c.status)).toEqual([200, 200]);
    expect(retried.map((c) => c.key)).toContain(fake.calls[calls]!.key);
  });

  it("tries no batch after a staff email was throttled until the provider's time: the 429 is about the account", async () => {
    await subscribeAndConfirm('waiting@example.com');
    const before = emailsTo('waiting@example.com').length;
    const incidentId: string = (await openIncident(ids.api)).id;
    const oncall = await addUser(site, 'oncall@example.com', 'editor');
    await site.database.db.transaction((tx) =>
      enqueueStaffEmails(
        tx,
        [
          {
            userId: oncall.id,
            to: oncall.email,
            incidentId,
            message: {
              kind: 'overdue_reminder',
              page: { name: 'Acme', brandColor: '#2563eb', timeZone: 'Etc/UTC' },
              incident: { id: incidentId, kind: 'incident', name: 'API trouble' },
              dueAt: clock.toISOString(),
              remindedAt: clock.toISOString(),
            },
          },
        ],
        clock,
      ),
    );
    fake.throttleNext(1, 7);
    const calls = fake.calls.length;
    expect(await drain()).toBe(0);
    // Nor in the next drain: the batch, due before, waits for the provider's time too, and
    // so does one queued during the hold.
    clock = new Date(clock.getTime() + 5_000);
    await openIncident(ids.website, 'Queued while held');
    expect(await drain()).toBe(0);
    expect(fake.calls.slice(calls).map((c) => c.status)).toEqual([429]);
    expect(await nextDueAt(site.database.db)).toEqual(new Date(clock.getTime() + 2_000));
    clock = new Date(clock.getTime() + 3_000);
    await drain();
    expect(fake.emails.filter((e) => e.to.includes('oncall@example.com'))).toHaveLength(1);
    expect(emailsTo('waiting@example.com')).toHaveLength(before + 2);
  });

  it('retries a failed call with backoff under the same idempotency key, and the provider drops the repeat', async () => {
    await subscribeAndConfirm('twice@example.com');
    const before = emailsTo('twice@example.com').length;
    fake.failNext(1, 500);
    await openIncident(ids.api);
    const calls = fake.calls.length;
    expect(await deliverNextBatch(options)).toBe('retry');
    clock = new Date(clock.getTime() + 2_000);
    await drain();
    expect(fake.calls[calls + 1]!.key).toBe(fake.calls[calls]!.key);
    // A worker that died after the send: the batch is pending again, so it is sent again.
    const [batch] = await site.database.db
      .select()
      .from(deliveryBatches)
      .where(eq(deliveryBatches.idempotencyKey, fake.calls[calls]!.key!));
    await site.database.db
      .update(deliveryBatches)
      .set({ status: 'pending', availableAt: clock })
      .where(eq(deliveryBatches.id, batch!.id));
    await site.database.db.update(deliveries).set({ status: 'pending' }).where(eq(deliveries.batchId, batch!.id));
    expect(await deliverNextBatch(options)).toBe('sent');
    expect(fake.calls.at(-1)).toMatchObject({ key: fake.calls[calls]!.key, status: 200, count: 0 });
    expect(emailsTo('twice@example.com')).toHaveLength(before + 1);
  });

  it('leaves a batch to the claim that holds it: a worker whose lease ran out settles nothing', async () => {
    await subscribeAndConfirm('slow@example.com');
    const before = emailsTo('slow@example.com').length;
    await openIncident(ids.api);
    // While this worker sends, its lease runs out and another worker claims the batch.
    const claimedAgain = () =>
      site.database.db
        .update(deliveryBatches)
        .set({ attempts: sql`${deliveryBatches.attempts} + 1` })
        .where(eq(deliveryBatches.status, 'pending'));
    expect(await deliverNextBatch({ ...options, beforeSend: async () => void (await claimedAgain()) })).toBe('sent');
    const pending = await site.database.db.select().from(deliveryBatches).where(eq(deliveryBatches.status, 'pending'));
    expect(pending).toHaveLength(1);
    const rows = await site.database.db.select().from(deliveries).where(eq(deliveries.batchId, pending[0]!.id));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.status === 'pending')).toBe(true);
    // The batch is sent again under the same key once due: the provider drops the repeat.
    clock = new Date(clock.getTime() + 120_000);
    await drain();
    expect(fake.calls.at(-1)).toMatchObject({ key: pending[0]!.idempotencyKey, status: 200, count: 0 });
    expect(emailsTo('slow@example.com')).toHaveLength(before + 1);
    const [settled] = await site.database.db
      .select()
      .from(deliveryBatches)
      .where(eq(deliveryBatches.id, pending[0]!.id));
    expect(settled!.status).toBe('sent');
  });

  it('leaves a staff email to the claim that holds it: a worker whose lease ran out settles nothing', async () => {
    const incidentId: string = (await openIncident(ids.api, 'Slow reminder')).id;
    await drain();
    const oncall = await addUser(site, 'slow-oncall@example.com', 'editor');
    await site.database.db.transaction((tx) =>
      enqueueStaffEmails(
        tx,
        [
          {
            userId: oncall.id,
            to: oncall.email,
            incidentId,
            message: {
              kind: 'overdue_reminder',
              page: { name: 'Acme', brandColor: '#2563eb', timeZone: 'Etc/UTC' },
              incident: { id: incidentId, kind: 'incident', name: 'Slow reminder' },
              dueAt: clock.toISOString(),
              remindedAt: clock.toISOString(),
            },
          },
        ],
        clock,
      ),
    );
    // While this worker sends, its lease runs out and another worker claims the email.
    const claimedAgain = () =>
      site.database.db
        .update(staffMessages)
        .set({ attempts: sql`${staffMessages.attempts} + 1` })
        .where(eq(staffMessages.to, oncall.email));
    expect(await deliverNextStaffMessage({ ...options, beforeSend: async () => void (await claimedAgain()) })).toBe(
      'sent',
    );
    const [pending] = await site.database.db.select().from(staffMessages).where(eq(staffMessages.to, oncall.email));
    expect(pending).toMatchObject({ status: 'pending', attempts: 2, sentAt: null });
    const key = fake.calls.at(-1)!.key;
    // The later claim sends it again under the same key once due: the provider drops the repeat.
    clock = new Date(clock.getTime() + 120_000);
    await drain();
    expect(fake.calls.filter((c) => c.key === key).map((c) => [c.status, c.count])).toEqual([
      [200, 1],
      [200, 0],
    ]);
    expect(emailsTo(oncall.email)).toHaveLength(1);
    const [settled] = await site.database.db.select().from(staffMessages).where(eq(staffMessages.id, pending!.id));
    expect(settled).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('splits a refused batch and quarantines only the address the provider refuses', async () => {
    await subscribeAndConfirm('good@example.com');
    await subscribeAndConfirm('bad@example.com');
    const quarantined = async () =>
      (await site.database.db.select().from(subscribers).where(eq(subscribers.status, 'quarantined'))).map((s) => s.id);
    const before = await quarantined();
    await openIncident(ids.api);
    fake.failNext(1, 422);
    expect(await deliverNextBatch(options)).toBe('split');
    const [split] = await site.database.db
      .select()
      .from(deliveryBatches)
      .where(eq(deliveryBatches.status, 'skipped'))
      .orderBy(deliveryBatches.createdAt);
    // Now batches of one: the provider refuses the first of them too.
    fake.failNext(1, 422);
    await drain();
    const after = await quarantined();
    const newlyQuarantined = after.filter((id) => !before.includes(id));
    expect(newlyQuarantined).toHaveLength(1);
    const rows = await site.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.notificationId, split!.notificationId));
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.filter((r) => r.status === 'failed').map((r) => r.subscriberId)).toEqual(newlyQuarantined);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(rows.length - 1);
  });

  it('quarantines nobody for a refusal met by a worker whose lease ran out', async () => {
    await subscribeAndConfirm('maybe@example.com');
    const quarantined = async () =>
      (await site.database.db.select().from(subscribers).where(eq(subscribers.status, 'quarantined'))).length;
    const before = await quarantined();
    await openIncident(ids.api);
    fake.failNext(1, 422);
    expect(await deliverNextBatch(options)).toBe('split');
    // A batch of one is refused, but another worker claimed it meanwhile: that claim settles it.
    fake.failNext(1, 422);
    const claimedAgain = () =>
      site.database.db
        .update(deliveryBatches)
        .set({ attempts: sql`${deliveryBatches.attempts} + 1` })
        .where(eq(deliveryBatches.status, 'pending'));
    expect(await deliverNextBatch({ ...options, beforeSend: async () => void (await claimedAgain()) })).toBe('failed');
    expect(await quarantined()).toBe(before);
    clock = new Date(clock.getTime() + 120_000);
    await drain();
  });

  it('keeps emails in the mailbox without an API key', async () => {
    await subscribe('local@example.com');
    await drainDeliveries({ ...options, transport: mailboxTransport(site.database.db) });
    const kept = await site.database.db.select().from(mailbox).where(eq(mailbox.to, 'local@example.com'));
    expect(kept).toHaveLength(1);
    expect(kept[0]!.text).toContain('/subscriptions/confirm?token=');
  });

  it('quarantines bounced and complaining addresses from a signed Resend webhook, and refuses a bad signature', async () => {
    await subscribeAndConfirm('bouncy@example.com');
    const body = JSON.stringify({
      type: 'email.bounced',
      created_at: clock.toISOString(),
      data: { to: ['Bouncy@example.com'] },
    });
    const timestamp = String(Math.floor(clock.getTime() / 1000));
    const sign = (secret: string) =>
      `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
        .update(`msg_1.${timestamp}.${body}`)
        .digest('base64')}`;
    const post = (signature: string) =>
      fetch(`${site.url}/api/webhooks/resend`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'svix-id': 'msg_1',
          'svix-timestamp': timestamp,
          'svix-signature': signature,
        },
        body,
      });
    expect((await post(sign(`whsec_${Buffer.from('another secret').toString('base64')}`))).status).toBe(401);
    expect(await statusOf('bouncy@example.com')).toBe('confirmed');
    const accepted = await post(sign(WEBHOOK_SECRET));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ quarantined: 1 });
    expect(await statusOf('bouncy@example.com')).toBe('quarantined');
  });

  it('shows subscribers, counts and delivery counts in the admin; exports and imports CSV', async () => {
    const admin = (await addToken(site, 'admin')).token;
    const auth = { authorization: `Bearer ${admin}` };
    const listPage = await (await fetch(`${site.url}/admin/subscribers?q=everything`, { headers: auth })).text();
    expect(listPage).toContain('everything@example.com');
    expect(listPage).not.toContain('chooser@example.com');
    expect(listPage).toMatch(/\d+ confirmed/);
    const csv = await (await fetch(`${site.url}/admin/subscribers.csv`, { headers: auth })).text();
    expect(csv.split('\n')[0]).toBe('email,status,components,groups,maintenance,created_at,confirmed_at,language');
    // Which address an earlier test's refusing provider quarantined depends on row order.
    expect(csv).toMatch(/^api-only@example\.com,(confirmed|quarantined),[0-9a-z]{12},/m);
    expect(csv).toMatch(/^everything@example\.com,[a-z]+,.*,en$/m);
    const knownBefore = await statusOf('known@example.com');
    const imported = await postForm(
      '/admin/subscribers',
      [
        ['intent', 'import'],
        ['csv', 'email\nimported-1@example.com\nIMPORTED-2@example.com\nknown@example.com\nnot-an-address'],
      ],
      auth,
    );
    expect(imported.status).toBe(200);
    expect(await imported.text()).toContain('Imported: 2 new');
    await drain();
    expect(emailsTo('imported-1@example.com')[0]!.subject).toContain('Confirm your subscription');
    expect(emailsTo('imported-2@example.com')).toHaveLength(1);
    // An address already on the list keeps its state (importing never resets a subscriber).
    expect(knownBefore).toBeDefined();
    expect(await statusOf('known@example.com')).toBe(knownBefore);

    const incident = await openIncident(ids.api, 'Counted');
    const pagePending = await (await fetch(`${site.url}/admin/incidents/${incident.id}/`, { headers: auth })).text();
    expect(pagePending).toMatch(/Emails: 0 sent · [1-9]\d* pending · 0 failed/);
    await drain();
    const pageSent = await (await fetch(`${site.url}/admin/incidents/${incident.id}/`, { headers: auth })).text();
    expect(pageSent).toMatch(/Emails: [1-9]\d* sent · 0 pending · 0 failed/);
  });
});
