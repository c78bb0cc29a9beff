import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT, startHerald, type HeraldProcess } from '../helpers/process.ts';
import { freePort } from '../helpers/ports.ts';

// Every way Herald can fail to start ends in one readable line and a non-zero exit.

function expectOneLineFailure(output: string, pattern: RegExp) {
  const lines = output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(output).not.toMatch(/^\s+at /m); // no stack trace
}

// Each test starts real Herald processes: on a loaded 2-core machine one start can take 20 s.
describe('starting Herald', { timeout: 90_000 }, () => {
  let dataDir: string;
  const running: HeraldProcess[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-start-'));
  });
  afterEach(async () => {
    for (const p of running.splice(0)) {
      if (p.child.exitCode === null) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string>) => {
    const p = startHerald({ HERALD_DATA_DIR: dataDir, ...env });
    running.push(p);
    return p;
  };

  it.each([
    [
      'a DATABASE_URL that is not postgres',
      { DATABASE_URL: 'mysql://root@localhost/herald' },
      /DATABASE_URL must start with postgres:\/\//,
    ],
    ['a DATABASE_URL that is not a URL', { DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    [
      'an unreachable database',
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/herald' },
      /cannot reach the database at 127\.0\.0\.1:1\/herald/,
    ],
    ['a PORT that is not a number', { PORT: 'eighty' }, /invalid configuration: PORT/],
    [
      'a relative SITE_URL',
      { SITE_URL: 'status.example.com' },
      /invalid configuration: SITE_URL must be an absolute http\(s\) URL/,
    ],
    [
      'a HERALD_APP_URL without a scheme',
      { HERALD_APP_URL: 'herald.example.com' },
      /invalid configuration: HERALD_APP_URL must be an absolute http\(s\) URL/,
    ],
    [
      'a data directory below a file',
      { HERALD_DATA_DIR: '/etc/hostname/data' },
      /data directory \/etc\/hostname\/data is not writable \(ENOTDIR\)/,
    ],
  ])('refuses %s with one clear line', async (_case, env, message) => {
    const p = start({ PORT: String(await freePort()), ...env });
    expect(await p.exited).toBe(1);
    expectOneLineFailure(p.output(), message);
  });

  it('refuses a port that is already in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const p = start({ PORT: String(port) });
      expect(await p.exited).toBe(1);
      expectOneLineFailure(p.output(), new RegExp(`port ${port} on 127.0.0.1 is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('lets only one process own an embedded database, and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const first = start({ PORT: String(port), HERALD_DEMO: '1' });
    await first.waitFor('Herald is running');
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(await page.text()).toContain('Acme Cloud');

    const second = start({ PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expectOneLineFailure(second.output(), new RegExp(`in use by another Herald process \\(pid ${first.child.pid}\\)`));

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'pglite', 'herald.lock'))).toBe(false);

    // The data survived, and a new owner may now open it.
    const third = start({ PORT: String(port) });
    await third.waitFor('Herald is running');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toContain('Acme Cloud');
  });

  it('creates users and resets passwords from the command line through the running server', async () => {
    const port = await freePort();
    const server = start({ PORT: String(port) });
    await server.waitFor('no admin yet');
    const env = { ...process.env, PORT: String(port), HERALD_DATA_DIR: dataDir };
    const create = spawnSync(
      process.execPath,
      ['scripts/user.ts', 'create', '--email', 'Lead@Example.com', '--role', 'admin'],
      { cwd: PROJECT_ROOT, env, encoding: 'utf8' },
    );
    expect(create.status).toBe(0);
    const password = create.stdout.match(/password: (\S+)/)?.[1];
    expect(password).toBeDefined();
    const login = (secret: string) =>
      fetch(`http://127.0.0.1:${port}/api/admin/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'lead@example.com', password: secret }),
      });
    expect((await login(password!)).status).toBe(200);

    const tooShort = spawnSync(
      process.execPath,
      ['scripts/user.ts', 'reset-password', '--email', 'lead@example.com', '--password', 'short'],
      { cwd: PROJECT_ROOT, env, encoding: 'utf8' },
    );
    expect(tooShort.status).toBe(1);
    expect(tooShort.stderr).toMatch(/password: must be at least 10 characters/);
    const reset = spawnSync(
      process.execPath,
      ['scripts/user.ts', 'reset-password', '--email', 'lead@example.com', '--password', 'a-brand-new-password'],
      { cwd: PROJECT_ROOT, env, encoding: 'utf8' },
    );
    expect(reset.status).toBe(0);
    expect((await login(password!)).status).toBe(401);
    expect((await login('a-brand-new-password')).status).toBe(200);
  });

  // Two instances on one PostgreSQL and one site directory: one publishes, the other takes over.
  if (process.env.DATABASE_URL) {
    it('publishes changes made through any instance once, and fails over when the publisher dies', async () => {
      const name = `herald_instances_${process.pid}`;
      const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.unsafe(`create database ${name}`);
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${name}`;
      try {
        const [portA, portB] = [await freePort(), await freePort()];
        const shared = {
          DATABASE_URL: url.toString(),
          HERALD_DEMO: '1',
          HERALD_ADMIN_EMAIL: 'lead@example.com',
          HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
        };
        const a = start({ ...shared, PORT: String(portA), SITE_URL: `http://127.0.0.1:${portA}` });
        await a.waitFor('Herald is running');
        const b = start({ ...shared, PORT: String(portB), SITE_URL: `http://127.0.0.1:${portB}` });
        await b.waitFor('Herald is running');
        expect(a.output()).toContain('this instance publishes the site now');
        expect(b.output()).toContain('another instance publishes the site');

        const postIncident = async (port: number, title: string) => {
          const login = await fetch(`http://127.0.0.1:${port}/api/admin/v1/session`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'lead@example.com', password: 'correct-horse-battery' }),
          });
          const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
          const response = await fetch(`http://127.0.0.1:${port}/api/admin/v1/incidents`, {
            method: 'POST',
            headers: { cookie, origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: title, body: 'Investigating.' }),
          });
          expect(response.status).toBe(201);
          return response.headers.get('herald-publish');
        };
        const eventually = async (port: number, text: string) => {
          const deadline = Date.now() + 15_000;
          while (Date.now() < deadline) {
            if ((await (await fetch(`http://127.0.0.1:${port}/`)).text()).includes(text)) return;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          throw new Error(`"${text}" never appeared on port ${port}`);
        };

        // A change through the instance that does not publish is published by the other one.
        expect(await postIncident(portB, 'Made through B')).toMatch(/^queued/);
        await eventually(portA, 'Made through B');
        await eventually(portB, 'Made through B');
        const publishesByA = () =>
          a
            .output()
            .split('\n')
            .filter((l) => l.includes('"message":"published"')).length;
        const published = publishesByA();
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(publishesByA()).toBe(published); // once, not again
        expect(
          b
            .output()
            .split('\n')
            .filter((l) => l.includes('"message":"published"')),
        ).toHaveLength(0);

        // The publisher dies without a word; the other instance takes over.
        a.child.kill('SIGKILL');
        await a.exited;
        await b.waitFor('this instance publishes the site now', 20_000);
        expect(await postIncident(portB, 'After the failover')).toMatch(/^published/);
        await eventually(portB, 'After the failover');
      } finally {
        await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
        await admin.end();
      }
    });
  }

  // Migrations, seeds and the first admin run under an advisory lock: instances take turns.
  if (process.env.DATABASE_URL) {
    it.each([2, 3])(
      'brings up %i instances started together on an empty PostgreSQL database, with one first admin and one demo seed',
      async (count) => {
        const name = `herald_together_${count}_${process.pid}`;
        const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.unsafe(`create database ${name}`);
        const url = new URL(process.env.DATABASE_URL!);
        url.pathname = `/${name}`;
        try {
          const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
          const shared = {
            DATABASE_URL: url.toString(),
            HERALD_DEMO: '1',
            HERALD_ADMIN_EMAIL: 'lead@example.com',
            HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
          };
          const instances = ports.map((port) =>
            start({ ...shared, PORT: String(port), SITE_URL: `http://127.0.0.1:${port}` }),
          );
          await Promise.all(instances.map((p) => p.waitFor('Herald is running', 60_000)));
          expect(instances.filter((p) => p.output().includes('this instance publishes the site now'))).toHaveLength(1);
          const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
          try {
            const [users] = await db`select count(*)::int as n from users`;
            expect(users!.n).toBe(1);
            const [components] =
              await db`select count(*)::int as n, count(distinct name)::int as names from components`;
            expect(components!.n).toBeGreaterThan(0);
            expect(components!.n).toBe(components!.names); // seeded once
            const [templates] = await db`select count(*)::int as n, count(distinct name)::int as names from templates`;
            expect(templates!.n).toBe(templates!.names);
          } finally {
            await db.end();
          }
          for (const port of ports)
            expect((await fetch(`http://127.0.0.1:${port}/api/v2/summary.json`)).status).toBe(200);
        } finally {
          await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
          await admin.end();
        }
      },
      90_000,
    );
  }

  it('prints JSON log lines when its output is not a terminal', async () => {
    const p = start({ PORT: String(await freePort()), HERALD_DEMO: '1' });
    await p.waitFor('Herald is running');
    const lines = p
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.find((l) => l.message === 'published')).toMatchObject({ level: 'info', kind: 'full', revision: 1 });
  });
});
