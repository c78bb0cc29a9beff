import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { ensureSingletons } from '../../src/db/seed.ts';
import { deliveries } from '../../src/db/schema.ts';
import { SYSTEM_ACTOR } from '../../src/server/change.ts';
import { createComponent } from '../../src/server/components/manage-components.ts';
import { createIncident, postUpdate } from '../../src/server/incidents/manage-incidents.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../helpers/database.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { PROJECT_ROOT } from '../helpers/process.ts';

// kill -9 a worker in the middle of a fan-out to 500 subscribers, start another: every
// subscriber gets the email exactly once, as counted by the fake Resend.

const SUBSCRIBERS = 500;

describe.each(DRIVERS)('a fan-out killed with SIGKILL on %s', (driver) => {
  let fake: FakeResend;
  let dataDir: string;
  let testDb: TestDatabase | undefined;
  let env: Record<string, string>;

  /** The database, opened by the test; on PGlite it must be closed again before a worker runs. */
  const open = async (): Promise<DatabaseHandle> => (testDb ? testDb : openDatabase({ dataDir }));
  const release = async (handle: DatabaseHandle) => {
    if (!testDb) await handle.close();
  };

  function startWorker(extra: Record<string, string> = {}) {
    const child: ChildProcess = spawn(process.execPath, ['tests/helpers/fanout-child.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  }

  async function postToEveryone(
    handle: DatabaseHandle,
    componentId: string,
    incidentId: string | null,
  ): Promise<string> {
    const ctx = { db: handle.db, actor: SYSTEM_ACTOR, now: new Date() };
    if (!incidentId)
      return (
        await createIncident(ctx, {
          name: 'Payments down',
          body: 'Investigating.',
          components: { [componentId]: 'major_outage' },
        })
      ).value.id;
    await postUpdate(ctx, incidentId, {
      status: 'identified',
      body: 'Found it.',
      components: { [componentId]: 'partial_outage' },
    });
    return incidentId;
  }

  beforeAll(async () => {
    fake = await startFakeResend({ apiKey: 're_test' });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-crash-'));
    if (driver === 'postgres') testDb = await createTestDatabase('postgres');
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      RESEND_BASE_URL: fake.url,
      HERALD_DATA_DIR: dataDir,
      DATABASE_URL: testDb?.connectionUrl ?? '',
      LEASE_MS: '1500',
    };
    const handle = await open();
    await ensureSingletons(handle.db);
    await handle.db.execute(sql`insert into subscribers (id, email, status, confirmed_at)
      select lpad(to_hex(g), 12, '0'), 'crash-' || g || '@example.com', 'confirmed', now() from generate_series(1, ${SUBSCRIBERS}) g`);
    await release(handle);
  }, 60_000);
  afterAll(async () => {
    await fake.close();
    await testDb?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no email and sends none twice', async () => {
    let handle = await open();
    const componentId = (
      await createComponent({ db: handle.db, actor: SYSTEM_ACTOR, now: new Date() }, { name: 'Payments' })
    ).value.id;
    const incidentId = await postToEveryone(handle, componentId, null);
    await release(handle);

    // 1. Killed while the provider holds back its answer to the third batch: sent, not marked.
    fake.delayAcceptedCall(3, 10_000);
    const first = startWorker({ CONCURRENCY: '1' });
    await fake.waitForEmails(300, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(fake.emails.length).toBe(300);

    // 2. Restarted: the third batch goes again with the same key, and the provider drops it.
    const second = startWorker();
    expect(await second.exited, second.output()).toBe(0);
    expect(fake.emails.length).toBe(SUBSCRIBERS);
    expect(fake.calls.some((c) => c.status === 200 && c.count === 0)).toBe(true);

    // 3. The next update, killed at arbitrary moments, three times over, then left to finish.
    handle = await open();
    await postToEveryone(handle, componentId, incidentId);
    await release(handle);
    for (const afterEmails of [40, 170, 330]) {
      const worker = startWorker();
      await fake.waitForEmails(SUBSCRIBERS + afterEmails, 30_000);
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    const last = startWorker();
    expect(await last.exited, last.output()).toBe(0);

    expect(fake.emails).toHaveLength(2 * SUBSCRIBERS);
    for (let i = 1; i <= SUBSCRIBERS; i++)
      expect(fake.countFor(`crash-${i}@example.com`), `crash-${i}@example.com`).toBe(2);
    expect(new Set(fake.emails.map((e) => e.subject)).size).toBe(2);
    handle = await open();
    const statuses = await handle.db
      .select({ status: deliveries.status, n: sql<number>`count(*)::int` })
      .from(deliveries)
      .groupBy(deliveries.status);
    await release(handle);
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['sent', 2 * SUBSCRIBERS]]);
  }, 120_000);
});
