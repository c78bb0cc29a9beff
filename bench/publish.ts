// npm run bench:publish — the cost curve of a full publish: for each size (20 components,
// N incidents with about 3.5 updates each, three languages) the time of the first full
// publish in a fresh process (cold caches) and of the ones after it (warm), files, files per
// second and the process's peak RSS; then the weight of / and /uptime/. On PGlite and (when
// reachable) PostgreSQL.
//
// Each size is seeded by one child process and published by another, fresh one, as a server
// starting on an existing database publishes: the peaks of different sizes do not mix, and
// the publishing process does not carry the seeding's garbage (or PGlite's memory grown by
// writing 45,000 rows at once).
//
// BENCH_SIZES=1000,10000,30000 (incidents), BENCH_RUNS=3 (publishes per size: one cold, the
// rest warm; at most 2 above 20,000 incidents), BENCH_DRIVER=pglite|postgres (one only).
// Last, the first upload of the 10,000-incident site to a bucket stand-in and a second full
// publish against it (needs Debian's varnish, as bench:publish-latency; BENCH_BUCKET=0 skips).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { generateDataset, insertDataset } from '../src/db/dataset.ts';
import { loadAstroHandler } from '../src/publish/astro-handler.ts';
import { Publisher } from '../src/publish/publisher.ts';
import { silentLogger } from '../src/infra/log.ts';
import { POSTGRES_URL, postgresReachable } from './bench-database.ts';

const DIST = path.resolve(import.meta.dirname, '..', process.env.HERALD_DIST_DIR ?? 'dist');
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,30000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Above this many incidents a size publishes twice (cold, warm): seeding and publishing 30,000 take minutes. */
const LARGE = 20_000;
const COMPONENTS = 20;

type Driver = 'pglite' | 'postgres';

/** What a child tells the parent: one JSON line, prefixed so that stray output cannot pass for it. */
const RESULT = 'BENCH-RESULT ';

interface Seeded {
  incidents: number;
  updates: number;
  seconds: number;
}

interface Published {
  files: number;
  /** Each publish's duration, the first one cold. */
  ms: number[];
  /** The CPU time each publish used, all threads: on a shared machine less noisy than `ms`. */
  cpuMs: number[];
  phases: Array<{ load: number; render: number; swap: number }>;
  /** The process's peak resident set (the kernel's high-water mark), and before the first publish. */
  peakRssMb: number;
  openRssMb: number;
  weights: Record<'index' | 'uptime', { html: number; css: number; js: number; total: number }>;
}

/**
 * What a visitor downloads for one published page, gzipped: its HTML and the stylesheets and scripts it links from the
 * site.
 */
async function pageWeight(siteDir: string, page: string): Promise<Published['weights']['index']> {
  const html = await readFile(path.join(siteDir, page));
  const text = html.toString();
  const linked = (pattern: RegExp) => [
    ...new Set(
      [...text.matchAll(pattern)].map((m) => m[1]!).filter((href) => href.startsWith('/') && !href.startsWith('//')),
    ),
  ];
  const gzippedFiles = async (hrefs: string[]) => {
    let total = 0;
    for (const href of hrefs) total += gzipSync(await readFile(path.join(siteDir, href.split('?')[0]!))).length;
    return total;
  };
  const css = await gzippedFiles(linked(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g));
  const js = await gzippedFiles(linked(/<script[^>]+src="([^"]+)"/g));
  const gzHtml = gzipSync(html).length;
  return { html: gzHtml, css, js, total: gzHtml + css + js };
}

// ---- children ------------------------------------------------------------------------------

const openBenchDatabase = (where: string) =>
  where.startsWith('postgres')
    ? openDatabase({ databaseUrl: where, dataDir: os.tmpdir() })
    : openDatabase({ dataDir: where });

async function seedChild(where: string, incidents: number): Promise<Seeded> {
  const database = await openBenchDatabase(where);
  try {
    const data = generateDataset({
      now: new Date(),
      componentCount: COMPONENTS,
      incidentCount: incidents,
      maintenanceCount: 0,
      spanDays: 3 * 365,
      withCurrentEvents: true,
      uniqueBodies: true,
    });
    const started = performance.now();
    await insertDataset(database.db, data);
    return {
      incidents: data.incidents.length,
      updates: data.updates.length,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await database.close();
  }
}

async function publishChild(where: string, runs: number): Promise<Published> {
  const database = await openBenchDatabase(where);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
  try {
    const publisher = new Publisher({
      db: database.db,
      handler: await loadAstroHandler(DIST),
      dataDir,
      distDir: DIST,
      siteUrl: 'https://status.example.com',
      log: silentLogger,
    });
    const openRssMb = process.memoryUsage().rss / 1024 / 1024;
    const ms: number[] = [];
    const cpuMs: number[] = [];
    const phases: Published['phases'] = [];
    let files = 0;
    for (let run = 0; run < runs; run++) {
      const cpuBefore = process.cpuUsage();
      const result = await publisher.publishAll();
      const cpu = process.cpuUsage(cpuBefore);
      ms.push(result.durationMs);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      phases.push(result.phasesMs!);
      files = result.files;
    }
    await publisher.close();
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const siteDir = path.join(dataDir, 'site');
    const weights = {
      index: await pageWeight(siteDir, 'index.html'),
      uptime: await pageWeight(siteDir, 'uptime/index.html'),
    };
    return { files, ms, cpuMs, phases, peakRssMb, openRssMb, weights };
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---- parent --------------------------------------------------------------------------------

/** Runs this file again as a child in the given role, with the server's Node flags, and returns its result. */
function runChild<T>(role: 'seed' | 'publish', env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, import.meta.filename], {
      env: { ...process.env, ...env, BENCH_ROLE: role },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT.length)) as T);
      else reject(new Error(`the ${role} child exited with code ${code}:\n${out}`));
    });
  });
}

