import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import {
  componentGroups,
  components,
  incidentComponents,
  incidents,
  incidentUpdates,
  siteState,
} from '../../src/db/schema.ts';
import { Publisher } from '../../src/publish/publisher.ts';
import { RenderThread } from '../../src/publish/render-thread.ts';
import { SYSTEM_ACTOR } from '../../src/server/change.ts';
import { createComponent, updateComponent, updateGroup } from '../../src/server/components/manage-components.ts';
import { updateSettings } from '../../src/server/settings/manage-settings.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../helpers/database.ts';
import { builtHandler, DIST_DIR, SITE_URL } from '../helpers/site.ts';

// A change publish renders only what a change affects, from a snapshot moved along by it,
// and a full publish renders everything afresh, in batches shared between two threads: both
// must end in the very same site.

const NOW = new Date('2026-11-21T12:00:00Z');

/**
 * Every file of a published tree, by path relative to it. A page names the revision it was
 * rendered from in its generator tag: a page that no change touched keeps an older one, so
 * that tag (and the tree's own revision file) are left out of the comparison, nothing else.
 */
async function readTree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === '.herald-revision') continue;
    const file = path.join(entry.parentPath, entry.name);
    const content = await readFile(file);
    files.set(
      path.relative(root, file),
      entry.name.endsWith('.html')
        ? Buffer.from(
            content.toString('utf8').replace(/(<meta name="generator" content="Herald \(revision )\d+\)">/, '$1N)">'),
          )
        : content,
    );
  }
  return files;
}

/** The paths whose content differs between two trees, or that only one of them has. */
function differences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => !a.get(p)?.equals(b.get(p) ?? Buffer.alloc(0)) || !b.has(p)).sort();
}

async function bumpRevision(
  db: TestDatabase['db'],
  write: (tx: Parameters<Parameters<TestDatabase['db']['transaction']>[0]>[0]) => Promise<unknown>,
) {
  await db.transaction(async (tx) => {
    await write(tx);
    await tx
      .update(siteState)
      .set({ revision: sql`${siteState.revision} + 1` })
      .where(eq(siteState.id, 1));
  });
}

