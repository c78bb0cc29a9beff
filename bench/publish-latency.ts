// npm run bench:publish-latency — with 20 components, 10,000 incidents and ~30,000 updates,
// posts updates through the admin API and measures, for each, the time from sending the
// request until the served / and /api/v2/summary.json both show the new text.
// Prints p50 / p95 / max on PGlite and on PostgreSQL (when reachable), and the full-publish time.
// BENCH_DRIVER=pglite|postgres: one driver only. BENCH_UPDATES=n: how many updates (200).
// BENCH_TRACE=1: every update's latency, the garbage collection pauses inside it, and for
// slow ones (60 ms and more) where the time went and which threads used the CPU meanwhile.
// BENCH_CPU_PROFILE=name: a CPU profile of the update loop. BENCH_NO_THREAD=1: no render thread.
// Then the same on to a bucket stand-in with Varnish in front (benchTargets below);
// BENCH_TARGETS_ONLY=1: that alone; BENCH_TARGET_UPDATES=n: how many updates (100).
import { percentile, POSTGRES_URL, postgresReachable, startBenchServer, withDatabase } from './bench-database.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../src/db/client.ts';
import { generateDataset, insertDataset } from '../src/db/dataset.ts';
import { loadAstroHandler } from '../src/publish/astro-handler.ts';
import { Publisher } from '../src/publish/publisher.ts';
import { silentLogger } from '../src/infra/log.ts';
import { Distribution } from '../src/publish/distribution.ts';
import { httpPurger } from '../src/publish/purge.ts';
import { parsePublishTargets } from '../src/publish/targets/config.ts';
import { TargetMirror } from '../src/publish/targets/mirror.ts';
import { startS3StandIn } from '../tests/helpers/s3-stand-in.ts';
import { startVarnish, VARNISHD } from '../tests/helpers/varnish.ts';

const DIST = path.resolve(import.meta.dirname, '..', process.env.HERALD_DIST_DIR ?? 'dist');
const UPDATES = Number(process.env.BENCH_UPDATES ?? 200);

/** BENCH_CPU_PROFILE=name: a CPU profile of the update loop (not setup), for Chrome DevTools. */
async function startProfiler(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`CPU profile of the update loop: ${file}`);
    },
  };
}

/**
 * CPU time (ms) each thread of this process has used so far, by thread id and name; Linux
 * only (empty elsewhere), counted in the kernel's usual 10 ms ticks.
 */
function threadCpuMs(): Map<string, number> {
  const used = new Map<string, number>();
  if (!existsSync('/proc/self/task')) return used;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const [utime, stime] = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .slice(11, 13)
        .map(Number) as [number, number];
      used.set(`${task} ${readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim()}`, (utime + stime) * 10);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return used;
}

/** Which threads used CPU since `before`, e.g. "MainThread 40, V8Worker 20, WorkerThread 10" (10 ms ticks). */
function cpuUsedSince(before: Map<string, number>): string {
  const used = [...threadCpuMs()].map(
    ([thread, ms]) => [thread.split(' ').slice(1).join(' '), ms - (before.get(thread) ?? 0)] as const,
  );
  return used
    .filter(([, ms]) => ms > 0)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
}

/**
 * Writes the dataset and lets go of it: the server under test holds what a real one holds,
 * not also the 45,000 generated rows (a third more heap for the garbage collector to mark).
 */
async function seed(db: Database, now: Date): Promise<{ incidents: number; updates: number }> {
  const data = generateDataset({
    now,
    componentCount: 20,
    incidentCount: 10_000,
    maintenanceCount: 0,
    spanDays: 3 * 365,
    withCurrentEvents: true,
    uniqueBodies: true,
  });
  await insertDataset(db, data);
  return { incidents: data.incidents.length, updates: data.updates.length };
}

