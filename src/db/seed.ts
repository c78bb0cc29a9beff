import { count } from 'drizzle-orm';
import type { Database } from './client.ts';
import { generateDataset, insertDataset } from './dataset.ts';
import { pageSettings, siteState } from './schema.ts';

/** Makes sure the single-row tables exist, so every later write can update them. */
export async function ensureSingletons(db: Database): Promise<void> {
  await db.insert(pageSettings).values({ id: 1, name: 'Herald' }).onConflictDoNothing();
  await db.insert(siteState).values({ id: 1, revision: 0 }).onConflictDoNothing();
}

/** Seeds the demo company into an empty database; returns whether it did. */
export async function seedDemoIfEmpty(db: Database, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ n: count() }).from(pageSettings);
    if ((row?.n ?? 0) > 0) return false;
    const data = generateDataset({
      now,
      componentCount: 12,
      incidentCount: 24,
      maintenanceCount: 6,
      spanDays: 90,
      withCurrentEvents: true,
    });
    await insertDataset(tx, data, 'Acme Cloud');
    return true;
  });
}
