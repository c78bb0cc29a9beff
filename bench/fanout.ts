// npm run bench:fanout — 100,000 confirmed subscribers, one incident update: how long until
// every email is accepted by a local fake Resend without a rate limit (target < 30 s), the
// projected time at Resend's 5 requests/s, the time the delivery rows add to the update's
// transaction, and the publish latency of other changes while the fan-out runs.
// PGlite, and PostgreSQL when reachable (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
import { percentile, POSTGRES_URL, postgresReachable, withDatabase } from './bench-database.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ensureSingletons } from '../src/db/seed.ts';
import { drainDeliveries } from '../src/notify/email-outbox.ts';
import { rowsOf } from '../src/db/sql-rows.ts';
import { resendTransport } from '../src/notify/transport.ts';
import { loadAstroHandler } from '../src/publish/astro-handler.ts';
import { Publisher } from '../src/publish/publisher.ts';
import { SYSTEM_ACTOR } from '../src/server/change.ts';
import { createComponent } from '../src/server/components/manage-components.ts';
import { createIncident, postUpdate } from '../src/server/incidents/manage-incidents.ts';
import { silentLogger } from '../src/infra/log.ts';
import { startFakeResend } from '../tests/helpers/fake-resend.ts';

const DIST = path.resolve(import.meta.dirname, '..', process.env.HERALD_DIST_DIR ?? 'dist');
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function bench(driver: 'pglite' | 'postgres'): Promise<void> {
  await withDatabase(driver, 'fanout', async (database) => {
    const db = database.db;
    await ensureSingletons(db);
    const ctx = () => ({ db, actor: SYSTEM_ACTOR, now: new Date() });
    const components = [];
    for (let i = 0; i < 20; i++)
      components.push((await createComponent(ctx(), { name: `Component ${i + 1}` })).value.id);
    await db.execute(sql`insert into subscribers (id, email, status, confirmed_at)
      select lpad(to_hex(g), 12, '0'), 'subscriber-' || g || '@example.com', 'confirmed', now() from generate_series(1, ${SUBSCRIBERS}) g`);

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-fanout-'));
    const publisher = new Publisher({
      db,
      handler: await loadAstroHandler(DIST),
      dataDir,
      distDir: DIST,
      siteUrl: 'https://status.example.com',
      log: silentLogger,
      renderThread: false,
    });
    await publisher.publishAll();
    const fake = await startFakeResend({ apiKey: 're_bench', keepEmails: false });

    // The update that fans out: its delivery rows are written in its own transaction.
    const committedAt = performance.now();
    const incident = await createIncident(ctx(), {
      name: 'Payments down',
      body: 'We are investigating failed payments.',
      components: { [components[0]!]: 'major_outage' },
    });
    const transactionMs = performance.now() - committedAt;
    const rowCount = Number(
      rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from deliveries`))[0]?.n,
    );

    // Other changes keep being published while the fan-out runs.
    const publishLatencies: number[] = [];
    let fanningOut = true;
    const prober = (async () => {
      let n = 0;
      while (fanningOut) {
        const started = performance.now();
        const committed = await postUpdate(ctx(), incident.value.id, {
          status: 'investigating',
          body: `Probe ${n++}`,
          deliver_notifications: false,
        });
        await publisher.publishChange(committed.scope!);
        publishLatencies.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const started = performance.now();
    const transport = resendTransport({ apiKey: 're_bench', baseUrl: fake.url });
    const batches = await drainDeliveries({
      db,
      transport,
      siteUrl: 'https://status.example.com',
      from: 'Status <status@example.com>',
      log: silentLogger,
      concurrency: CONCURRENCY,
    });
    await fake.waitForEmails(SUBSCRIBERS, 5_000);
    const fanoutMs = performance.now() - started;
    fanningOut = false;
    await prober;

    publishLatencies.sort((a, b) => a - b);
    const calls = fake.calls.filter((c) => c.status === 200).length;
    console.log(
      `${driver}: ${SUBSCRIBERS} confirmed subscribers; the update's transaction wrote ${rowCount} delivery rows in ${batches} batches: ${transactionMs.toFixed(0)} ms (the whole change, rows included)`,
    );
    console.log(
      `${driver}: every email accepted by the fake Resend after ${seconds(fanoutMs)} (target < 30 s): ${calls} batch calls, ${Math.round(SUBSCRIBERS / (fanoutMs / 1000))} emails/s, ${CONCURRENCY} lanes`,
    );
    console.log(
      `${driver}: at Resend's 5 requests/s the same fan-out takes ${seconds((calls / 5) * 1000)} (the floor: ${Math.ceil(SUBSCRIBERS / 100)} calls / 5 per s)`,
    );
    console.log(
      `${driver}: publish latency of other changes during the fan-out (commit + publish): p50 ${percentile(publishLatencies, 50).toFixed(0)} ms, p95 ${percentile(publishLatencies, 95).toFixed(0)} ms, max ${publishLatencies.at(-1)!.toFixed(0)} ms over ${publishLatencies.length} changes`,
    );
    const accepted = fake.accepted();
    if (accepted.emails !== SUBSCRIBERS || accepted.addresses !== SUBSCRIBERS)
      throw new Error(`expected ${SUBSCRIBERS} emails to distinct addresses, got ${JSON.stringify(accepted)}`);
    await fake.close();
    await publisher.close();
    await rm(dataDir, { recursive: true, force: true });
  });
}

if (process.env.BENCH_DRIVER !== 'postgres') await bench('pglite');
if (process.env.BENCH_DRIVER !== 'pglite') {
  if (await postgresReachable()) await bench('postgres');
  else console.log(`postgres: skipped, nothing answers at ${new URL(POSTGRES_URL).host} (set DATABASE_URL)`);
}
