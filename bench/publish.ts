// npm run bench:publish — full publish time and peak memory with 20 components,
// 10,000 incidents and about 30,000 updates, on PGlite and (when reachable) PostgreSQL.
import { POSTGRES_URL, postgresReachable, withDatabase } from './bench-database.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateDataset, insertDataset } from '../src/db/dataset.ts';
import { loadAstroHandler } from '../src/publish/astro-handler.ts';
import { Publisher } from '../src/publish/publisher.ts';
import { silentLogger } from '../src/server/log.ts';

const DIST = path.resolve(import.meta.dirname, '..', process.env.HERALD_DIST_DIR ?? 'dist');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);



const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** What a visitor downloads for one published page, gzipped: its HTML and the stylesheets and scripts it links from the site. */
async function pageWeight(siteDir: string, page: string): Promise<{ html: number; css: number; js: number; total: number }> {
  const html = await readFile(path.join(siteDir, page));
  const text = html.toString();
  const linked = (pattern: RegExp) => [...new Set([...text.matchAll(pattern)].map((m) => m[1]!).filter((href) => href.startsWith('/') && !href.startsWith('//')))];
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

async function bench(driver: 'pglite' | 'postgres'): Promise<void> {
  await withDatabase(driver, 'bench', async (database) => {
    const now = new Date();
    const data = generateDataset({ now, componentCount: 20, incidentCount: 10_000, maintenanceCount: 0, spanDays: 3 * 365, withCurrentEvents: true, uniqueBodies: true });
    const seeded = performance.now();
    await insertDataset(database.db, data);
    console.log(`${driver}: seeded ${data.components.length} components, ${data.incidents.length} incidents, ${data.updates.length} updates in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
    const publisher = new Publisher({ db: database.db, handler: await loadAstroHandler(DIST), dataDir, distDir: DIST, siteUrl: 'https://status.example.com', log: silentLogger });
    const times: number[] = [];
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    for (let run = 0; run < RUNS; run++) {
      const result = await publisher.publishAll();
      times.push(result.durationMs);
      console.log(`${driver}: run ${run + 1}: ${JSON.stringify(result.phasesMs)}`);
      if (run === 0) console.log(`${driver}: ${result.files} files per full publish`);
    }
    clearInterval(sampler);
    await publisher.close();
    const siteDir = path.join(dataDir, 'site');
    const weights = { index: await pageWeight(siteDir, 'index.html'), uptime: await pageWeight(siteDir, 'uptime/index.html') };
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`${driver}: full publish, first (cold caches) ${seconds(times[0]!)}; repeated: ${times.slice(1).map(seconds).join(', ') || 'n/a'} (target < 8 s); peak RSS ${mb(peakRss)}`);
    for (const [name, target] of [['index', 15], ['uptime', 40]] as const) {
      const w = weights[name];
      console.log(`${driver}: ${name === 'index' ? '/' : '/uptime/'} weight gzipped (${data.components.length} components): ${kb(w.total)} = HTML ${kb(w.html)} + CSS ${kb(w.css)} + JS ${kb(w.js)} (target at most ${target} KB)`);
    }
    await rm(dataDir, { recursive: true, force: true });
  });
}

if (process.env.BENCH_DRIVER !== 'postgres') await bench('pglite');
if (process.env.BENCH_DRIVER !== 'pglite') {
  if (await postgresReachable()) await bench('postgres');
  else console.log(`postgres: skipped, nothing answers at ${new URL(POSTGRES_URL).host} (set DATABASE_URL)`);
}