async function bench(driver: 'pglite' | 'postgres'): Promise<void> {
  await withDatabase(driver, 'latency', async (database) => {
    const now = new Date();
    const seeded = await seed(database.db, now);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-latency-'));
    const handler = await loadAstroHandler(DIST);
    const siteUrl = 'http://127.0.0.1';
    const publisher = new Publisher({
      db: database.db,
      handler,
      dataDir,
      distDir: DIST,
      siteUrl,
      log: silentLogger,
      renderThread: process.env.BENCH_NO_THREAD ? false : undefined,
    });
    const full = await publisher.publishAll();
    const server = await startBenchServer({ database, publisher, handler, dataDir, siteUrl, role: 'editor' });
    const { base } = server;
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    const opened = await fetch(`${base}/api/admin/v1/incidents`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Latency probe', body: 'Opening.' }),
    });
    if (opened.status !== 201)
      throw new Error(`opening the probe incident answered ${opened.status}: ${await opened.text()}`);
    const created = await opened.json();
    await publisher.idle(); // the probe's own deferred pages are not the first update's cost

    const shows = async (pathname: string, text: string) =>
      (await (await fetch(`${base}${pathname}`)).text()).includes(text);
    const latencies: number[] = [];
    const answered: number[] = [];
    const publishMs: number[] = [];
    const complete: number[] = [];
    const statuses = ['investigating', 'identified', 'monitoring'];
    const profiler = process.env.BENCH_CPU_PROFILE ? await startProfiler() : null;
    const windows: Array<[number, number]> = [];
    // BENCH_TRACE: each update's latency in order, and the garbage collection pauses inside it.
    const gcPauses: PerformanceEntry[] = [];
    const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries()));
    if (process.env.BENCH_TRACE) gcObserver.observe({ entryTypes: ['gc'] });
    const spans: Array<[number, number]> = [];
    const threadCpu: string[] = [];
    for (let n = 0; n < UPDATES; n++) {
      const text = `Probe ${n} ${Math.random().toString(36).slice(2)}`;
      const cpuBefore = process.env.BENCH_TRACE ? threadCpuMs() : null;
      const started = performance.now();
      const windowStart = process.hrtime.bigint() / 1000n;
      const response = await fetch(`${base}/api/admin/v1/incidents/${created.id}/updates`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ status: statuses[n % 3], body: text }),
      });
      if (response.status !== 201) throw new Error(`update ${n} answered ${response.status}: ${await response.text()}`);
      answered.push(performance.now() - started);
      publishMs.push(Number(response.headers.get('herald-publish')?.match(/duration-ms=(\d+)/)?.[1] ?? 0));
      while (!((await shows('/', text)) && (await shows('/api/v2/summary.json', text))))
        await new Promise((r) => setImmediate(r));
      latencies.push(performance.now() - started);
      if (cpuBefore) threadCpu.push(cpuUsedSince(cpuBefore));
      spans.push([started, performance.now()]);
      if (profiler) windows.push([Number(windowStart), Number(process.hrtime.bigint() / 1000n)]);
      // Paced like people post: the next update comes once this one is fully published
      // (including the deferred uptime calendar), not while it is still rendering.
      await publisher.idle();
      complete.push(performance.now() - started);
    }
    if (process.env.BENCH_TRACE) {
      gcObserver.disconnect();
      const gcIn = ([from, to]: [number, number]) =>
        gcPauses.filter((e) => e.startTime >= from && e.startTime < to).reduce((sum, e) => sum + e.duration, 0);
      const shown = latencies.map((v, i) => {
        const gc = gcIn(spans[i]!);
        return `${v.toFixed(0)}${gc >= 5 ? `(gc ${gc.toFixed(0)})` : ''}${v >= 60 ? `[answered ${answered[i]!.toFixed(0)}, publish ${publishMs[i]}; cpu ${threadCpu[i]}]` : ''}`;
      });
      for (let i = 0; i < shown.length; i += 20)
        console.log(`updates ${i}-${i + 19}: ${shown.slice(i, i + 20).join(' ')}`);
    }
    if (profiler) {
      await profiler.stop(`${process.env.BENCH_CPU_PROFILE}.${driver}.cpuprofile`);
      await writeFile(`${process.env.BENCH_CPU_PROFILE}.${driver}.windows.json`, JSON.stringify(windows));
    }
    latencies.sort((a, b) => a - b);
    answered.sort((a, b) => a - b);
    publishMs.sort((a, b) => a - b);
    complete.sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    console.log(`${driver}: ${seeded.incidents} incidents, ${seeded.updates} updates; ${UPDATES} updates posted`);
    console.log(
      `${driver}: update visible on / and /api/v2/summary.json (each posted once the previous one was fully published): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(latencies.at(-1)!)} (target p95 < 100 ms)`,
    );
    console.log(
      `${driver}: of which the API answered (change committed and published) at p50 ${ms(percentile(answered, 50))}, the publish itself took p50 ${ms(percentile(publishMs, 50))}, p95 ${ms(percentile(publishMs, 95))}`,
    );
    console.log(
      `${driver}: every affected file written (history pages, feeds, uptime calendar and the other languages render a moment after the rest): p50 ${ms(percentile(complete, 50))}, p95 ${ms(percentile(complete, 95))}`,
    );
    console.log(
      `${driver}: full publish of ${full.files} files: ${(full.durationMs / 1000).toFixed(2)} s (${Math.round(full.durationMs / percentile(latencies, 50))}x the p50 change)`,
    );
    await benchRenames(driver, base, headers, created.id, publisher, shows);
    server.close();
    await publisher.close();
    await rm(dataDir, { recursive: true, force: true });
  });
}

