import { desc, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import { componentStatusChanges, incidentUpdates } from '../../src/db/schema.ts';
import { loadChanges, loadSnapshot, selectUpdates } from '../../src/db/snapshot-queries.ts';
import type { Snapshot } from '../../src/domain/snapshot.ts';
import { runChange, SYSTEM_ACTOR } from '../../src/server/change.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../helpers/database.ts';

// A change publish reads only the status changes committed since the snapshot it holds
// (the rows a change stamps with its revision); these tests pin down that it misses none.

const NOW = new Date('2026-11-21T12:00:00Z');
const options = { siteUrl: 'https://status.example.com', now: NOW };

describe.each(DRIVERS)('status history on %s', (driver) => {
  let database: TestDatabase;
  let held: Snapshot;
  let componentIds: string[];

  beforeEach(async () => {
    database = await createTestDatabase(driver);
    const data = generateDataset({
      now: NOW,
      componentCount: 4,
      incidentCount: 20,
      maintenanceCount: 0,
      spanDays: 60,
      withCurrentEvents: false,
    });
    await insertDataset(database.db, data);
    componentIds = data.components.map((c) => c.id);
    held = await loadSnapshot(database.db, options);
  });
  afterEach(() => database.destroy());

  const changesNow = () => loadChanges(database.db, [], { ...options, held }).then(({ parts }) => parts);
  /** A component status change committed as Herald commits them: in a change, stamped with its revision. */
  const commitChange = (
    componentId: string,
    status: 'major_outage' | 'operational',
    at = NOW,
    during?: () => Promise<void>,
  ) =>
    runChange({ db: database.db, actor: SYSTEM_ACTOR, now: at }, async (tx) => {
      await tx.insert(componentStatusChanges).values({ componentId, status, changedAt: at });
      await during?.();
      return { value: null, scope: { componentIds: [componentId] }, audit: [] };
    });

  it("reads an incident's updates packed exactly as the rows read them, affected components and microseconds included", async () => {
    const [incident] = held.incidents.filter((i) => i.updates.length > 1);
    await database.db.insert(incidentUpdates).values({
      id: 'packedcheck1',
      incidentId: incident!.id,
      status: 'identified',
      body: 'Quotes " and \\ and 漢字.',
      displayAt: new Date(NOW.getTime() + 1),
      affectedComponents: [{ id: componentIds[0]!, name: 'API', oldStatus: 'operational', newStatus: 'major_outage' }],
    });
    await database.db.execute(
      sql`update incident_updates set created_at = created_at + interval '7 microseconds' where id = 'packedcheck1'`,
    );
    const rows = await database.db
      .select()
      .from(incidentUpdates)
      .where(eq(incidentUpdates.incidentId, incident!.id))
      .orderBy(desc(incidentUpdates.displayAt), desc(incidentUpdates.createdAt));
    expect(await selectUpdates(database.db, [incident!.id])).toEqual(rows);
    expect(await selectUpdates(database.db, ['nosuchincident'])).toEqual([]);
  });

  it('reuses the history it holds when a change added no status', async () => {
    await runChange({ db: database.db, actor: SYSTEM_ACTOR, now: NOW }, async () => ({
      value: null,
      scope: { everything: true },
      audit: [],
    }));
    const next = await changesNow();
    expect(next.revision).toBe(held.revision + 1);
    expect(next.statusChanges).toBe(held.statusChanges);
  });

  it('appends new changes and keeps the other components’ lists as they were', async () => {
    const [changed, untouched] = componentIds as [string, string];
    const { revision } = await commitChange(changed, 'major_outage');
    const next = await changesNow();
    expect(next.revision).toBe(revision);
    expect(next.statusChanges[changed]!.at(-1)).toEqual({ status: 'major_outage', changedAt: NOW });
    expect(next.statusChanges[changed]!.length).toBe(held.statusChanges[changed]!.length + 1);
    expect(next.statusChanges[untouched]).toBe(held.statusChanges[untouched]);
    // The same as read from scratch; and read again from the new snapshot, nothing is added twice.
    expect((await loadSnapshot(database.db, options)).statusChanges).toEqual(next.statusChanges);
    held = { ...held, ...next };
    expect((await changesNow()).statusChanges).toBe(held.statusChanges);
  });

  it('keeps a component’s changes in time order when one arrives stamped earlier', async () => {
    const [changed] = componentIds as [string];
    const list = held.statusChanges[changed]!;
    const [beforeLast, last] = [list.at(-2)!.changedAt, list.at(-1)!.changedAt];
    await commitChange(changed, 'major_outage', NOW);
    // Stamped before the newest change already held: it belongs between the last two.
    const early = new Date((beforeLast.getTime() + last.getTime()) / 2);
    await commitChange(changed, 'operational', early);
    const times = (await changesNow()).statusChanges[changed]!.map((c) => c.changedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.indexOf(early.getTime())).toBe(list.length - 1);
  });

  it('publishes a row written outside a change with the next change', async () => {
    const [manual, other] = componentIds as [string, string];
    await database.db
      .insert(componentStatusChanges)
      .values({ componentId: manual, status: 'major_outage', changedAt: NOW });
    await commitChange(other, 'major_outage');
    expect((await changesNow()).statusChanges[manual]!.at(-1)).toEqual({ status: 'major_outage', changedAt: NOW });
  });

  if (driver === 'postgres') {
    // PGlite runs one transaction at a time; PostgreSQL can commit a later id first.
    it('reads a row whose change took its id first and committed after a publish read past it', async () => {
      const [slow, fast] = componentIds as [string, string];
      let release!: () => void;
      let inserted!: () => void;
      const slowInserted = new Promise<void>((resolve) => (inserted = resolve));
      const slowChange = commitChange(slow, 'major_outage', NOW, async () => {
        inserted();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await slowInserted; // its row has the lower id, uncommitted
      await commitChange(fast, 'major_outage');
      const between = await changesNow();
      expect(between.statusChanges[fast]!.at(-1)).toEqual({ status: 'major_outage', changedAt: NOW });
      expect(between.statusChanges[slow]).toBe(held.statusChanges[slow]);
      held = { ...held, ...between };
      release();
      await slowChange;
      const after = await changesNow();
      expect(after.statusChanges[slow]!.at(-1)).toEqual({ status: 'major_outage', changedAt: NOW });
      expect(after.statusChanges).toEqual((await loadSnapshot(database.db, options)).statusChanges);
    });
  }
});
