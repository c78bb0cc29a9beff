import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/process.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// The alerts page from a browser's side: an admin adds a source (its token shown once, with the
// Alertmanager receiver to paste), an alert comes in, an editor edits and publishes the suggestion.

describe('the alerts page', () => {
  let site: TestSite;
  let cookie = '';
  let componentId = '';

  const page = async (path: string) => (await fetch(`${site.url}${path}`, { headers: { cookie } })).text();
  const submit = (fields: Record<string, string>) =>
    fetch(`${site.url}/admin/alerts`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  beforeAll(async () => {
    site = await startTestSite('pglite');
    await site.publisher.publishAll();
    await addUser(site, 'boss@example.com', 'admin');
    cookie = await signIn(site.url, 'boss@example.com');
    componentId = (await api(site, (await addToken(site, 'admin')).token).post('/components', { name: 'Checkout' }))
      .body.id;
  });
  afterAll(() => site.close());

  it('adds a source, shows its token once, and publishes an edited suggestion', async () => {
    const refused = await submit({ intent: 'create_source', name: '', kind: 'alertmanager' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/<input[^>]*name="name"[^>]*aria-invalid="true"/);

    const created = await submit({
      intent: 'create_source',
      name: 'Prometheus',
      kind: 'alertmanager',
      stale_after_minutes: '720',
    });
    expect(created.status).toBe(201);
    const html = await created.text();
    const token = /value="(hrldal_[a-z0-9]+)"/.exec(html)?.[1];
    expect(token).toBeDefined();
    const url = /id="new-alert-url"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(url).toMatch(/\/api\/webhooks\/alerts\/[0-9a-z]{12}$/);
    expect(html).toContain('webhook_configs:');
    expect(html).toContain(`credentials: ${token}`);
    // Never again.
    expect(await page('/admin/alerts')).not.toContain(token!);

    const posted = await fetch(url.replace(SITE_URL, site.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'CheckoutErrors', component: 'checkout', severity: 'critical' },
            annotations: {},
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.example/graph',
            fingerprint: 'f00d',
          },
        ],
      }),
    });
    expect(posted.status).toBe(202);
    const { suggestions } = (await posted.json()) as { suggestions: string[] };
    const inbox = await page('/admin/alerts');
    expect(inbox).toContain('Problems with Checkout');
    expect(inbox).toContain('CheckoutErrors');
    expect(inbox).toContain('href="http://prometheus.example/graph"');

    const published = await submit({
      intent: 'publish',
      id: suggestions[0]!,
      version: '1',
      name: 'Checkout errors',
      body: 'Payments fail for some customers.',
      [`components.${componentId}`]: 'partial_outage',
      deliver_notifications: 'on',
    });
    expect(published.status).toBe(303);
    expect(published.headers.get('location')).toMatch(/^\/admin\/incidents\/[0-9a-z]{12}\/\?notice=/);
    const components = (await (await fetch(`${site.url}/api/v2/components.json`)).json()) as {
      components: Array<{ name: string; status: string }>;
    };
    expect(components.components.find((c) => c.name === 'Checkout')?.status).toBe('partial_outage');
  });
});
