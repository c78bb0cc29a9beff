import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUnavailableReason } from '../../src/db/unavailable.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { PROJECT_ROOT, startHerald, type HeraldProcess } from '../helpers/process.ts';
import { startTcpProxy, throughProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { freePort } from '../helpers/ports.ts';

// The public site outlives its database. Herald runs as a real process against its own
// PostgreSQL database, through a TCP proxy the test cuts and restores; its connections
// are also terminated with pg_terminate_backend. The shared server is never stopped.

describe('which errors mean the database is away', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      /cannot be reached \(ECONNREFUSED\)/,
    ],
    [
      'a terminated backend (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      /cannot be reached/,
    ],
    [
      "postgres.js's closed connection",
      Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }),
      /cannot be reached/,
    ],
    [
      'a dropped database',
      Object.assign(new Error('database "x" does not exist'), { code: '3D000' }),
      /does not exist/,
    ],
    ['a full disk', Object.assign(new Error('could not extend file'), { code: '53100' }), /disk is full/],
    [
      "drizzle's wrapping",
      new Error('Failed query: select 1', { cause: Object.assign(new Error('x'), { code: '08006' }) }),
      /cannot be reached \(08006\)/,
    ],
  ])('%s', (_name, error, reason) => {
    expect(databaseUnavailableReason(error)).toMatch(reason);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a plain error', new Error('boom')],
    ['not an error', 'text'],
  ])('but not %s', (_name, error) => {
    expect(databaseUnavailableReason(error)).toBeNull();
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out: ${what}`);
}

const PUBLIC_PATHS = [
  '/',
  '/history/',
  '/uptime/',
  '/api/v2/summary.json',
  '/api/v2/incidents.json',
  '/history.rss',
  '/history.atom',
  '/widget.json',
  '/widget.js',
  '/badge.svg',
  '/embed/',
];
const SUBSCRIBERS = ['one@example.com', 'two@example.com', 'three@example.com'];

if (process.env.DATABASE_URL) {
  it('postgres.js (patched: patches/postgres+3.4.9.patch) rejects a query on a reserved connection whose backend died, instead of crashing', () => {
    const child = spawnSync(process.execPath, ['tests/helpers/reserved-connection-child.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).not.toMatch(/TypeError/);
    expect(child.status).toBe(0);
    expect(child.stdout.trim().split('\n')).toEqual([
      'rejected CONNECTION_CLOSED',
      'rejected CONNECTION_CLOSED',
      'rejected CONNECTION_CLOSED',
      'pool 1',
    ]);
  });

  describe('Herald on PostgreSQL when the database goes away', () => {
    const name = `herald_outage_${process.pid}`;
    let admin: postgres.Sql;
    let proxy: TcpProxy;
    let fake: FakeResend;
    let herald: HeraldProcess;
    let dataDir: string;
    let base: string;
    let cookie: string;

    const terminateHeraldConnections = async () =>
      admin.unsafe(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`,
      );
    const adminApi = (pathname: string, init: RequestInit = {}) =>
      fetch(`${base}${pathname}`, {
        ...init,
        headers: { cookie, origin: base, 'content-type': 'application/json', ...(init.headers ?? {}) },
        signal: AbortSignal.timeout(15_000),
      });

    beforeAll(async () => {
      admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.unsafe(`create database ${name}`);
      const direct = new URL(process.env.DATABASE_URL!);
      direct.pathname = `/${name}`;
      proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      fake = await startFakeResend({ apiKey: 're_test' });
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-outage-'));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      herald = startHerald({
        PORT: String(port),
        SITE_URL: base,
        HERALD_DATA_DIR: dataDir,
        DATABASE_URL: throughProxy(direct.toString(), proxy),
        HERALD_ADMIN_EMAIL: 'lead@example.com',
        HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
        RESEND_API_KEY: 're_test',
        RESEND_BASE_URL: fake.url,
        HERALD_EMAIL_RATE: '0',
      });
      await herald.waitFor('Herald is running', 60_000);
      const db = postgres(direct.toString(), { max: 1, onnotice: () => {} });
      for (const email of SUBSCRIBERS)
        await db`insert into subscribers (id, email, status, confirmed_at) values (${email.split('@')[0]!.padStart(12, '0')}, ${email}, 'confirmed', now())`;
      await db.end();
      const login = await fetch(`${base}/api/admin/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'lead@example.com', password: 'correct-horse-battery' }),
      });
      expect(login.status).toBe(200);
      cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    }, 90_000);

    afterAll(async () => {
      if (herald && herald.child.exitCode === null) {
        herald.child.kill('SIGKILL');
        await herald.exited;
      }
      await proxy?.close();
      await fake?.close();
      await admin?.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin?.end();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('keeps running when its connections are terminated, and works again by itself', async () => {
      for (let round = 0; round < 3; round++) {
        // Herald reconnects lazily (and its lock client after a backoff): wait until it holds
        // connections again, so that every round terminates some.
        await eventually('Herald holds connections', 20_000, async () => {
          await adminApi('/api/admin/v1/incidents');
          const [open] = await admin.unsafe(
            `select count(*)::int as n from pg_stat_activity where datname = '${name}'`,
          );
          return open!.n > 0 ? true : undefined;
        });
        const [row] = await terminateHeraldConnections();
        expect(row!.n).toBeGreaterThan(0);
        // Queries in flight meet the dead connections, too.
        await Promise.all([adminApi('/api/admin/v1/incidents'), fetch(`${base}/healthz`)]);
        await sleep(300);
      }
      expect(herald.child.exitCode).toBeNull();
      for (const pathname of PUBLIC_PATHS) expect((await fetch(`${base}${pathname}`)).status, pathname).toBe(200);
      await eventually('the admin API answers again', 20_000, async () =>
        (await adminApi('/api/admin/v1/incidents')).status === 200 ? true : undefined,
      );
      expect(herald.output()).not.toMatch(/TypeError|^\s+at /m);
    });

    it('serves every public file while the database is cut off, answers 503 in the admin, and catches up after', async () => {
      const before = await (await fetch(`${base}/api/v2/summary.json`)).text();
      const statuses = new Map<string, number>();
      let stopReading = false;
      const reader = (async () => {
        // A bounded stream of readers: every public file, over and over, until the cut ends.
        for (let i = 0; !stopReading && i < 2000; i++) {
          const pathname = PUBLIC_PATHS[i % PUBLIC_PATHS.length]!;
          const response = await fetch(`${base}${pathname}`);
          await response.arrayBuffer();
          statuses.set(`${pathname} ${response.status}`, (statuses.get(`${pathname} ${response.status}`) ?? 0) + 1);
          await sleep(5);
        }
      })();

      proxy.cut();
      await sleep(500);
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'degraded',
        database: 'down',
        reason: expect.stringMatching(/database/),
      });

      // The admin API and pages answer 503 with a plain message, quickly.
      let started = Date.now();
      const list = await adminApi('/api/admin/v1/incidents');
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(list.status).toBe(503);
      expect(list.headers.get('retry-after')).toBeTruthy();
      expect((await list.json()).error).toMatchObject({ code: 'database_unavailable' });
      started = Date.now();
      const create = await adminApi('/api/admin/v1/incidents', {
        method: 'POST',
        body: JSON.stringify({ name: 'Lost in the cut', body: 'x' }),
      });
      expect(create.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(6_000);
      const page = await fetch(`${base}/admin/`, { headers: { cookie }, redirect: 'manual' });
      expect(page.status).toBe(503);
      const text = await page.text();
      expect(text).toMatch(/cannot reach its database/);
      expect(text).not.toMatch(/\bat \S+\.(ts|js|mjs):\d+/);

      await sleep(3_000);
      stopReading = true;
      await reader;
      proxy.restore();

      const failures = [...statuses].filter(([key]) => !key.endsWith(' 200'));
      expect(failures).toEqual([]);
      expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
      expect(await (await fetch(`${base}/api/v2/summary.json`)).text()).toBe(before);

      // Back: writes work without a restart, the change publishes, and its emails go out once.
      await eventually('the admin API answers again', 30_000, async () =>
        (await adminApi('/api/admin/v1/incidents')).status === 200 ? true : undefined,
      );
      const after = await adminApi('/api/admin/v1/incidents', {
        method: 'POST',
        body: JSON.stringify({ name: 'After the outage', body: 'We are back and looking into it.' }),
      });
      expect(after.status).toBe(201);
      // Published at once, or (when the lock is not taken back yet) by the campaign it starts.
      expect(after.headers.get('herald-publish')).toMatch(/^(published|queued)/);
      await eventually('the change is served', 15_000, async () => {
        const [page, summary] = await Promise.all([
          fetch(`${base}/`).then((r) => r.text()),
          fetch(`${base}/api/v2/summary.json`).then((r) => r.text()),
        ]);
        return page.includes('After the outage') && summary.includes('After the outage') ? true : undefined;
      });
      await fake.waitForEmails(SUBSCRIBERS.length, 20_000);
      await sleep(1_500);
      for (const email of SUBSCRIBERS) expect(fake.countFor(email), email).toBe(1);
      expect(fake.emails.every((e) => e.subject.includes('After the outage'))).toBe(true);

      const healthAfter = await fetch(`${base}/healthz`);
      expect(healthAfter.status).toBe(200);
      expect(herald.child.exitCode).toBeNull();
      expect(herald.output()).not.toMatch(/TypeError|^\s+at /m);
    }, 90_000);

    it('answers 503 within seconds when the network drops packets instead of refusing, and recovers', async () => {
      proxy.stall();
      try {
        const started = Date.now();
        const [list, page, ...files] = await Promise.all([
          adminApi('/api/admin/v1/incidents'),
          fetch(`${base}/admin/`, { headers: { cookie }, redirect: 'manual' }),
          ...PUBLIC_PATHS.map((pathname) => fetch(`${base}${pathname}`)),
        ]);
        expect(Date.now() - started).toBeLessThan(14_000);
        expect(list.status).toBe(503);
        expect((await list.json()).error.message).toMatch(/did not answer in time/);
        expect(page.status).toBe(503);
        expect(files.map((f) => f.status)).toEqual(PUBLIC_PATHS.map(() => 200));
      } finally {
        proxy.restore();
      }
      await eventually('the admin API answers again', 30_000, async () =>
        (await adminApi('/api/admin/v1/incidents')).status === 200 ? true : undefined,
      );
      expect(herald.child.exitCode).toBeNull();
    }, 60_000);
  });
}
