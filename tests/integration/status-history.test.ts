import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import { componentStatusChanges } from '../../src/db/schema.ts';
import { loadChanges, loadSnapshot, type StatusHistory } from '../../src/db/snapshot-queries.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../helpers/database.ts';

// A change publish reads only the status changes added since the snapshot it holds; these
// tests pin down when that is safe and that anything else reads the history whole again.

const NOW = new Date('2026-11-21T12:00:00Z');
const options = { siteUrl: 'https://status.example.com', now: NOW };

describe.each(DRIVERS)('status history on %s', (driver) => {
  let database: TestDatabase;
  let history: StatusHistory;
  let componentIds: string[];

  beforeEach(async () => {
    database = await createTestDatabase(driver);
    const data = generateDataset({ now: NOW, componentCount: 4, incidentCount: 20, maintenanceCount: 0, spanDays: 60, withCurrentEvents: false });
    await insertDataset(database.db, data);
    componentIds = data.components.map((c) => c.id);
    ({ history } = await loadSnapshot(database.db, options));
  });
  afterEach(() => database.destroy());

  const changesNow = () => loadChanges(database.db, [], { ...options, history });
  const addChange = (componentId: string, status: 'major_outage' | 'operational', at = NOW) =>
    database.db.insert(componentStatusChanges).values({ componentId, status, changedAt: at });

  it('reuses the history it holds when nothing was added', async () => {
    const { history: next, parts } = await changesNow();
    expect(next).toBe(history);
    expect(parts.statusChanges).toBe(history.byComponent);
  });

  it('appends new changes and keeps the other components’ lists as they were', async () => {
    const [changed, untouched] = componentIds as [string, string];
    await addChange(changed, 'major_outage');
    const { history: next } = await changesNow();
    expect(next.byComponent[changed]!.at(-1)).toEqual({ status: 'major_outage', changedAt: NOW });
    expect(next.byComponent[changed]!.length).toBe(history.byComponent[changed]!.length + 1);
    expect(next.byComponent[untouched]).toBe(history.byComponent[untouched]);
    expect(next.count).toBe(history.count + 1);
    // Also when read from scratch.
    const { history: whole } = await loadSnapshot(database.db, options);
    expect(whole.byComponent[changed]).toEqual(next.byComponent[changed]);
  });

  it('keeps a component’s changes in time order when one arrives stamped earlier', async () => {
    const [changed] = componentIds as [string];
    const held = history.byComponent[changed]!;
    const [beforeLast, last] = [held.at(-2)!.changedAt, held.at(-1)!.changedAt];
    await addChange(changed, 'major_outage', NOW);
    // Stamped before the newest change already held: it belongs between the last two.
    const early = new Date((beforeLast.getTime() + last.getTime()) / 2);
    await addChange(changed, 'operational', early);
    const { history: next } = await changesNow();
    const times = next.byComponent[changed]!.map((c) => c.changedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.indexOf(early.getTime())).toBe(held.length - 1);
  });

  it('reads the history whole again when rows it held are gone or a lower id commits late', async () => {
    const [changed] = componentIds as [string];
    const [first] = await database.db.select().from(componentStatusChanges).where(eq(componentStatusChanges.componentId, changed)).orderBy(componentStatusChanges.id).limit(1);
    await database.db.delete(componentStatusChanges).where(eq(componentStatusChanges.id, first!.id));
    const afterDelete = await changesNow();
    expect(afterDelete.history.count).toBe(history.count - 1);
    expect(afterDelete.history.byComponent[changed]).not.toContainEqual({ status: first!.status, changedAt: first!.changedAt });

    // The same id again, below the newest: as a transaction that took its id early and committed late would.
    history = afterDelete.history;
    await database.db.execute(
      sql`insert into component_status_changes (id, component_id, status, changed_at) overriding system value values (${first!.id}, ${changed}, 'major_outage', ${NOW.toISOString()}::timestamptz)`,
    );
    const afterLate = await changesNow();
    expect(afterLate.history.count).toBe(history.count + 1);
    expect(afterLate.history.byComponent[changed]!.at(-1)).toEqual({ status: 'major_outage', changedAt: NOW });
  });
});
