import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToken, api } from '../helpers/admin.ts';
import { startMonitoring, type MonitoringStack } from '../helpers/monitoring.ts';
import { freePort } from '../helpers/ports.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

// The real thing: Debian's blackbox exporter probes a small HTTP service this test runs,
// Prometheus evaluates the rules and Alertmanager posts to Herald. Stopping the service makes
// the alerts fire: one component's status is set automatically and served in /api/v2, the
// other gets a suggested incident; starting it again resolves them.

const SITE = 'http://127.0.0.1';

describe('alerts from Prometheus Alertmanager', () => {
  let site: TestSite;
  let monitoring: MonitoringStack;
  let service: Server | null = null;
  let servicePort: number;
  let editor: ReturnType<typeof api>;
  let shopId: string;
  let checkoutId: string;

  const startService = () =>
    new Promise<void>((resolve) => {
      service = createServer((_request, response) => response.end('ok'));
      service.listen(servicePort, '127.0.0.1', () => resolve());
    });
  const stopService = () =>
    new Promise<void>((resolve) => {
      if (!service) return resolve();
      service.closeAllConnections();
      service.close(() => resolve());
      service = null;
    });
  const served = async () => {
    const body = (await (await fetch(`${site.url}/api/v2/components.json`)).json()) as {
      components: Array<{ id: string; status: string }>;
    };
    return Object.fromEntries(body.components.map((c) => [c.id, c.status]));
  };
  /** Polls until `check` holds (60 s at most): the stack works in seconds, the machine may be slow. */
  const eventually = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${what} did not happen within 60 s; monitoring output:\n${monitoring.output().slice(-4000)}`);
  };

  beforeAll(async () => {
    servicePort = await freePort();
    await startService();
    site = await startTestSite('pglite');
    await site.publisher.publishAll();
    const admin = api(site, (await addToken(site, 'admin')).token);
    editor = api(site, (await addToken(site, 'editor')).token);
    shopId = (await admin.post('/components', { name: 'Shop' })).body.id;
    checkoutId = (await admin.post('/components', { name: 'Checkout' })).body.id;
    // Shop's status follows its alerts at once; Checkout's alerts only suggest.
    expect((await editor.put(`/components/${shopId}/automatic-status`, { automatic: true })).status).toBe(200);
    const source = (await admin.post('/alert-sources', { name: 'Prometheus', kind: 'alertmanager' })).body;
    monitoring = await startMonitoring({
      target: `${SITE}:${servicePort}/`,
      rules: [
        { name: 'ShopDown', labels: { component: 'Shop', severity: 'critical' } },
        { name: 'CheckoutDown', labels: { component: 'checkout', severity: 'error' } },
      ],
      webhookUrl: `${site.url}/api/webhooks/alerts/${source.id}`,
      token: source.token,
    });
  }, 90_000);
  afterAll(async () => {
    await stopService();
    await monitoring?.close();
    await site?.close();
  });

  it('sets the status and suggests an incident when the service goes down, and resolves when it is back', async () => {
    // Up: the probe succeeds, nothing fires.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await editor.get('/alerts')).body.alerts).toEqual([]);

    await stopService();
    await eventually('Shop served as a major outage', async () => (await served())[shopId] === 'major_outage');
    await eventually('a suggestion for Checkout', async () =>
      (await editor.get('/alerts')).body.suggestions.some(
        (s: { components: Record<string, string> }) => s.components[checkoutId] === 'partial_outage',
      ),
    );
    const inbox = (await editor.get('/alerts')).body;
    const shop = inbox.alerts.find((a: { labels: { alertname: string } }) => a.labels.alertname === 'ShopDown');
    expect(shop).toMatchObject({ status: 'firing', component_id: shopId, component_status: 'major_outage' });
    expect(shop.generator_url).toMatch(/^http:\/\/.*\/graph\?g0\.expr=probe_success/);
    // Checkout is only suggested: its public status is untouched.
    expect((await served())[checkoutId]).toBe('operational');

    await startService();
    await eventually('Shop operational again', async () => (await served())[shopId] === 'operational');
    await eventually('both alerts resolved', async () =>
      (await editor.get('/alerts')).body.alerts.every((a: { status: string }) => a.status === 'resolved'),
    );
  }, 150_000);
});