/** A fresh database for one size: a PGlite directory, or a PostgreSQL database; and its removal. */
async function freshDatabase(driver: Driver, size: number): Promise<{ where: string; drop(): Promise<void> }> {
  if (driver === 'pglite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-db-'));
    return { where: dir, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  const name = `herald_bench_${size}_${process.pid}`;
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    where: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

async function bench(driver: Driver): Promise<void> {
  const rows: string[][] = [
    [
      'incidents',
      'updates',
      'files',
      'cold s',
      'warm s (each)',
      'files/s warm',
      'CPU s (each)',
      'peak RSS MB',
      'RSS at open MB',
      'seed s',
    ],
  ];
  let weighed: Published['weights'] | undefined;
  for (const size of SIZES) {
    const database = await freshDatabase(driver, size);
    try {
      const seeded = await runChild<Seeded>('seed', { BENCH_WHERE: database.where, BENCH_SIZE: String(size) });
      const runs = size > LARGE ? Math.min(RUNS, 2) : RUNS;
      const published = await runChild<Published>('publish', { BENCH_WHERE: database.where, BENCH_RUNS: String(runs) });
      const warm = published.ms.slice(1);
      const filesPerSecond = Math.round(published.files / ((warm.length > 0 ? median(warm) : published.ms[0]!) / 1000));
      rows.push(
        [
          size,
          seeded.updates,
          published.files,
          seconds(published.ms[0]!),
          warm.map(seconds).join(' ') || 'n/a',
          filesPerSecond,
          published.cpuMs.map(seconds).join(' '),
          Math.round(published.peakRssMb),
          Math.round(published.openRssMb),
          seeded.seconds.toFixed(1),
        ].map(String),
      );
      console.log(
        `${driver}: ${size} incidents: phases of each publish (ms) ${published.phases.map((p) => JSON.stringify(p)).join(' ')}`,
      );
      if (size === 10_000 || !weighed) weighed = published.weights;
    } finally {
      await database.drop();
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log(
    `${driver}: full publish, ${COMPONENTS} components, three languages (targets at 10,000 incidents: warm <= 8 s, cold <= 12 s, peak RSS <= ${driver === 'pglite' ? 900 : 600} MB; time linear in files, memory flat)`,
  );
  for (const row of rows) console.log(`  ${row.map((cell, column) => cell.padStart(widths[column]!)).join('  ')}`);
  for (const [name, target] of [
    ['index', 15],
    ['uptime', 40],
  ] as const) {
    const w = weighed![name];
    console.log(
      `${driver}: ${name === 'index' ? '/' : '/uptime/'} weight gzipped (${COMPONENTS} components): ${kb(w.total)} = HTML ${kb(w.html)} + CSS ${kb(w.css)} + JS ${kb(w.js)} (target at most ${target} KB)`,
    );
  }
}

const role = process.env.BENCH_ROLE;
if (role === 'seed') {
  console.log(RESULT + JSON.stringify(await seedChild(process.env.BENCH_WHERE!, Number(process.env.BENCH_SIZE))));
} else if (role === 'publish') {
  console.log(RESULT + JSON.stringify(await publishChild(process.env.BENCH_WHERE!, RUNS)));
} else {
  if (process.env.BENCH_DRIVER !== 'postgres') await bench('pglite');
  if (process.env.BENCH_DRIVER !== 'pglite') {
    if (await postgresReachable()) await bench('postgres');
    else console.log(`postgres: skipped, nothing answers at ${new URL(POSTGRES_URL).host} (set DATABASE_URL)`);
  }
  // The first upload of the 10,000-incident site to a bucket stand-in, and a second full
  // publish (bench:publish-latency's bucket part, without its updates). BENCH_BUCKET=0 skips it.
  if (process.env.BENCH_BUCKET !== '0') {
    const upload = spawnSync(process.execPath, [path.join(import.meta.dirname, 'publish-latency.ts')], {
      env: { ...process.env, BENCH_TARGETS_ONLY: '1', BENCH_TARGET_UPDATES: '0', BENCH_DRIVER: 'pglite' },
      stdio: 'inherit',
    });
    if (upload.status !== 0) console.log(`bucket upload: the benchmark exited with ${upload.status}`);
  }
}