describe.each(DRIVERS)('a full publish and the sum of change publishes on %s', (driver) => {
  let database: TestDatabase;
  const dataDirs: string[] = [];
  const publishers: Publisher[] = [];

  const publisher = async (options: { renderThread?: boolean | RenderThread; fullPublishBatch?: number } = {}) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-equivalence-'));
    dataDirs.push(dataDir);
    const made = new Publisher({
      db: database.db,
      handler: await builtHandler(),
      dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: false,
      now: () => NOW,
      ...options,
    });
    publishers.push(made);
    return { publisher: made, site: path.join(dataDir, 'site') };
  };

  beforeEach(async () => {
    database = await createTestDatabase(driver);
    // Large enough for a full publish to share its batches with the render thread (400 routes and more).
    await insertDataset(
      database.db,
      generateDataset({
        now: NOW,
        componentCount: 6,
        incidentCount: 140,
        maintenanceCount: 4,
        spanDays: 200,
        withCurrentEvents: true,
      }),
      'Acme Cloud',
    );
  });
  afterEach(async () => {
    for (const made of publishers.splice(0)) await made.close();
    for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
    await database.close();
  });

  it('writes the same files, byte for byte, whether the site is published whole or change by change', async () => {
    const changing = await publisher();
    await changing.publisher.publishAll();

    const ctx = { db: database.db, actor: SYSTEM_ACTOR, now: NOW };
    const [component] = await database.db
      .select({ id: components.id })
      .from(components)
      .where(eq(components.hidden, false))
      .limit(1);
    const degraded = await updateComponent(ctx, component!.id, { status: 'partial_outage' });
    await changing.publisher.publishChange(degraded.scope!);
    await bumpRevision(database.db, async (tx) => {
      await tx.insert(incidents).values({
        id: 'equivalent01',
        kind: 'incident',
        name: 'Slow exports',
        status: 'investigating',
        impact: 'minor',
        startedAt: NOW,
      });
      await tx.insert(incidentUpdates).values({
        id: 'uequivalent01',
        incidentId: 'equivalent01',
        status: 'investigating',
        body: 'Exports **take minutes**.',
        displayAt: NOW,
      });
    });
    await changing.publisher.publishChange({ incidentIds: ['equivalent01'] });
    await bumpRevision(database.db, (tx) =>
      tx.insert(incidentUpdates).values({
        id: 'uequivalent02',
        incidentId: 'equivalent01',
        status: 'identified',
        body: 'A stuck queue.',
        displayAt: NOW,
      }),
    );
    await changing.publisher.publishChange({ incidentIds: ['equivalent01'] });
    const [old] = await database.db
      .select({ id: incidents.id })
      .from(incidents)
      .where(eq(incidents.status, 'resolved'))
      .limit(1);
    await bumpRevision(database.db, (tx) => tx.delete(incidents).where(eq(incidents.id, old!.id)));
    await changing.publisher.publishChange({ incidentIds: [old!.id] });
    await changing.publisher.idle(); // what the changes left for later, too

    // Published whole, on two threads taking small batches in turn, and on one.
    const threaded = await publisher({ renderThread: true, fullPublishBatch: 25 });
    const full = await threaded.publisher.publishAll();
    expect(full.files).toBeGreaterThanOrEqual(400);
    const alone = await publisher();
    await alone.publisher.publishAll();

    const byChanges = await readTree(changing.site);
    const whole = await readTree(threaded.site);
    expect(whole.size).toBeGreaterThan(full.files);
    expect(differences(byChanges, whole)).toEqual([]);
    expect(differences(await readTree(alone.site), whole)).toEqual([]);
    expect(whole.get('incidents/equivalent01/index.html')?.toString()).toContain('A stuck queue.');
    expect(whole.has(`incidents/${old!.id}/index.html`)).toBe(false);
  }, 120_000);

  it.each([
    ['on the render thread', true],
    ['on this thread alone', false],
  ])(
    'ends in the same files after site-wide changes published as changes, the rest swept in the background %s',
    async (_where, renderThread) => {
      const changing = await publisher({ renderThread });
      await changing.publisher.publishAll();
      const ctx = { db: database.db, actor: SYSTEM_ACTOR, now: NOW };
      const shown = await database.db.select().from(components).where(eq(components.hidden, false));
      const [group] = await database.db.select().from(componentGroups).limit(1);
      const [named, doomed] = await database.db
        .select({ id: incidentComponents.incidentId })
        .from(incidentComponents)
        .where(eq(incidentComponents.componentId, shown[0]!.id))
        .limit(2);

      // A rename: the index and the Statuspage JSON name it as soon as the change is published.
      const renamed = await updateComponent(ctx, shown[0]!.id, { name: 'Payments Gateway' });
      const result = await changing.publisher.publishChange(renamed.scope!);
      expect(result.kind).toBe('incremental');
      const index = await readFile(path.join(changing.site, 'index.html'), 'utf8');
      const summary = JSON.parse(await readFile(path.join(changing.site, 'api/v2/summary.json'), 'utf8'));
      expect(index).toContain('Payments Gateway');
      expect(summary.components.find((c: { id: string }) => c.id === shown[0]!.id).name).toBe('Payments Gateway');
      expect(changing.publisher.status.backlog).toBeGreaterThan(100);

      // Meanwhile an incident the sweep renders first is deleted: its page must stay gone.
      await bumpRevision(database.db, (tx) => tx.delete(incidents).where(eq(incidents.id, doomed!.id)));
      await changing.publisher.publishChange({ incidentIds: [doomed!.id] });
      // A hidden component, a regrouped one, a new one and the page's name.
      const hidden = await updateComponent(ctx, shown[1]!.id, { hidden: true });
      await changing.publisher.publishChange(hidden.scope!);
      const regrouped = await updateGroup(ctx, group!.id, { name: 'Core platform', components: [shown[2]!.id] });
      await changing.publisher.publishChange(regrouped.scope!);
      const created = await createComponent(ctx, { name: 'Status webhooks' });
      await changing.publisher.publishChange(created.scope!);
      const settings = await updateSettings(ctx, { name: 'Acme Status', brand_color: '#0f766e' });
      expect(settings.scope).toEqual({ siteWide: true });
      // Settings no published page shows publish nothing.
      expect((await updateSettings(ctx, { reminder_interval_minutes: 45 })).scope).toBeUndefined();
      await changing.publisher.publishChange(settings.scope!);
      await changing.publisher.idle();
      expect(changing.publisher.status.backlog).toBe(0);

      const whole = await publisher();
      await whole.publisher.publishAll();
      const byChanges = await readTree(changing.site);
      const fresh = await readTree(whole.site);
      expect(differences(byChanges, fresh)).toEqual([]);
      expect(fresh.has(`components/${shown[1]!.id}/badge.svg`)).toBe(false);
      expect(fresh.get(`incidents/${named!.id}/index.html`)?.toString()).toContain('Payments Gateway');
      expect(byChanges.has(`incidents/${doomed!.id}/index.html`)).toBe(false);
      expect(fresh.get('zh-TW/index.html')?.toString()).toContain('Acme Status');
    },
    180_000,
  );

  it('reuses the tree a full publish retired, and ends in the very files of a fresh one', async () => {
    const reusing = await publisher({ renderThread: true, fullPublishBatch: 40 });
    const sites = path.join(path.dirname(reusing.site), 'sites');
    await reusing.publisher.publishAll();
    await reusing.publisher.publishAll();
    const [retired] = (await readdir(sites)).filter((name) => path.join(sites, name) !== realpathSync(reusing.site));
    const marker = path.join(sites, retired!, 'incidents', 'left-behind', 'index.html');
    await mkdir(path.dirname(marker), { recursive: true });
    await writeFile(marker, 'a page of an incident deleted since');

    // Between the publishes: an incident deleted, one updated, a component hidden.
    const [old] = await database.db
      .select({ id: incidents.id })
      .from(incidents)
      .where(eq(incidents.status, 'resolved'))
      .limit(2);
    await bumpRevision(database.db, (tx) => tx.delete(incidents).where(eq(incidents.id, old!.id)));
    const [shown] = await database.db.select().from(components).where(eq(components.hidden, false)).limit(1);
    await bumpRevision(database.db, (tx) =>
      tx.update(components).set({ hidden: true }).where(eq(components.id, shown!.id)),
    );
    const third = await reusing.publisher.publishAll();
    expect(path.basename(third.directory)).not.toBe(retired);
    expect(await readdir(sites)).not.toContain(retired); // renamed into the new tree, not copied

    const fresh = await publisher();
    await fresh.publisher.publishAll();
    const reused = await readTree(reusing.site);
    expect(differences(reused, await readTree(fresh.site))).toEqual([]);
    expect(reused.has('incidents/left-behind/index.html')).toBe(false);
    expect(reused.has(`incidents/${old!.id}/index.html`)).toBe(false);
    expect(reused.has(`components/${shown!.id}/badge.svg`)).toBe(false);
  }, 120_000);
});