/**
 * Component renames through the admin API (BENCH_RENAMES, 40), each followed by an incident
 * update: the time until / and /api/v2/summary.json both show the new name, and until they
 * show the update, while the renames' background sweeps of the other 30,000 pages run (they
 * are not waited for: a comms lead renaming during an incident does not wait either). Then
 * how long the last sweep took to finish.
 */
async function benchRenames(
  driver: string,
  base: string,
  headers: Record<string, string>,
  incidentId: string,
  publisher: Publisher,
  shows: (pathname: string, text: string) => Promise<boolean>,
): Promise<void> {
  const renames = Number(process.env.BENCH_RENAMES ?? 40);
  const [component] = (await (await fetch(`${base}/api/admin/v1/components`, { headers })).json()) as Array<{
    id: string;
  }>;
  const renamed: number[] = [];
  const updated: number[] = [];
  const backlog: number[] = [];
  const visible = async (text: string) => {
    while (!((await shows('/', text)) && (await shows('/api/v2/summary.json', text))))
      await new Promise((r) => setImmediate(r));
  };
  for (let n = 0; n < renames; n++) {
    const name = `Renamed ${n} ${Math.random().toString(36).slice(2, 8)}`;
    let started = performance.now();
    const response = await fetch(`${base}/api/admin/v1/components/${component!.id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ name }),
    });
    if (response.status !== 200) throw new Error(`rename ${n} answered ${response.status}: ${await response.text()}`);
    await visible(name);
    renamed.push(performance.now() - started);
    backlog.push(publisher.status.backlog);
    await new Promise((r) => setTimeout(r, 200));
    const text = `During a sweep ${n} ${Math.random().toString(36).slice(2)}`;
    started = performance.now();
    const posted = await fetch(`${base}/api/admin/v1/incidents/${incidentId}/updates`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ status: 'monitoring', body: text }),
    });
    if (posted.status !== 201) throw new Error(`update ${n} answered ${posted.status}: ${await posted.text()}`);
    await visible(text);
    updated.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 200));
  }
  const lastSweep = performance.now();
  await publisher.idle();
  const sweptMs = performance.now() - lastSweep;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  renamed.sort((a, b) => a - b);
  updated.sort((a, b) => a - b);
  console.log(
    `${driver}: component rename visible on / and /api/v2/summary.json (${renames} renames, the pages of each swept in the background): p50 ${ms(percentile(renamed, 50))}, p95 ${ms(percentile(renamed, 95))}, max ${ms(renamed.at(-1)!)} (target p95 < 200 ms)`,
  );
  console.log(
    `${driver}: incident update visible while those sweeps ran: p50 ${ms(percentile(updated, 50))}, p95 ${ms(percentile(updated, 95))}, max ${ms(updated.at(-1)!)}; routes waiting in the sweep after each rename: median ${percentile(
      backlog.sort((a, b) => a - b),
      50,
    )}; the last sweep finished ${(sweptMs / 1000).toFixed(1)} s after the last change`,
  );
}

/**
 * The same updates, published on to a bucket (the S3 stand-in of the tests, through the real
 * AWS SDK) with Debian's Varnish in front of it, purged once the bucket holds each change:
 * the time from posting an update until the bucket serves the new index, and until Varnish
 * does. Skipped without varnishd (apt-get install -y varnish).
 */
async function benchTargets(driver: 'pglite' | 'postgres'): Promise<void> {
  if (!existsSync(VARNISHD))
    return console.log(
      `${driver}: bucket and cache latency skipped: ${VARNISHD} is missing (apt-get install -y varnish)`,
    );
  const updates = Number(process.env.BENCH_TARGET_UPDATES ?? 100);
  await withDatabase(driver, 'targets', async (database) => {
    const now = new Date();
    await seed(database.db, now);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-targets-'));
    const s3 = await startS3StandIn({ buckets: ['site'], accessKeyIds: ['AKIABENCH'], publicRead: true });
    const varnish = await startVarnish(s3.endpoint, 'status.example.com', { backendPathPrefix: '/site' });
    const [target] = parsePublishTargets(`s3://site?endpoint=${s3.endpoint}&region=us-east-1&path_style=true`, {
      AWS_ACCESS_KEY_ID: 'AKIABENCH',
      AWS_SECRET_ACCESS_KEY: 'bench-secret',
    });
    const mirror = new TargetMirror({ target: target!, log: silentLogger });
    const distribution = new Distribution({
      mirrors: [mirror],
      purgers: [httpPurger(varnish.url, 'https://status.example.com')],
      log: silentLogger,
    });
    const handler = await loadAstroHandler(DIST);
    const siteUrl = 'https://status.example.com';
    const publisher = new Publisher({
      db: database.db,
      handler,
      dataDir,
      distDir: DIST,
      siteUrl,
      log: silentLogger,
      onPublished: distribution.published,
    });
    const started = performance.now();
    const full = await publisher.publishAll();
    await mirror.idle();
    const firstUpload = performance.now() - started;
    const firstPuts = s3.requests.filter((r) => r.operation === 'PutObject').length;
    // A second full publish at once: the bucket already holds every file.
    await publisher.publishAll();
    await mirror.idle();
    const secondPuts = s3.requests.filter((r) => r.operation === 'PutObject').length - firstPuts;
    await distribution.idle();
    const server = await startBenchServer({ database, publisher, handler, dataDir, siteUrl, role: 'editor' });
    const { base } = server;
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', origin: base };
    const created = await (
      await fetch(`${base}/api/admin/v1/incidents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'Latency probe', body: 'Opening.' }),
      })
    ).json();
    await publisher.idle();
    await mirror.idle();
    await distribution.idle();
    const bucketIndex = async () => (await fetch(`${s3.endpoint}/site/index.html`)).text();
    const toBucket: number[] = [];
    const toCache: number[] = [];
    for (let n = 0; n < updates; n++) {
      const text = `Probe ${n} ${Math.random().toString(36).slice(2)}`;
      const posted = performance.now();
      const response = await fetch(`${base}/api/admin/v1/incidents/${created.id}/updates`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ status: 'investigating', body: text }),
      });
      if (response.status !== 201) throw new Error(`update ${n} answered ${response.status}: ${await response.text()}`);
      while (!(await bucketIndex()).includes(text)) await new Promise((r) => setTimeout(r, 2));
      toBucket.push(performance.now() - posted);
      while (!(await varnish.get('/')).body.includes(text)) await new Promise((r) => setTimeout(r, 2));
      toCache.push(performance.now() - posted);
      await publisher.idle();
      await mirror.idle();
      await distribution.idle();
    }
    toBucket.sort((a, b) => a - b);
    toCache.sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    console.log(
      `${driver}: first full publish of ${full.files} files uploaded to the bucket stand-in (${firstPuts} objects) in ${(firstUpload / 1000).toFixed(1)} s; a second full publish right after uploaded ${secondPuts} objects (its revision record, and files the clock moved meanwhile, such as today's uptime; with a fixed clock the tests see none)`,
    );
    if (updates > 0)
      console.log(
        `${driver}: ${updates} updates: served by the bucket p50 ${ms(percentile(toBucket, 50))}, p95 ${ms(percentile(toBucket, 95))} (target p95 <= 250 ms); through Varnish after its purge p50 ${ms(percentile(toCache, 50))}, p95 ${ms(percentile(toCache, 95))} (target p95 <= 300 ms)`,
      );
    server.close();
    await publisher.close();
    await distribution.close();
    await varnish.close();
    await s3.close();
    await rm(dataDir, { recursive: true, force: true });
  });
}

if (process.env.BENCH_TARGETS_ONLY) {
  await benchTargets(process.env.BENCH_DRIVER === 'postgres' ? 'postgres' : 'pglite');
  process.exit(0);
}

if (process.env.BENCH_DRIVER !== 'postgres') await bench('pglite');
if (process.env.BENCH_DRIVER !== 'pglite') {
  if (await postgresReachable()) await bench('postgres');
  else console.log(`postgres: skipped, nothing answers at ${new URL(POSTGRES_URL).host} (set DATABASE_URL)`);
}
await benchTargets(process.env.BENCH_DRIVER === 'postgres' ? 'postgres' : 'pglite');
