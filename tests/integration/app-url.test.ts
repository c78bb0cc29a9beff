import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { components, subscribers } from '../../src/db/schema.ts';
import { drainDeliveries } from '../../src/notify/email-outbox.ts';
import type { DeliveryOptions } from '../../src/notify/outbox.ts';
import { resendTransport } from '../../src/notify/transport.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { freePort } from '../helpers/ports.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// The published site is served from a bucket at SITE_URL; Herald itself (forms, admin,
// subscriber pages) answers at HERALD_APP_URL, here the test server.

describe.each(DRIVERS)('a site served apart from Herald (HERALD_APP_URL) on %s', (driver) => {
  let site: TestSite;
  let appUrl = '';
  let fake: FakeResend;
  let cookie = '';
  let options: DeliveryOptions;
  let editor: ReturnType<typeof api>;
  let apiId = '';

  const post = (
    pathAndQuery: string,
    origin: string,
    fields: Array<[string, string]>,
    extra: Record<string, string> = {},
  ) =>
    fetch(`${appUrl}${pathAndQuery}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...extra },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const postAdminJson = (origin: string, body: unknown) =>
    fetch(`${appUrl}/api/admin/v1/components`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin },
      body: JSON.stringify(body),
    });
  const componentNamed = async (name: string) =>
    (await site.database.db.select().from(components).where(eq(components.name, name)))[0];

  beforeAll(async () => {
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    site = await startTestSite(driver, { siteUrl: SITE_URL, appUrl, port });
    fake = await startFakeResend({ apiKey: 're_test' });
    options = {
      db: site.database.db,
      transport: resendTransport({ apiKey: 're_test', baseUrl: fake.url }),
      siteUrl: SITE_URL,
      appUrl,
      from: 'Acme Status <status@example.com>',
      log: silentLogger,
    };
    editor = api(site, (await addToken(site, 'editor')).token);
    apiId = (await editor.post('/components', { name: 'API' })).body.id;
    await site.publisher.publishAll();
    await addUser(site, 'boss@example.com', 'admin');
    const login = await fetch(`${appUrl}/api/admin/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'boss@example.com', password: 'correct-horse-battery' }),
    });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => {
    await fake.close();
    await site.close();
  });

  it("posts the published index's subscribe form to Herald, and its policy lets the browser send it there", async () => {
    const html = await readFile(path.join(site.dataDir, 'site', 'index.html'), 'utf8');
    expect(html).toContain(`<form method="post" action="${appUrl}/subscribe"`);
    expect(html).toContain(`form-action 'self' ${appUrl}">`);
    // Links to the site itself stay on the site.
    expect(html).toContain(`<link rel="canonical" href="${SITE_URL}/">`);
  });

  it("accepts the public forms from SITE_URL's pages", async () => {
    const subscribed = await post('/subscribe', SITE_URL, [
      ['email', 'reader@example.com'],
      ['scope', 'all'],
      ['language', 'en'],
    ]);
    expect(subscribed.status).toBe(200);
    expect(await subscribed.text()).toContain('Check your inbox');
    expect(
      (await site.database.db.select().from(subscribers).where(eq(subscribers.email, 'reader@example.com')))[0]?.status,
    ).toBe('pending');
    // A subscriber page answers too (a bad token is its own answer, not a refused origin).
    expect((await post('/subscriptions/manage?token=nope', SITE_URL, [['intent', 'save']])).status).not.toBe(403);
  });

  it("refuses an admin form posted from SITE_URL's origin, and takes it from HERALD_APP_URL's", async () => {
    const fields: Array<[string, string]> = [
      ['intent', 'create_component'],
      ['name', 'Search'],
      ['status', 'operational'],
      ['position', '0'],
    ];
    const refused = await post('/admin/components', SITE_URL, fields, { cookie });
    expect(refused.status).toBe(403);
    expect(await componentNamed('Search')).toBeUndefined();
    const taken = await post('/admin/components', appUrl, fields, { cookie });
    expect(taken.status).toBeLessThan(400);
    expect(await componentNamed('Search')).toBeDefined();
  });

  it("refuses the admin API with a session cookie from SITE_URL's origin, and takes it from HERALD_APP_URL's", async () => {
    expect((await postAdminJson(SITE_URL, { name: 'Billing' })).status).toBe(403);
    expect(await componentNamed('Billing')).toBeUndefined();
    expect((await postAdminJson(appUrl, { name: 'Billing' })).status).toBe(201);
  });

  it('links emails to Herald for the subscriber pages and to the site for incidents', async () => {
    await drainDeliveries(options);
    const confirmation = fake.emails.find((e) => e.to.includes('reader@example.com'))!;
    expect(confirmation.text).toContain(`${appUrl}/subscriptions/confirm?token=`);
    expect(confirmation.text).not.toContain(`${SITE_URL}/subscriptions/`);
    expect(confirmation.headers['List-Unsubscribe']).toMatch(
      new RegExp(`^<${appUrl}/subscriptions/unsubscribe\\?token=[^>]+>$`),
    );
    // The link works as it stands, and the page's own form confirms.
    const confirmLink = confirmation.text.match(
      /http:\/\/127\.0\.0\.1:\d+(\/subscriptions\/confirm\?token=[A-Za-z0-9._-]+)/,
    )![1]!;
    expect((await fetch(`${appUrl}${confirmLink}`)).status).toBe(200);
    expect((await post(confirmLink, appUrl, [])).status).toBe(200);
    expect(
      (await site.database.db.select().from(subscribers).where(eq(subscribers.email, 'reader@example.com')))[0]?.status,
    ).toBe('confirmed');

    const incident = (
      await editor.post('/incidents', {
        incident: { name: 'Checkout errors', body: 'Investigating.', components: { [apiId]: 'partial_outage' } },
      })
    ).body;
    await drainDeliveries(options);
    const notice = fake.emails.filter((e) => e.to.includes('reader@example.com')).at(-1)!;
    expect(notice.subject).toContain('Checkout errors');
    expect(notice.text).toContain(`${SITE_URL}/incidents/${incident.id}/`);
    expect(notice.text).toContain(`${appUrl}/subscriptions/manage?token=`);
    expect(notice.text).not.toContain(`${SITE_URL}/subscriptions/`);
  });
});
