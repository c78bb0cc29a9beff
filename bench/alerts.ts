// npm run bench:alerts — with 20 components and 10,000 incidents, posts alerts as Alertmanager
// does and measures, for each, the time from sending the post until
//   - automatic mode: /api/v2/components.json serves the component's new status;
//   - suggest mode: the suggestion is in the inbox (GET /api/admin/v1/alerts).
// Each alert fires, then resolves (the next one starts from operational). Prints p50 / p95 / max
// over BENCH_ALERTS alerts (100) on PGlite and on PostgreSQL (when reachable); the target is a p95
// of at most 200 ms. BENCH_DRIVER=pglite|postgres: one driver only.
import { percentile, postgresReachable, startBenchServer, withDatabase } from './bench-database.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateDataset, insertDataset } from '../src/db/dataset.ts';
import { silentLogger } from '../src/infra/log.ts';
import { loadAstroHandler } from '../src/publish/astro-handler.ts';
import { Publisher } from '../src/publish/publisher.ts';

const DIST = path.resolve(import.meta.dirname, '..', process.env.HERALD_DIST_DIR ?? 'dist');
const ALERTS = Number(process.env.BENCH_ALERTS ?? 100);

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`;
};

async function bench(driver: 'pglite' | 'postgres'): Promise<void> {
  await withDatabase(driver, 'alerts', async (database) => {
    const now = new Date();
    const data = generateDataset({
      now,
      componentCount: 20,
      incidentCount: 10_000,
      maintenanceCount: 0,
      spanDays: 3 * 365,
      withCurrentEvents: false,
      uniqueBodies: true,
    });
    await insertDataset(database.db, data);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-alerts-'));
    const handler = await loadAstroHandler(DIST);
    const siteUrl = 'http://127.0.0.1';
    const publisher = new Publisher({ db: database.db, handler, dataDir, distDir: DIST, siteUrl, log: silentLogger });
    await publisher.publishAll();
    const server = await startBenchServer({ database, publisher, handler, dataDir, siteUrl, role: 'admin' });
    const { base } = server;
    const admin = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    const call = async (method: string, pathname: string, body?: unknown) => {
      const response = await fetch(`${base}/api/admin/v1${pathname}`, {
        method,
        headers: admin,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (response.status >= 300) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    // Every component's outage is no one's incident: the dataset's current events are off.
    const components = (await call('GET', '/components')) as Array<{ id: string; name: string }>;
    const automatic = await call('POST', '/alert-sources', { name: 'auto', kind: 'alertmanager', automatic: true });
    const suggesting = await call('POST', '/alert-sources', { name: 'suggest', kind: 'alertmanager' });
    const post = (source: { id: string; token: string }, alert: Record<string, unknown>) =>
      fetch(`${base}/api/webhooks/alerts/${source.id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version: '4', status: alert.status, alerts: [alert] }),
      });
    const served = async (id: string) =>
      (
        (await (await fetch(`${base}/api/v2/components.json`)).json()) as {
          components: Array<{ id: string; status: string }>;
        }
      ).components.find((c) => c.id === id)?.status;

    const toStatus: number[] = [];
    const toSuggestion: number[] = [];
    for (let n = 0; n < ALERTS; n++) {
      const component = components[n % components.length]!;
      const startsAt = new Date().toISOString();
      const alert = {
        status: 'firing',
        labels: { alertname: `Probe${n}`, component: component.name, severity: 'critical' },
        annotations: {},
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph',
        fingerprint: `auto${n}`,
      };
      let started = performance.now();
      const answer = await post(automatic, alert);
      if (answer.status !== 202) throw new Error(`alert ${n}: ${answer.status} ${await answer.text()}`);
      while ((await served(component.id)) !== 'major_outage') await new Promise((r) => setImmediate(r));
      toStatus.push(performance.now() - started);
      await post(automatic, { ...alert, status: 'resolved', endsAt: new Date().toISOString() });
      while ((await served(component.id)) !== 'operational') await new Promise((r) => setImmediate(r));

      started = performance.now();
      await post(suggesting, { ...alert, fingerprint: `suggest${n}` });
      for (;;) {
        const inbox = (await call('GET', '/alerts')) as {
          alerts: Array<{ fingerprint: string; suggestion_id: string | null }>;
        };
        if (inbox.alerts.some((a) => a.fingerprint === `suggest${n}` && a.suggestion_id)) break;
        await new Promise((r) => setImmediate(r));
      }
      toSuggestion.push(performance.now() - started);
      await post(suggesting, {
        ...alert,
        fingerprint: `suggest${n}`,
        status: 'resolved',
        endsAt: new Date().toISOString(),
      });
      await publisher.idle();
    }
    console.log(`${driver}: POST → status served (automatic): ${summary(toStatus)}`);
    console.log(`${driver}: POST → suggestion in the inbox:     ${summary(toSuggestion)}`);
    server.close();
    await publisher.close();
    await rm(dataDir, { recursive: true, force: true });
  });
}

const only = process.env.BENCH_DRIVER;
if (!only || only === 'pglite') await bench('pglite');
if (!only || only === 'postgres') {
  if (await postgresReachable()) await bench('postgres');
  else console.log('postgres: not reachable, skipped');
}
