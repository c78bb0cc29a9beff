import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, webhookDeliveries, webhookEndpoints } from '../../src/db/schema.ts';
import { errorBody } from '../../src/infra/errors.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { drainWebhooks, type WebhookDeliveryOptions } from '../../src/notify/webhook-deliver.ts';
import { SYSTEM_ACTOR, type ChangeContext } from '../../src/server/change.ts';
import { createComponent } from '../../src/server/components/manage-components.ts';
import { IncidentCreateInput, UpdateInput } from '../../src/server/incidents/incident-input.ts';
import { createIncident, postUpdate } from '../../src/server/incidents/manage-incidents.ts';
import {
  createWebhook,
  listWebhooks,
  sendTestWebhook,
  WebhookInput,
} from '../../src/server/webhooks/manage-webhooks.ts';
import { startChatFakes, type ChatService } from '../helpers/chat-fakes.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../helpers/database.ts';

// Slack, Teams and Discord destinations, end to end through the outbox against local fakes
// that answer as each service does (see tests/helpers/chat-fakes.ts).

const SITE_URL = 'https://status.example.com';

describe.each(DRIVERS)('chat destinations on %s', (driver) => {
  let database: TestDatabase;
  let fakes: Awaited<ReturnType<typeof startChatFakes>>;
  let clock: Date;
  let api: string;
  let billing: string;
  const ctx = (): ChangeContext => ({ db: database.db, actor: SYSTEM_ACTOR, now: clock });
  const options = (extra: Partial<WebhookDeliveryOptions> = {}): WebhookDeliveryOptions => ({
    db: database.db,
    siteUrl: SITE_URL,
    log: silentLogger,
    allowPrivate: true,
    chatAnyHost: true,
    now: () => clock,
    random: () => 0.5,
    timeoutMs: 2000,
    ...extra,
  });
  const drain = (extra: Partial<WebhookDeliveryOptions> = {}) => drainWebhooks({ ...options(extra), concurrency: 1 });
  const add = async (kind: ChatService, extra: Record<string, unknown> = {}) =>
    (
      await createWebhook(
        ctx(),
        WebhookInput.parse({ kind, url: fakes.urls[kind], events: ['incident.created', 'incident.updated'], ...extra }),
        { allowPrivate: true, chatAnyHost: true },
      )
    ).value;
  const open = async (name: string, component = api) =>
    (
      await createIncident(
        ctx(),
        IncidentCreateInput.parse({
          name,
          body: 'We are **investigating** errors.',
          components: { [component]: 'partial_outage' },
        }),
      )
    ).value;
  const deliveriesOf = (endpointId: string) =>
    database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, endpointId))
      .orderBy(webhookDeliveries.id);
  const later = (ms: number) => (clock = new Date(clock.getTime() + ms));

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    fakes = await startChatFakes();
    clock = new Date();
    api = (await createComponent(ctx(), { name: 'API' })).value.id;
    billing = (await createComponent(ctx(), { name: 'Billing' })).value.id;
  });
  afterAll(async () => {
    await fakes.close();
    await database.destroy();
  });
  beforeEach(async () => {
    await database.db.delete(webhookEndpoints);
    fakes.received.length = 0;
    for (const queue of Object.values(fakes.answers)) queue.length = 0;
    later(24 * 60 * 60_000);
  });

  it('sends each service one message per update, in its own format and unsigned', async () => {
    await add('slack');
    await add('teams');
    await add('discord');
    const incident = await open('Checkout errors');
    later(60_000);
    await postUpdate(ctx(), incident.id, UpdateInput.parse({ status: 'identified', body: 'A bad deploy.' }));
    expect(await drain()).toBe(6);
    // The fakes refuse a body their service would refuse: all six were accepted.
    expect(fakes.received.map((r) => r.service).sort()).toEqual([
      'discord',
      'discord',
      'slack',
      'slack',
      'teams',
      'teams',
    ]);
    for (const request of fakes.received) {
      expect(request.headers['herald-signature']).toBeUndefined();
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
      const text = JSON.stringify(request.body);
      expect(text).toContain('Checkout errors');
      expect(text).toContain(`${SITE_URL}/incidents/${incident.id}/`);
      expect(text).toContain('API');
    }
    const slack = fakes.received.filter((r) => r.service === 'slack').map((r) => JSON.stringify(r.body));
    expect(slack[0]).toContain('*Investigating*\\nWe are *investigating* errors.');
    expect(slack[1]).toContain('*Identified*\\nA bad deploy.');
    // Sent again (a lost answer), a delivery is the same message: frozen when the update committed.
    const [first] = await deliveriesOf((await listWebhooks(database.db)).find((h) => h.kind === 'slack')!.id);
    expect(first!.status).toBe('sent');
  });

  it('waits as long as a 429 asks, for every message to that destination, then sends them in order', async () => {
    const discord = await add('discord');
    fakes.answers.discord.push({ status: 429, retryAfterSeconds: 120 });
    const incident = await open('Slow API');
    later(1000);
    await postUpdate(ctx(), incident.id, UpdateInput.parse({ status: 'identified', body: 'Found it.' }));
    expect(await drain()).toBe(0);
    const waiting = await deliveriesOf(discord.id);
    expect(waiting.map((d) => d.status)).toEqual(['pending', 'pending']);
    for (const delivery of waiting)
      expect(delivery.availableAt.getTime()).toBeGreaterThanOrEqual(clock.getTime() + 120_000);
    expect(waiting[0]!.responseStatus).toBe(429);
    // Before the time asked, nothing is sent; after it, both are, the first first.
    later(60_000);
    expect(await drain()).toBe(0);
    later(61_000);
    expect(await drain()).toBe(2);
    const bodies = fakes.received.map((r) => JSON.stringify(r.body));
    expect(bodies[0]).toContain('Investigating');
    expect(bodies[1]).toContain('Identified');
  });

  it('retries a 5xx with backoff and quarantines a destination that keeps failing', async () => {
    const teams = await add('teams');
    fakes.answers.teams.push({ status: 502 }, { status: 503 });
    await open('Teams retry');
    expect(await drain()).toBe(0);
    later(60 * 60_000);
    expect(await drain()).toBe(0);
    later(6 * 60 * 60_000);
    expect(await drain()).toBe(1);
    expect((await deliveriesOf(teams.id))[0]).toMatchObject({ status: 'sent', attempts: 3 });

    const slack = await add('slack');
    for (let i = 0; i < 3; i++) fakes.answers.slack.push({ status: 500 });
    await open('Slack down');
    for (let i = 0; i < 3; i++) {
      await drain({ maxAttempts: 3 });
      later(7 * 60 * 60_000);
    }
    const [row] = await database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, slack.id));
    expect(row!.quarantinedAt).not.toBeNull();
    expect(row!.quarantineReason).toBe('3 failed attempts to deliver one event; last: HTTP 500');
  });

  it("refuses a URL off the service's hosts, when added and again when sent", async () => {
    const refused = await createWebhook(
      ctx(),
      WebhookInput.parse({ kind: 'slack', url: 'https://example.com/services/T/B/X', events: ['incident.created'] }),
      { allowPrivate: false },
    ).catch((error: unknown) => error);
    expect(errorBody(refused)).toMatchObject({
      status: 422,
      body: {
        error: {
          code: 'invalid_field',
          field: 'url',
          message: expect.stringMatching(/is not a Slack webhook URL; it looks like https:\/\/hooks\.slack\.com\//),
        },
      },
    });
    // Registered under the test-only override, then sent with it off: nothing leaves.
    const discord = await add('discord');
    await open('No override');
    expect(await drain({ chatAnyHost: false })).toBe(0);
    expect(fakes.received).toEqual([]);
    const [delivery] = await deliveriesOf(discord.id);
    expect(delivery!.lastError).toMatch(/^refused: the URL is not a Discord webhook URL/);
  });

  it('reaches only destinations that chose an affected component, in their language', async () => {
    await add('slack', { component_ids: [billing], language: 'zh-TW' });
    await add('discord', { component_ids: [api] });
    await open('API only');
    await open('Billing only', billing);
    expect(await drain()).toBe(2);
    const byService = Object.fromEntries(fakes.received.map((r) => [r.service, JSON.stringify(r.body)]));
    expect(byService.discord).toContain('API only');
    expect(byService.slack).toContain('Billing only');
    expect(byService.slack).toContain('調查中');
    expect(byService.slack).toContain(`${SITE_URL}/zh-TW/incidents/`);
  });

  it('refuses an unknown component and names it', async () => {
    const error = await createWebhook(
      ctx(),
      WebhookInput.parse({
        kind: 'slack',
        url: fakes.urls.slack,
        events: ['incident.created'],
        component_ids: [api, 'zzzzzzzzzzzz'],
      }),
      { allowPrivate: true, chatAnyHost: true },
    ).catch((e: unknown) => e);
    expect(errorBody(error)).toMatchObject({
      status: 422,
      body: { error: { code: 'invalid_field', field: 'component_ids.1' } },
    });
  });

  it('keeps the URL, a secret, out of answers and the audit log, and sends a test message', async () => {
    const slack = await add('slack');
    expect(slack.url).not.toContain('slack-secret-key');
    expect(slack).not.toHaveProperty('secret');
    const listed = await listWebhooks(database.db);
    expect(JSON.stringify(listed)).not.toContain('slack-secret-key');
    const audited = await database.db.select().from(auditLog).where(eq(auditLog.entityId, slack.id));
    expect(audited.length).toBeGreaterThan(0);
    expect(JSON.stringify(audited)).not.toContain('slack-secret-key');
    await sendTestWebhook(ctx(), slack.id);
    expect(await drain()).toBe(1);
    expect(JSON.stringify(fakes.received[0]!.body)).toContain('A test message from');
  });
});
