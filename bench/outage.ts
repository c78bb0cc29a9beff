// npm run bench:outage — the public site while PostgreSQL is cut off.
// Herald runs as `npm run serve` runs it (a child process, demo data) against its own
// PostgreSQL database through a TCP proxy. 200 concurrent readers fetch `/` and
// `/api/v2/summary.json` for 60 s; the proxy cuts every database connection for 20 s in
// the middle (resets them and refuses new ones, as a failover or a network cut does).
// Prints requests served and failed per phase, the time until the admin API works again
// after the database is back, and the time until a change made then is served.
// Knobs: BENCH_READERS (200), BENCH_SECONDS (60), BENCH_CUT_SECONDS (20).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { Agent, get } from 'node:http';
import { percentile, POSTGRES_URL, postgresReachable } from './bench-database.ts';
import { startHerald } from '../tests/helpers/process.ts';
import { startTcpProxy, throughProxy } from '../tests/helpers/tcp-proxy.ts';
import { freePort } from '../tests/helpers/ports.ts';

const READERS = Number(process.env.BENCH_READERS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CUT_SECONDS = Number(process.env.BENCH_CUT_SECONDS ?? 20);
const PATHS = ['/', '/api/v2/summary.json'];

const agent = new Agent({ keepAlive: true, maxSockets: READERS });
/** One GET through the readers' keep-alive pool: the status, after the whole body arrived. */
const read = (url: string) =>
  new Promise<number>((resolve, reject) => {
    const request = get(url, { agent, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out after 10 s')));
    request.on('error', reject);
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!(await postgresReachable())) {
  console.log(
    `bench:outage needs PostgreSQL at ${POSTGRES_URL} (set DATABASE_URL); PGlite lives in the process and has no connection to lose.`,
  );
  process.exit(0);
}

const name = `herald_outage_bench_${process.pid}`;
const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists ${name} with (force)`);
await admin.unsafe(`create database ${name}`);
const direct = new URL(POSTGRES_URL);
direct.pathname = `/${name}`;
const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-outage-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const herald = startHerald({
  PORT: String(port),
  SITE_URL: base,
  HERALD_DATA_DIR: dataDir,
  HERALD_DEMO: '1',
  DATABASE_URL: throughProxy(direct.toString(), proxy),
  HERALD_ADMIN_EMAIL: 'lead@example.com',
  HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
});

try {
  await herald.waitFor('Herald is running', 60_000);
  const login = await fetch(`${base}/api/admin/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'lead@example.com', password: 'correct-horse-battery' }),
  });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const adminApi = (pathname: string, init: RequestInit = {}) =>
    fetch(`${base}${pathname}`, {
      ...init,
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });

  type Phase = 'before' | 'cut' | 'after';
  let phase: Phase = 'before';
  const counts: Record<Phase, { served: number; failed: number; latencies: number[] }> = {
    before: { served: 0, failed: 0, latencies: [] },
    cut: { served: 0, failed: 0, latencies: [] },
    after: { served: 0, failed: 0, latencies: [] },
  };
  const failures = new Map<string, number>();
  const start = Date.now();
  const end = start + SECONDS * 1000;
  const reader = async (n: number) => {
    for (let i = n; Date.now() < end; i++) {
      const at = performance.now();
      const current = phase;
      try {
        const status = await read(`${base}${PATHS[i % PATHS.length]}`);
        if (status === 200) {
          counts[current].served += 1;
          counts[current].latencies.push(performance.now() - at);
        } else {
          counts[current].failed += 1;
          failures.set(String(status), (failures.get(String(status)) ?? 0) + 1);
        }
      } catch (error) {
        counts[current].failed += 1;
        const key = (error as Error).message;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    }
  };
  const readers = Promise.all(Array.from({ length: READERS }, (_, n) => reader(n)));

  const cutAt = start + ((SECONDS - CUT_SECONDS) / 2) * 1000;
  await sleep(cutAt - Date.now());
  phase = 'cut';
  proxy.cut();
  const health = await fetch(`${base}/healthz`);
  const healthBody = (await health.json()) as { reason?: string };
  const during = performance.now();
  const adminDuring = await adminApi('/api/admin/v1/incidents');
  const adminDuringMs = performance.now() - during;
  await sleep(CUT_SECONDS * 1000);
  proxy.restore();
  phase = 'after';
  const restoredAt = performance.now();
  let adminBackMs = NaN;
  while (performance.now() - restoredAt < 60_000) {
    const response = await adminApi('/api/admin/v1/incidents').catch(() => null);
    if (response?.status === 200) {
      adminBackMs = performance.now() - restoredAt;
      break;
    }
    await sleep(50);
  }
  const changeAt = performance.now();
  const marker = `Back after the outage ${Date.now()}`;
  const created = await adminApi('/api/admin/v1/incidents', {
    method: 'POST',
    body: JSON.stringify({ name: marker, body: 'Checking.' }),
  });
  let servedMs = NaN;
  while (performance.now() - changeAt < 30_000) {
    const [page, summary] = await Promise.all([
      fetch(`${base}/`).then((r) => r.text()),
      fetch(`${base}/api/v2/summary.json`).then((r) => r.text()),
    ]);
    if (page.includes(marker) && summary.includes(marker)) {
      servedMs = performance.now() - changeAt;
      break;
    }
    await sleep(5);
  }
  await readers;

  const row = (label: string, c: (typeof counts)[Phase]) => {
    const sorted = c.latencies.sort((a, b) => a - b);
    const p = (q: number) => (sorted.length ? percentile(sorted, q).toFixed(1) : '-');
    return `${label.padEnd(22)} ${String(c.served).padStart(9)} ${String(c.failed).padStart(7)}   p50 ${p(50)} ms  p99 ${p(99)} ms`;
  };
  console.log(
    `bench:outage — ${READERS} readers of ${PATHS.join(' and ')} for ${SECONDS} s, PostgreSQL cut off for ${CUT_SECONDS} s (proxy resets and refuses)`,
  );
  console.log(`${'phase'.padEnd(22)} ${'served'.padStart(9)} ${'failed'.padStart(7)}`);
  console.log(row('before the cut', counts.before));
  console.log(row('database cut off', counts.cut));
  console.log(row('after it returns', counts.after));
  const total = counts.before.served + counts.cut.served + counts.after.served;
  const failed = counts.before.failed + counts.cut.failed + counts.after.failed;
  console.log(
    `requests served: ${total}, failed: ${failed}${failures.size ? ` (${[...failures].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`,
  );
  console.log(
    `during the cut: /healthz ${health.status} (${healthBody.reason ?? 'no reason'}); admin API ${adminDuring.status} in ${adminDuringMs.toFixed(0)} ms`,
  );
  console.log(`admin API works again ${adminBackMs.toFixed(0)} ms after the database returned`);
  console.log(
    `a change made then (${created.status}, ${created.headers.get('herald-publish')}) was served on / and summary.json after ${servedMs.toFixed(0)} ms`,
  );
  if (process.env.BENCH_TRACE)
    console.log(
      herald
        .output()
        .split('\n')
        .filter((l) => l.includes('"level"'))
        .join('\n'),
    );
  console.log(
    `Herald process: ${herald.child.exitCode === null ? 'still running' : `exited with ${herald.child.exitCode}`}`,
  );
} finally {
  herald.child.kill('SIGTERM');
  await Promise.race([herald.exited, sleep(10_000)]);
  if (herald.child.exitCode === null) herald.child.kill('SIGKILL');
  await proxy.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}
