import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { incidents, webhookDeliveries, webhookEndpoints } from '../../src/db/schema.ts';
import { pageId } from '../../src/db/snapshot-queries.ts';
import { drainWebhooks, type WebhookDeliveryOptions } from '../../src/notify/webhook-deliver.ts';
import { removalUrl, verifyHeraldSignature } from '../../src/notify/webhook-signature.ts';
import { SYSTEM_ACTOR, type ChangeContext } from '../../src/server/change.ts';
import { createComponent, updateComponent } from '../../src/server/components/manage-components.ts';
import { errorBody } from '../../src/infra/errors.ts';
import { IncidentCreateInput, UpdateInput } from '../../src/server/incidents/incident-input.ts';
import { createIncident, postUpdate } from '../../src/server/incidents/manage-incidents.ts';
import { PostmortemInput, savePostmortem } from '../../src/server/incidents/postmortem.ts';
import { silentLogger } from '../../src/infra/log.ts';
import {
  createWebhook,
  deleteWebhook,
  reenableWebhook,
  sendTestWebhook,
  WebhookInput,
} from '../../src/server/webhooks/manage-webhooks.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../helpers/database.ts';
import { SITE_URL as TEST_SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';
import { pageSettings } from '../../src/db/schema.ts';

const SITE_URL = 'https://status.example.com';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers as told. */
async function startReceiver() {
  const received: Received[] = [];
  /** status 0: never answer (a receiver that hangs). */
  const answers: Array<{ status: number; headers?: Record<string, string> }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers.shift() ?? { status: 200 };
      if (answer.status === 0) return;
      response.writeHead(answer.status, answer.headers ?? {});
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    answers,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.each(DRIVERS)('webhooks on %s', (driver) => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let clock: Date;
  let componentId: string;
  const ctx = (): ChangeContext => ({ db: database.db, actor: SYSTEM_ACTOR, now: clock });
  const options = (extra: Partial<WebhookDeliveryOptions> = {}): WebhookDeliveryOptions => ({
    db: database.db,
    siteUrl: SITE_URL,
    log: silentLogger,
    allowPrivate: true,
    now: () => clock,
    random: () => 0.5,
    timeoutMs: 2000,
    ...extra,
  });
  const drain = (extra: Partial<WebhookDeliveryOptions> = {}) => drainWebhooks({ ...options(extra), concurrency: 2 });
  const register = async (events: string[], path = '/hook') =>
    (await createWebhook(ctx(), WebhookInput.parse({ url: `${receiver.url}${path}`, events }), { allowPrivate: true }))
      .value;
  const openIncident = async (name: string) =>
    (
      await createIncident(
        ctx(),
        IncidentCreateInput.parse({
          name,
          body: 'We are investigating.',
          components: { [componentId]: 'partial_outage' },
        }),
      )
    ).value;
  const deliveriesOf = (endpointId: string) =>
    database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, endpointId))
      .orderBy(webhookDeliveries.id);
  const endpoint = async (id: string) =>
    (await database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0]!;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    receiver = await startReceiver();
    clock = new Date();
    componentId = (await createComponent(ctx(), { name: 'API' })).value.id;
  });
  afterAll(async () => {
    await receiver.close();
    await database.destroy();
  });
  beforeEach(async () => {
    // Each test starts with no endpoint and an empty receiver; the clock moves past every backoff.
    await database.db.delete(webhookEndpoints);
    receiver.received.length = 0;
    receiver.answers.length = 0;
    clock = new Date(clock.getTime() + 24 * 60 * 60_000);
  });

  it('delivers each event in Statuspage shape, signed with the endpoint secret', async () => {
    const hook = await register(['incident.created', 'incident.resolved', 'component.updated']);
    expect(hook.secret).toMatch(/^hrldwh_/);
    const incident = await openIncident('Checkout errors');
    expect(await drain()).toBe(2);

    expect(receiver.received.map((r) => r.headers['herald-event']).sort()).toEqual([
      'component.updated',
      'incident.created',
    ]);
    for (const request of receiver.received) {
      expect(request.path).toBe('/hook');
      expect(request.headers['user-agent']).toBe('Herald-Webhooks');
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(request.headers['herald-delivery']).toMatch(/^\d+$/);
      expect(
        verifyHeraldSignature(hook.secret!, request.headers['herald-signature'] as string, request.body, clock),
      ).toEqual({ ok: true });
      expect(
        verifyHeraldSignature('hrldwh_wrong', request.headers['herald-signature'] as string, request.body, clock),
      ).toEqual({ ok: false, reason: 'mismatch' });
    }
    const created = JSON.parse(receiver.received.find((r) => r.headers['herald-event'] === 'incident.created')!.body);
    expect(created.meta.documentation).toBe(`${SITE_URL}/subscriptions/webhook`);
    expect(created.page).toEqual({
      id: pageId(SITE_URL),
      status_indicator: 'major',
      status_description: 'Partial System Outage',
    });
    expect(created.incident).toMatchObject({
      id: incident.id,
      name: 'Checkout errors',
      status: 'investigating',
      shortlink: `${SITE_URL}/incidents/${incident.id}/`,
      page_id: pageId(SITE_URL),
    });
    expect(created.incident.incident_updates[0].body).toBe('We are investigating.');
    const component = JSON.parse(
      receiver.received.find((r) => r.headers['herald-event'] === 'component.updated')!.body,
    );
    expect(component.component_update).toMatchObject({
      old_status: 'operational',
      new_status: 'partial_outage',
      component_id: componentId,
    });
    expect(component.component).toMatchObject({ id: componentId, name: 'API', status: 'partial_outage' });

    // An update it did not ask for sends nothing; the resolution does.
    await postUpdate(ctx(), incident.id, UpdateInput.parse({ status: 'identified', body: 'Found it.' }));
    await postUpdate(
      ctx(),
      incident.id,
      UpdateInput.parse({ status: 'resolved', body: 'Fixed.', components: { [componentId]: 'operational' } }),
    );
    receiver.received.length = 0;
    expect(await drain()).toBe(2);
    expect(receiver.received.map((r) => r.headers['herald-event']).sort()).toEqual([
      'component.updated',
      'incident.resolved',
    ]);
    expect((await endpoint(hook.id)).lastSuccessAt).toEqual(clock);
    expect((await deliveriesOf(hook.id)).every((d) => d.status === 'sent' && d.responseStatus === 200)).toBe(true);
  });

  it('sends incident.updated with status "postmortem" when a postmortem is published', async () => {
    await register(['incident.updated']);
    const incident = await openIncident('Database failover');
    await postUpdate(
      ctx(),
      incident.id,
      UpdateInput.parse({ status: 'resolved', body: 'Fixed.', components: { [componentId]: 'operational' } }),
    );
    receiver.received.length = 0;
    await savePostmortem(
      ctx(),
      incident.id,
      PostmortemInput.parse({ body: '## What happened\nA failover.', publish: true }),
    );
    expect(await drain()).toBe(1);
    const [request] = receiver.received;
    expect(request!.headers['herald-event']).toBe('incident.updated');
    expect(JSON.parse(request!.body).incident).toMatchObject({ id: incident.id, status: 'postmortem' });
  });

  it("sends a visitor's endpoint nothing while the page does not allow them, and never to a private address, whatever the development flag", async () => {
    const visitor = (
      await createWebhook(ctx(), WebhookInput.parse({ url: `${receiver.url}/visitor`, events: ['incident.created'] }), {
        allowPrivate: true,
        selfService: true,
      })
    ).value;
    await openIncident('Visitor event while off');
    expect(await deliveriesOf(visitor.id)).toEqual([]);

    await database.db.update(pageSettings).set({ visitorWebhooks: true });
    try {
      await openIncident('Visitor event');
      expect(await drain()).toBe(0); // attempted, and refused before connecting
      expect(receiver.received).toEqual([]);
      const [delivery] = await deliveriesOf(visitor.id);
      expect(delivery!.lastError).toMatch(/^refused: /);
    } finally {
      await database.db.update(pageSettings).set({ visitorWebhooks: false });
    }
  });

  it('retries a failed delivery after a backoff, with the same body and delivery id', async () => {
    const hook = await register(['incident.created']);
    receiver.answers.push({ status: 500 });
    await openIncident('Slow pages');
    expect(await drain()).toBe(0);
    let [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, responseStatus: 500, lastError: 'HTTP 500' });
    expect(delivery!.availableAt.getTime() - clock.getTime()).toBe(30_000);
    expect((await endpoint(hook.id)).consecutiveFailures).toBe(1);

    expect(await drain()).toBe(0); // not due yet
    expect(receiver.received).toHaveLength(1);
    clock = new Date(clock.getTime() + 31_000);
    expect(await drain()).toBe(1);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(receiver.received[1]!.headers['herald-delivery']).toBe(receiver.received[0]!.headers['herald-delivery']);
    [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2, responseStatus: 200, lastError: null });
    expect((await endpoint(hook.id)).consecutiveFailures).toBe(0);
  });

  it('sends again after a lease runs out (a worker died mid-send)', async () => {
    const hook = await register(['incident.created']);
    await openIncident('Crash');
    const [row] = await deliveriesOf(hook.id);
    // What a claim leaves behind when its process dies before settling: one attempt, a lease.
    await database.db
      .update(webhookDeliveries)
      .set({ attempts: 1, availableAt: new Date(clock.getTime() + 60_000) })
      .where(eq(webhookDeliveries.id, row!.id));
    expect(await drain()).toBe(0);
    clock = new Date(clock.getTime() + 61_000);
    expect(await drain()).toBe(1);
    expect(receiver.received[0]!.headers['herald-delivery']).toBe(String(row!.id));
  });

  it('leaves a delivery to the claim that holds it: a worker whose lease ran out settles nothing', async () => {
    const port = new URL(receiver.url).port;
    const hook = (
      await createWebhook(
        ctx(),
        WebhookInput.parse({ url: `http://taken-over.invalid:${port}/hook`, events: ['incident.created'] }),
        { allowPrivate: true },
      )
    ).value;
    await openIncident('Taken over');
    const loopback = async () => [{ address: '127.0.0.1', family: 4 as const }];
    // While this worker sends, its lease runs out and another worker claims the delivery.
    const claimedAgain = async () => {
      await database.db
        .update(webhookDeliveries)
        .set({ attempts: sql`${webhookDeliveries.attempts} + 1` })
        .where(eq(webhookDeliveries.endpointId, hook.id));
      return loopback();
    };
    expect(await drain({ resolve: claimedAgain })).toBe(1);
    const [pending] = await deliveriesOf(hook.id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 2, sentAt: null, responseStatus: null });
    // The later claim sends it again once due, under the same delivery id, and settles it.
    clock = new Date(clock.getTime() + 61_000);
    expect(await drain({ resolve: loopback })).toBe(1);
    expect(receiver.received.map((r) => r.headers['herald-delivery'])).toEqual([
      String(pending!.id),
      String(pending!.id),
    ]);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: 'sent', attempts: 3, responseStatus: 200 });
  });

  it('quarantines an endpoint that keeps failing, and re-enabling it resumes delivery', async () => {
    const hook = await register(['incident.created']);
    for (let i = 0; i < 10; i++) receiver.answers.push({ status: 503 });
    await openIncident('Outage one');
    for (let attempt = 1; attempt <= 3; attempt++) {
      await drain({ maxAttempts: 3 });
      clock = new Date(clock.getTime() + 7 * 60 * 60_000);
    }
    expect(receiver.received).toHaveLength(3);
    const quarantined = await endpoint(hook.id);
    expect(quarantined.quarantinedAt).not.toBeNull();
    expect(quarantined.quarantineReason).toBe('3 failed attempts to deliver one event; last: HTTP 503');
    expect(quarantined.consecutiveFailures).toBe(3);
    expect((await deliveriesOf(hook.id)).map((d) => d.status)).toEqual(['failed']);

    await openIncident('Outage two');
    expect(await deliveriesOf(hook.id)).toHaveLength(1); // nothing queued for a quarantined endpoint
    await expect(sendTestWebhook(ctx(), hook.id)).rejects.toMatchObject({ status: 409 });

    receiver.answers.length = 0;
    await reenableWebhook(ctx(), hook.id);
    expect(await endpoint(hook.id)).toMatchObject({ quarantinedAt: null, consecutiveFailures: 0 });
    await openIncident('Outage three');
    await sendTestWebhook(ctx(), hook.id);
    expect(await drain()).toBe(2);
    expect(
      receiver.received
        .slice(-2)
        .map((r) => r.headers['herald-event'])
        .sort(),
    ).toEqual(['incident.created', 'test']);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const hook = await register(['incident.created']);
    receiver.answers.push({ status: 0 });
    await openIncident('Hanging');
    const started = Date.now();
    expect(await drain({ timeoutMs: 300 })).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'no answer within 0.3 s',
      responseStatus: null,
    });
  });

  it('does not follow a redirect', async () => {
    const hook = await register(['incident.created']);
    receiver.answers.push({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    await openIncident('Moved');
    expect(await drain()).toBe(0);
    expect(receiver.received.map((r) => r.path)).toEqual(['/hook']);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'pending', responseStatus: 302 });
    expect(delivery!.lastError).toContain('redirect');
  });

  it('connects to the address it checked, not to a second lookup of the name', async () => {
    const port = new URL(receiver.url).port;
    const hook = (
      await createWebhook(
        ctx(),
        WebhookInput.parse({ url: `http://pinned.invalid:${port}/pinned`, events: ['incident.created'] }),
        { allowPrivate: true },
      )
    ).value;
    await openIncident('Pinned');
    // ".invalid" never resolves through the system: only the checked answer can reach the receiver.
    expect(await drain({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] })).toBe(1);
    expect(receiver.received.map((r) => [r.path, r.headers.host])).toEqual([['/pinned', `pinned.invalid:${port}`]]);
    expect((await deliveriesOf(hook.id))[0]!.status).toBe('sent');
  });

  it('refuses loopback, private, link-local and metadata targets when private addresses are not allowed', async () => {
    const { port } = receiver;
    const targets = [
      `https://127.0.0.1:${port}/hook`,
      `http://127.0.0.1:${port}/hook`,
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1/hook',
      `https://[::1]:${port}/hook`,
      `https://[::ffff:127.0.0.1]:${port}/hook`,
      `https://localhost:${port}/hook`,
      `https://rebinding.example/hook`,
    ];
    // Rows as if registered while the names were public (or the flag was on): the send re-checks.
    const ids: string[] = [];
    for (const url of targets) {
      const id = `ssrf${String(ids.length).padStart(8, '0')}`;
      await database.db.insert(webhookEndpoints).values({ id, url, secret: 's', events: ['incident.created'] });
      ids.push(id);
    }
    await openIncident('Probe');
    // One public answer and one private one: rebinding is refused.
    const resolve = async (host: string) =>
      host === 'rebinding.example'
        ? [
            { address: '93.184.216.34', family: 4 },
            { address: '127.0.0.1', family: 4 },
          ]
        : [{ address: '127.0.0.1', family: 4 }];
    expect(await drain({ allowPrivate: false, resolve })).toBe(0);
    expect(receiver.received).toHaveLength(0);
    const errors: Array<string | null> = [];
    for (const id of ids) {
      const [delivery] = await deliveriesOf(id);
      expect(delivery!.status).toBe('pending');
      errors.push(delivery!.lastError);
    }
    expect(errors).toEqual([
      'refused: 127.0.0.1 is a loopback address; webhooks go to public addresses only',
      'refused: http: URLs are not allowed; use https://',
      'refused: 169.254.169.254 is a cloud metadata address; webhooks go to public addresses only',
      'refused: 10.0.0.1 is a private address; webhooks go to public addresses only',
      'refused: ::1 is a loopback address; webhooks go to public addresses only',
      'refused: ::ffff:7f00:1 is a loopback address; webhooks go to public addresses only',
      'refused: localhost resolves to 127.0.0.1, a loopback address; webhooks go to public addresses only',
      'refused: rebinding.example resolves to 127.0.0.1, a loopback address; webhooks go to public addresses only',
    ]);
  });

  it('refuses to register http URLs and private hosts, naming the url field', async () => {
    const attempt = async (url: string, allowPrivate = false) => {
      try {
        await createWebhook(ctx(), WebhookInput.parse({ url, events: ['incident.created'] }), { allowPrivate });
        return null;
      } catch (error) {
        return errorBody(error);
      }
    };
    expect(await attempt('http://hooks.example.com/')).toEqual({
      status: 422,
      headers: {},
      body: { error: { code: 'invalid_field', message: 'url: must start with https://', field: 'url' } },
    });
    expect((await attempt('https://169.254.169.254/'))?.body.error).toEqual({
      code: 'invalid_field',
      message: 'url: must not point to a cloud metadata address (169.254.169.254)',
      field: 'url',
    });
    expect((await attempt('https://[::1]/'))?.body.error.field).toBe('url');
    expect((await attempt('https://localhost/'))?.body.error.message).toBe(
      'url: must name a public host, not "localhost"',
    );
    expect(await attempt(`http://127.0.0.1:${receiver.port}/`, true)).toBeNull();
    const parsed = WebhookInput.safeParse({ url: 'https://hooks.example.com/', events: [] });
    expect(parsed.success ? null : errorBody(parsed.error).body.error).toEqual({
      code: 'invalid_field',
      message: 'events: choose at least one event',
      field: 'events',
    });
    const badEvent = WebhookInput.safeParse({ url: 'https://hooks.example.com/', events: ['incident.exploded'] });
    expect(badEvent.success ? null : errorBody(badEvent.error).body.error.field).toBe('events.0');
    expect(await database.db.select({ n: count() }).from(webhookEndpoints)).toEqual([{ n: 1 }]);
  });

  it("writes delivery rows in the update's transaction: a rollback leaves none", async () => {
    const hook = await register(['incident.updated', 'component.updated']);
    const incident = await openIncident('Rollback');
    const before = await deliveriesOf(hook.id);
    await expect(
      database.db.transaction(async (tx) => {
        await postUpdate(
          { ...ctx(), db: tx as unknown as Database },
          incident.id,
          UpdateInput.parse({ status: 'identified', body: 'Found it.', components: { [componentId]: 'major_outage' } }),
        );
        const inside = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, hook.id));
        expect(inside.map((d) => d.eventType).sort()).toEqual(['component.updated', 'incident.updated']);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await deliveriesOf(hook.id)).toEqual(before);
    expect((await database.db.select().from(incidents).where(eq(incidents.id, incident.id)))[0]!.status).toBe(
      'investigating',
    );

    // Committed, the same update writes both; a component change by itself writes one.
    await postUpdate(
      ctx(),
      incident.id,
      UpdateInput.parse({ status: 'identified', body: 'Found it.', components: { [componentId]: 'major_outage' } }),
    );
    await updateComponent(ctx(), componentId, { status: 'degraded_performance' });
    expect((await deliveriesOf(hook.id)).map((d) => d.eventType)).toEqual([
      'incident.updated',
      'component.updated',
      'component.updated',
    ]);
    await deleteWebhook(ctx(), hook.id);
    expect(await deliveriesOf(hook.id)).toEqual([]);
  });
});

describe.each(DRIVERS)('webhook registration through the server on %s', (driver) => {
  let site: TestSite;
  let admin: ReturnType<typeof api>;
  let editor: ReturnType<typeof api>;
  let cookie: string;
  const form = (path: string, fields: Array<[string, string]>, headers: Record<string, string> = {}) =>
    fetch(`${site.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_SITE_URL, ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  beforeAll(async () => {
    site = await startTestSite(driver);
    admin = api(site, (await addToken(site, 'admin')).token);
    editor = api(site, (await addToken(site, 'editor')).token);
    await addUser(site, 'ada@example.com', 'admin');
    const session = await fetch(`${site.url}/api/admin/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'correct-horse-battery' }),
    });
    cookie = session.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(() => site.close());

  it('registers, lists, tests, re-enables and removes webhooks through the admin API (admins only)', async () => {
    expect((await editor.get('/webhooks')).status).toBe(403);
    expect(
      (await admin.post('/webhooks', { url: 'http://hooks.example.com/a', events: ['incident.created'] })).body,
    ).toEqual({ error: { code: 'invalid_field', message: 'url: must start with https://', field: 'url' } });
    expect(
      (await admin.post('/webhooks', { url: 'https://[::ffff:169.254.169.254]/', events: ['incident.created'] })).body
        .error,
    ).toEqual({
      code: 'invalid_field',
      message: 'url: must not point to a cloud metadata address ([::ffff:a9fe:a9fe])',
      field: 'url',
    });
    expect(
      (await admin.post('/webhooks', { url: 'https://hooks.example.com/a', events: ['nope'] })).body.error.field,
    ).toBe('events.0');

    const created = await admin.post('/webhooks', {
      webhook: {
        url: 'https://hooks.example.com/a',
        events: ['incident.created', 'component.updated'],
        description: 'Pager',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: 'https://hooks.example.com/a',
      events: ['incident.created', 'component.updated'],
      description: 'Pager',
      state: 'active',
      self_service: false,
    });
    expect(created.body.secret).toMatch(/^hrldwh_[A-Za-z0-9_-]{43}$/);
    const listed = await admin.get('/webhooks');
    expect(listed.body.map((h: { id: string }) => h.id)).toEqual([created.body.id]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);

    expect((await admin.post(`/webhooks/${created.body.id}/test`)).status).toBe(202);
    const [queued] = await site.database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, created.body.id));
    expect(queued).toMatchObject({ eventType: 'test', status: 'pending' });
    expect((await admin.post(`/webhooks/${created.body.id}/reenable`)).body.state).toBe('active');
    expect((await admin.delete(`/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await admin.delete(`/webhooks/${created.body.id}`)).status).toBe(404);
    const audit = await admin.get(`/audit-log?entity_type=webhook&entity_id=${created.body.id}`);
    expect(audit.body.map((e: { action: string }) => e.action).sort()).toEqual([
      'webhook.create',
      'webhook.delete',
      'webhook.reenable',
      'webhook.test',
    ]);
    // Viewers read the audit log; a webhook URL's path is often its key.
    expect(JSON.stringify(audit.body)).not.toContain('hooks.example.com/a');
    expect(audit.body.find((e: { action: string }) => e.action === 'webhook.create').after.url_origin).toBe(
      'https://hooks.example.com',
    );
  });

  it('adds a webhook from the admin page and shows its secret once, or the error beside the field', async () => {
    const page = await fetch(`${site.url}/admin/webhooks`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('href="/admin/webhooks" aria-current="page"');
    expect(html).toContain('Add a webhook');

    const refused = await form(
      '/admin/webhooks',
      [
        ['intent', 'create'],
        ['url', 'https://localhost/hook'],
        ['events', 'incident.created'],
      ],
      { cookie },
    );
    expect(refused.status).toBe(422);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toContain('must name a public host, not &quot;localhost&quot;');
    expect(refusedHtml).toContain('value="https://localhost/hook"');

    const none = await form(
      '/admin/webhooks',
      [
        ['intent', 'create'],
        ['url', 'https://hooks.example.com/b'],
      ],
      { cookie },
    );
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('choose at least one event');

    const added = await form(
      '/admin/webhooks',
      [
        ['intent', 'create'],
        ['url', 'https://hooks.example.com/b'],
        ['events', 'incident.resolved'],
      ],
      { cookie },
    );
    expect(added.status).toBe(201);
    const addedHtml = await added.text();
    const secret = addedHtml.match(/value="(hrldwh_[A-Za-z0-9_-]+)"/)?.[1];
    expect(secret).toBeDefined();
    const again = await (await fetch(`${site.url}/admin/webhooks`, { headers: { cookie } })).text();
    expect(again).toContain('https://hooks.example.com/b');
    expect(again).not.toContain(secret!);
  });

  it('lets visitors register a webhook only when the page allows it', async () => {
    const closed = await fetch(`${site.url}/subscriptions/webhook`);
    expect(closed.status).toBe(200);
    expect(await closed.text()).toContain('does not take webhook registrations from visitors');
    expect(
      (
        await form('/subscriptions/webhook', [
          ['url', 'https://hooks.example.com/v'],
          ['events', 'incident.created'],
        ])
      ).status,
    ).toBe(404);
    expect(await (await fetch(`${site.url}/subscribe`)).text()).not.toContain('href="/subscriptions/webhook"');

    await site.database.db.update(pageSettings).set({ visitorWebhooks: true });
    // Visitors find it from the subscribe page.
    expect(await (await fetch(`${site.url}/subscribe`)).text()).toContain('href="/subscriptions/webhook"');
    const open = await (await fetch(`${site.url}/subscriptions/webhook`)).text();
    expect(open).toContain('name="url"');
    const refused = await form('/subscriptions/webhook', [
      ['url', 'https://10.0.0.7/hook'],
      ['events', 'incident.created'],
    ]);
    expect(refused.status).toBe(422);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toContain('must not point to a private address (10.0.0.7)');
    expect(refusedHtml).toContain('aria-invalid="true"');

    const accepted = await form('/subscriptions/webhook', [
      ['url', 'https://hooks.example.com/v'],
      ['events', 'incident.created'],
    ]);
    expect(accepted.status).toBe(201);
    expect(await accepted.text()).toMatch(/value="hrldwh_[A-Za-z0-9_-]+"/);
    const [row] = await site.database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.url, 'https://hooks.example.com/v'));
    expect(row).toMatchObject({ selfService: true, events: ['incident.created'] });

    // Its payloads carry a removal link; opening it only asks, its button removes.
    const link = removalUrl(TEST_SITE_URL, row!.id, row!.secret).slice(TEST_SITE_URL.length);
    const forged = await fetch(`${site.url}${link.replace(/token=\w+/, 'token=0123456789abcdef0123456789abcdef')}`);
    expect(forged.status).toBe(404);
    expect(await forged.text()).toContain('This removal link is not valid');
    const ask = await fetch(`${site.url}${link}`);
    expect(ask.status).toBe(200);
    expect(await ask.text()).toMatch(
      /Stop sending this status page(&#39;|')s events to <code>https:\/\/hooks\.example\.com\/v<\/code>\?/,
    );
    expect(await site.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, row!.id))).toHaveLength(
      1,
    );
    const removed = await form('/subscriptions/webhook', [
      ['intent', 'remove'],
      ['id', row!.id],
      ['token', new URL(link, TEST_SITE_URL).searchParams.get('token')!],
    ]);
    expect(removed.status).toBe(200);
    expect(await removed.text()).toContain('The webhook is removed');
    expect(await site.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, row!.id))).toHaveLength(
      0,
    );

    // A Slack channel instead: only Slack's own webhook URLs, never shown whole again.
    const notSlack = await form('/subscriptions/webhook', [
      ['kind', 'slack'],
      ['url', 'https://hooks.example.com/services/T/B/X'],
      ['events', 'incident.created'],
    ]);
    expect(notSlack.status).toBe(422);
    expect(await notSlack.text()).toContain('is not a Slack webhook URL');
    const slack = await form('/subscriptions/webhook', [
      ['kind', 'slack'],
      ['url', 'https://hooks.slack.com/services/T0001/B0001/visitorkey1234'],
      ['events', 'incident.created'],
    ]);
    expect(slack.status).toBe(201);
    const slackHtml = await slack.text();
    expect(slackHtml).toContain('Your Slack channel');
    expect(slackHtml).not.toContain('visitorkey');
    expect(slackHtml).not.toContain('hrldwh_');
    const [slackRow] = await site.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.kind, 'slack'));
    expect(slackRow).toMatchObject({
      selfService: true,
      url: 'https://hooks.slack.com/services/T0001/B0001/visitorkey1234',
    });
    const slackRemoval = removalUrl(TEST_SITE_URL, slackRow!.id, slackRow!.secret).slice(TEST_SITE_URL.length);
    const askSlack = await (await fetch(`${site.url}${slackRemoval}`)).text();
    expect(askSlack).toContain('https://hooks.slack.com/services/…1234');
    expect(askSlack).not.toContain('visitorkey');

    // The subscribe form's per-client limit (10 an hour) covers webhook registrations too.
    const statuses = [];
    for (let i = 0; i < 10; i++)
      statuses.push(
        (
          await form('/subscriptions/webhook', [
            ['url', `https://hooks.example.com/v${i}`],
            ['events', 'incident.created'],
          ])
        ).status,
      );
    expect(statuses.at(-1)).toBe(429);
  });
});
