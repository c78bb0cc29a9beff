import ICAL from 'ical.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { getPriority } from 'node:os';
import path from 'node:path';
import { eq, gte, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import { components, componentStatusChanges, incidents, incidentUpdates, siteState } from '../../src/db/schema.ts';
import type { AstroHandler } from '../../src/publish/astro-handler.ts';
import { Publisher, type PublishedFiles } from '../../src/publish/publisher.ts';
import { RenderThread } from '../../src/publish/render-thread.ts';
import { SYSTEM_ACTOR } from '../../src/server/change.ts';
import { updateComponent } from '../../src/server/components/manage-components.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { DRIVERS } from '../helpers/database.ts';
import { builtHandler, DIST_DIR, SITE_URL, startTestSite, type TestSite, addIncident } from '../helpers/site.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

async function seed(site: TestSite) {
  const data = generateDataset({
    now: NOW,
    componentCount: 12,
    incidentCount: 30,
    maintenanceCount: 4,
    spanDays: 120,
    withCurrentEvents: true,
  });
  await insertDataset(site.database.db, data, 'Acme Cloud');
  return data;
}

/** Wraps the real handler: counts renders, can be told to fail some paths, and to take its time. */
function instrumentedHandler(real: AstroHandler) {
  const state = { renders: 0, failWhen: (_path: string) => false, delayMs: 0 };
  const handler: AstroHandler = async (req, res, next, locals) => {
    state.renders++;
    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (state.failWhen(req.url ?? '')) throw new Error(`render of ${req.url} failed on purpose`);
    return real(req, res, next, locals);
  };
  return { handler, state };
}

describe.each(DRIVERS)('publishing on %s', (driver) => {
  let site: TestSite;
  let instrumented: ReturnType<typeof instrumentedHandler>;
  let clock = NOW;

  beforeEach(async () => {
    clock = NOW;
    instrumented = instrumentedHandler(await builtHandler());
    site = await startTestSite(driver, { handler: instrumented.handler, now: () => clock });
  });
  afterEach(() => site.close());

  it('renders every public route into a fresh directory and swaps it in', async () => {
    const data = await seed(site);
    const result = await site.publisher.publishAll();
    const root = path.join(site.dataDir, 'site');
    expect(result.kind).toBe('full');
    expect(result.revision).toBe(1);
    const index = await readFile(path.join(root, 'index.html'), 'utf8');
    expect(index).toContain('Acme Cloud');
    expect(index).toContain('Partially Degraded Service');
    for (const incident of data.incidents) {
      const page = await readFile(path.join(root, 'incidents', incident.id, 'index.html'), 'utf8');
      expect(page).toContain(incident.name.replace(/&/g, '&amp;'));
    }
    for (const file of [
      'summary.json',
      'status.json',
      'components.json',
      'incidents.json',
      'incidents/unresolved.json',
      'scheduled-maintenances.json',
      'scheduled-maintenances/upcoming.json',
      'scheduled-maintenances/active.json',
    ]) {
      const json = JSON.parse(await readFile(path.join(root, 'api', 'v2', file), 'utf8'));
      expect(json.page.name).toBe('Acme Cloud');
    }
    expect(await readFile(path.join(root, 'history', '2', 'index.html'), 'utf8')).toContain('Page 2 of');
    expect(await readFile(path.join(root, '404.html'), 'utf8')).toContain('Page not found');

    const firstTree = await readlink(root);
    await site.publisher.publishAll();
    expect(await readlink(root)).not.toBe(firstTree);
  });

  it('renders the share of a large full publish here when the render thread dies', async () => {
    const data = generateDataset({
      now: NOW,
      componentCount: 4,
      incidentCount: 150,
      maintenanceCount: 0,
      spanDays: 120,
      withCurrentEvents: false,
    });
    await insertDataset(site.database.db, data, 'Acme Cloud');
    const dying = new RenderThread(
      { distDir: DIST_DIR, siteUrl: SITE_URL },
      new URL('../helpers/dying-render-worker.ts', import.meta.url),
    );
    const publisher = new Publisher({
      db: site.database.db,
      handler: instrumented.handler,
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: dying,
      now: () => NOW,
    });
    try {
      const result = await publisher.publishAll();
      expect(result.files).toBeGreaterThanOrEqual(400); // large enough to be shared with the thread
      const root = path.join(site.dataDir, 'site');
      for (const incident of data.incidents) {
        for (const page of [`incidents/${incident.id}`, `zh-TW/incidents/${incident.id}`]) {
          expect(await readFile(path.join(root, page, 'index.html'), 'utf8'), page).toContain(incident.id);
        }
      }
    } finally {
      await publisher.close();
    }
  });

  it('keeps the previous site live when a full publish fails, and reports why', async () => {
    await seed(site);
    await site.publisher.publishAll();
    const root = path.join(site.dataDir, 'site');
    const liveTree = await readlink(root);
    await addIncident(site, NOW, 'brokenrender', 'Render breaks here');
    instrumented.state.failWhen = (p) => p.startsWith('/incidents/');

    await expect(site.publisher.publishAll()).rejects.toThrow(/failed on purpose/);
    expect(await readlink(root)).toBe(liveTree);
    expect(await readFile(path.join(root, 'index.html'), 'utf8')).not.toContain('Render breaks here');
    expect(site.publisher.status.error?.message).toMatch(/failed on purpose/);
    const health = await (await fetch(`${site.url}/healthz`)).json();
    expect(health.publish.error.message).toMatch(/failed on purpose/);

    instrumented.state.failWhen = () => false;
    await site.publisher.publishAll();
    expect(site.publisher.status.error).toBeNull();
    expect(await readFile(path.join(root, 'index.html'), 'utf8')).toContain('Render breaks here');
  });

  it('publishes a change by re-rendering the affected routes only', async () => {
    await seed(site);
    await site.publisher.publishAll();
    instrumented.state.renders = 0;
    await addIncident(site, NOW, 'newincident1', 'Login failures for some users');
    const result = await site.publisher.publishChange({ incidentIds: ['newincident1'] });
    expect(result.kind).toBe('incremental');
    expect(result.revision).toBe(2);
    expect(instrumented.state.renders).toBeLessThan(20);
    const page = await fetch(`${site.url}/incidents/newincident1/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Looking into Login failures for some users.');
    const summary = await (await fetch(`${site.url}/api/v2/summary.json`)).json();
    expect(summary.incidents.map((i: { id: string }) => i.id)).toContain('newincident1');
  });

  it('publishes the index, incident page and JSON first, the history, feeds and uptime calendar just after', async () => {
    await seed(site);
    await site.publisher.publishAll();
    const rendered: string[] = [];
    instrumented.state.failWhen = (url) => {
      rendered.push(url);
      return false;
    };
    await addIncident(site, NOW, 'newincident2', 'Slow dashboards');
    await site.publisher.publishChange({ incidentIds: ['newincident2'] });
    const first = [...rendered];
    expect(first).toContain('/');
    expect(first).toContain('/incidents/newincident2/');
    expect(first).toContain('/api/v2/summary.json');
    expect(first.filter((url) => /^\/(history|uptime)\/|\.(rss|atom)$/.test(url))).toEqual([]);
    expect(await (await fetch(`${site.url}/incidents/newincident2/`)).text()).toContain('Slow dashboards');

    await site.publisher.idle();
    expect(rendered).toContain('/history/');
    expect(rendered).toContain('/uptime/');
    expect(await (await fetch(`${site.url}/history/`)).text()).toContain('Slow dashboards');
    expect(await (await fetch(`${site.url}/history.rss`)).text()).toContain('Slow dashboards');
  });

  /** The niceness of each of this process's threads (Linux only: /proc). */
  const threadNiceness = () =>
    readdirSync('/proc/self/task').map((task) => {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });

  it('renders what a change leaves for later on the render thread, from its own copy of the snapshot', async () => {
    await seed(site);
    const rendered: string[] = [];
    instrumented.state.failWhen = (url) => (rendered.push(url), false);
    const threaded = new Publisher({
      db: site.database.db,
      handler: instrumented.handler,
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: true,
      now: () => NOW,
    });
    try {
      const base = getPriority();
      await threaded.publishAll();
      // Its work waits for this thread's: on Linux it runs 10 steps nicer, and only it.
      expect(getPriority()).toBe(base);
      if (process.platform === 'linux') expect(threadNiceness()).toContain(Math.min(19, base + 10));
      for (const [id, name] of [
        ['newthread1', 'Cache stampede'],
        ['newthread2', 'Queue backlog'],
      ] as const) {
        await addIncident(site, NOW, id, name);
        rendered.length = 0;
        expect((await threaded.publishChange({ incidentIds: [id] })).kind).toBe('incremental');
        await threaded.idle();
        // This thread rendered the urgent routes only; the history, feeds, calendar and other languages came from the
        // other.
        expect(rendered).toContain(`/incidents/${id}/`);
        expect(rendered.filter((url) => /^\/(history|uptime)\/|\.(rss|atom)$/.test(url))).toEqual([]);
        expect(await (await fetch(`${site.url}/history/`)).text()).toContain(name);
        expect(await (await fetch(`${site.url}/history.rss`)).text()).toContain(name);
        expect(await (await fetch(`${site.url}/zh-TW/incidents/${id}/`)).text()).toContain(name);
      }
      // Both changes are in the other thread's snapshot: the first one's page is still listed.
      expect(await (await fetch(`${site.url}/zh-CN/history/`)).text()).toContain('Cache stampede');
    } finally {
      await threaded.close();
    }
  });

  it('publishes a component status change without re-rendering incident pages, a rename with everything', async () => {
    const data = await seed(site);
    await site.publisher.publishAll();
    const ctx = { db: site.database.db, actor: SYSTEM_ACTOR, now: NOW };
    const component = data.components.find((c) => !c.hidden)!;
    const rendered: string[] = [];
    instrumented.state.failWhen = (url) => (rendered.push(url), false);

    const committed = await updateComponent(ctx, component.id, { status: 'major_outage', name: component.name });
    expect(committed.scope).toEqual({ componentIds: [component.id] });
    const result = await site.publisher.publishChange(committed.scope!);
    expect(result.kind).toBe('incremental');
    expect(rendered).toContain('/');
    expect(rendered).toContain(`/components/${component.id}/badge.svg`);
    expect(rendered.some((url) => url.startsWith('/incidents/'))).toBe(false);
    const summary = await (await fetch(`${site.url}/api/v2/summary.json`)).json();
    expect(summary.components.find((c: { id: string }) => c.id === component.id).status).toBe('major_outage');
    expect(await (await fetch(`${site.url}/components/${component.id}/badge.svg`)).text()).toMatch(/major outage/i);

    // A rename may show on any page: published as a change (the index and the JSON at once),
    // every other page in the background.
    const renamed = await updateComponent(ctx, component.id, { name: 'Renamed service' });
    expect(renamed.scope).toEqual({ siteWide: true, componentIds: [component.id] });
    expect((await site.publisher.publishChange(renamed.scope!)).kind).toBe('incremental');
    expect(await (await fetch(`${site.url}/`)).text()).toContain('Renamed service');
    const renamedSummary = await (await fetch(`${site.url}/api/v2/summary.json`)).json();
    expect(renamedSummary.components.find((c: { id: string }) => c.id === component.id).name).toBe('Renamed service');
  });

  it('sweeps the pages of a rename in the background, and gives up on a page that never renders without holding up the rest', async () => {
    const data = await seed(site);
    const publisher = new Publisher({
      db: site.database.db,
      handler: instrumented.handler,
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: false,
      retryDelayMs: 10,
      now: () => NOW,
    });
    try {
      await publisher.publishAll();
      const shown = new Set(data.components.filter((c) => !c.hidden).map((c) => c.id));
      const link = data.links.find(
        (l) => shown.has(l.componentId) && data.links.filter((o) => o.componentId === l.componentId).length >= 2,
      )!;
      const component = data.components.find((c) => c.id === link.componentId)!;
      const [broken, fine] = data.links
        .filter((l) => l.componentId === component.id)
        .map((l) => ({ id: l.incidentId }));
      instrumented.state.failWhen = (url) => url.startsWith(`/incidents/${broken!.id}/`);
      const ctx = { db: site.database.db, actor: SYSTEM_ACTOR, now: NOW };
      const renamed = await updateComponent(ctx, component.id, { name: 'Renamed service' });
      expect((await publisher.publishChange(renamed.scope!)).kind).toBe('incremental');
      // What the admin and /healthz show meanwhile: the pages still to be swept.
      expect(publisher.status.backlog).toBeGreaterThan(0);
      await publisher.idle();
      expect(publisher.status.backlog).toBe(0);
      const root = path.join(site.dataDir, 'site');
      expect(await readFile(path.join(root, 'zh-TW', 'index.html'), 'utf8')).toContain('Renamed service');
      expect(await readFile(path.join(root, 'incidents', fine!.id, 'index.html'), 'utf8')).toContain('Renamed service');
      // The page that cannot render keeps its old content.
      expect(await readFile(path.join(root, 'incidents', broken!.id, 'index.html'), 'utf8')).toContain(component.name);
    } finally {
      instrumented.state.failWhen = () => false;
      await publisher.close();
    }
  });

  it('publishes the maintenance calendars, served as text/calendar and linked from the pages', async () => {
    const data = await seed(site);
    await site.publisher.publishAll();
    const window = data.incidents.find((i) => i.kind === 'maintenance' && i.status === 'scheduled')!;
    const calendar = await fetch(`${site.url}/maintenance.ics`);
    expect(calendar.status).toBe(200);
    expect(calendar.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const parsed = new ICAL.Component(ICAL.parse(await calendar.text()));
    const uids = parsed.getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('uid')));
    expect(uids).toContain(`${window.id}@${new URL(SITE_URL).host}`);
    const one = await fetch(`${site.url}/incidents/${window.id}/calendar.ics`);
    expect(one.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(new ICAL.Component(ICAL.parse(await one.text())).getAllSubcomponents('vevent')).toHaveLength(1);
    expect(await (await fetch(`${site.url}/`)).text()).toContain('href="/maintenance.ics"');
    expect(await (await fetch(`${site.url}/incidents/${window.id}/`)).text()).toContain(
      `href="/incidents/${window.id}/calendar.ics"`,
    );
    // A window's change reaches its calendars with the change.
    await site.database.db
      .update(incidents)
      .set({ name: 'Moved window', updatedAt: new Date(NOW.getTime() + 60_000) })
      .where(eq(incidents.id, window.id));
    await site.publisher.publishChange({ incidentIds: [window.id] });
    expect(await (await fetch(`${site.url}/maintenance.ics`)).text()).toContain('SUMMARY:Moved window');
  });

  it('shows the latest five updates of an active incident on the index, and links to all of them', async () => {
    await seed(site);
    await addIncident(site, NOW, 'longincident', 'Long running trouble');
    for (let n = 1; n <= 6; n++) {
      await site.database.db.insert(incidentUpdates).values({
        id: `ulong${n}`,
        incidentId: 'longincident',
        status: 'identified',
        body: `Progress note ${n}.`,
        displayAt: new Date(NOW.getTime() + n * 60_000),
      });
    }
    await site.publisher.publishAll();
    const index = await (await fetch(`${site.url}/`)).text();
    const card = index.slice(index.indexOf('Long running trouble'));
    for (const n of [2, 3, 4, 5, 6]) expect(card).toContain(`Progress note ${n}.`);
    expect(card).not.toContain('Progress note 1.');
    expect(card).not.toContain('Looking into Long running trouble.');
    expect(card).toContain('All 7 updates');
    expect(await (await fetch(`${site.url}/incidents/longincident/`)).text()).toContain('Progress note 1.');
  });

  it("leaves the uptime calendar alone for an update's text on a quiet day, and renders it for a new incident, an outage today (once a minute) or a new day", async () => {
    const data = await seed(site);
    // A quiet day: every component operational since before today (a day with another status in it moves with the
    // clock).
    const db = site.database.db;
    await db
      .delete(componentStatusChanges)
      .where(gte(componentStatusChanges.changedAt, new Date(NOW.getTime() - 2 * 24 * 60 * 60_000)));
    await db.update(components).set({ status: 'operational' });
    await db.insert(componentStatusChanges).values(
      data.components.map((c) => ({
        componentId: c.id!,
        status: 'operational' as const,
        changedAt: new Date(NOW.getTime() - 2 * 24 * 60 * 60_000),
        revision: 1,
      })),
    );
    await site.publisher.publishAll();
    const rendered: string[] = [];
    instrumented.state.failWhen = (url) => (rendered.push(url), false);
    await addIncident(site, NOW, 'calendarcase', 'Queue backlog');
    await site.publisher.publishChange({ incidentIds: ['calendarcase'] });
    await site.publisher.idle();
    expect(rendered.filter((url) => url === '/uptime/').length).toBe(3); // once per language

    rendered.length = 0;
    await site.database.db.transaction(async (tx) => {
      await tx.insert(incidentUpdates).values({
        id: 'ucalendar2',
        incidentId: 'calendarcase',
        status: 'identified',
        body: 'Found the stuck consumer.',
        displayAt: NOW,
      });
      await tx
        .update(siteState)
        .set({ revision: sql`${siteState.revision} + 1` })
        .where(eq(siteState.id, 1));
    });
    await site.publisher.publishChange({ incidentIds: ['calendarcase'] });
    await site.publisher.idle();
    expect(rendered).toContain('/');
    expect(rendered).toContain('/history/');
    expect(rendered).not.toContain('/uptime/');

    // A component in trouble today: its share of the day grows with the clock, so the same kind of update renders the
    // calendar.
    const component = data.components.find((c) => !c.hidden)!;
    const degraded = await updateComponent({ db, actor: SYSTEM_ACTOR, now: NOW }, component.id!, {
      status: 'degraded_performance',
    });
    await site.publisher.publishChange(degraded.scope!);
    await site.publisher.idle();
    rendered.length = 0;
    clock = new Date(NOW.getTime() + 10 * 60_000);
    await db.transaction(async (tx) => {
      await tx.insert(incidentUpdates).values({
        id: 'ucalendar3',
        incidentId: 'calendarcase',
        status: 'identified',
        body: 'Still draining the queue.',
        displayAt: clock,
      });
      await tx
        .update(siteState)
        .set({ revision: sql`${siteState.revision} + 1` })
        .where(eq(siteState.id, 1));
    });
    await site.publisher.publishChange({ incidentIds: ['calendarcase'] });
    await site.publisher.idle();
    expect(rendered).toContain('/uptime/');

    // For the clock alone, at most once a minute: not for the next update 20 s later, again for one 70 s later.
    const postAt = async (id: string, at: Date) => {
      rendered.length = 0;
      clock = at;
      await db.transaction(async (tx) => {
        await tx.insert(incidentUpdates).values({
          id,
          incidentId: 'calendarcase',
          status: 'identified',
          body: `Still draining (${id}).`,
          displayAt: at,
        });
        await tx
          .update(siteState)
          .set({ revision: sql`${siteState.revision} + 1` })
          .where(eq(siteState.id, 1));
      });
      await site.publisher.publishChange({ incidentIds: ['calendarcase'] });
      await site.publisher.idle();
      return rendered.includes('/') && rendered.includes('/uptime/');
    };
    expect(await postAt('ucalendar4', new Date(clock.getTime() + 20_000))).toBe(false);
    expect(rendered).toContain('/');
    expect(await postAt('ucalendar5', new Date(clock.getTime() + 50_000))).toBe(true);

    rendered.length = 0;
    clock = new Date(NOW.getTime() + 24 * 60 * 60_000);
    await site.publisher.publishChange({ incidentIds: [] });
    await site.publisher.idle();
    expect(rendered).toContain('/uptime/');
  });

  it('takes a deleted incident off its history page and out of every language, its late copies included', async () => {
    await seed(site);
    await site.publisher.publishAll();
    const monthsAgo = new Date(NOW.getTime() - 100 * 24 * 60 * 60_000);
    await site.database.db.transaction(async (tx) => {
      await tx.insert(incidents).values({
        id: 'oldincident',
        kind: 'incident',
        name: 'Old certificate expiry',
        status: 'resolved',
        impact: 'minor',
        startedAt: monthsAgo,
        resolvedAt: monthsAgo,
      });
      await tx
        .update(siteState)
        .set({ revision: sql`${siteState.revision} + 1` })
        .where(eq(siteState.id, 1));
    });
    await site.publisher.publishChange({ incidentIds: ['oldincident'] });
    await site.publisher.idle();
    const pageOf = async (n: number) => (await fetch(`${site.url}/history/${n}/`)).text();
    const listing = (await pageOf(2)).includes('Old certificate expiry') ? 2 : 3;
    expect(await pageOf(listing)).toContain('Old certificate expiry');

    await addIncident(site, NOW, 'shortlived', 'Posted by mistake');
    await site.publisher.publishChange({ incidentIds: ['shortlived'] });
    // Deleted before its other-language copies were rendered.
    for (const id of ['oldincident', 'shortlived']) {
      await site.database.db.transaction(async (tx) => {
        await tx.delete(incidents).where(eq(incidents.id, id));
        await tx
          .update(siteState)
          .set({ revision: sql`${siteState.revision} + 1` })
          .where(eq(siteState.id, 1));
      });
    }
    await site.publisher.publishChange({ incidentIds: ['oldincident', 'shortlived'] });
    await site.publisher.idle();
    expect(site.publisher.status.error).toBeNull();
    expect(await pageOf(listing)).not.toContain('Old certificate expiry');
    for (const prefix of ['', '/zh-TW', '/zh-CN'])
      expect((await fetch(`${site.url}${prefix}/incidents/shortlived/`)).status).toBe(404);
    await addIncident(site, NOW, 'later1', 'A later change');
    expect((await site.publisher.publishChange({ incidentIds: ['later1'] })).kind).toBe('incremental');
    await site.publisher.idle();
    expect(site.publisher.status.error).toBeNull();
  });

  it('merges a burst of changes into few renders and ends on the last change', async () => {
    await seed(site);
    await site.publisher.publishAll();
    instrumented.state.renders = 0;
    // Changes arrive faster than a publish takes, as in a busy incident (not left to this machine's speed).
    instrumented.state.delayMs = 50;
    const publishes: Array<Promise<unknown>> = [];
    for (let n = 0; n < 20; n++) {
      const id = `burst${String(n).padStart(7, '0')}`;
      await addIncident(site, NOW, id, `Burst incident ${n}`);
      publishes.push(site.publisher.publishChange({ incidentIds: [id] }));
    }
    await Promise.all(publishes);
    const perPublish = 13; // index, history, 8 API files, the incident and its history page
    expect(instrumented.state.renders).toBeLessThan((20 * perPublish) / 2);
    const index = await (await fetch(`${site.url}/`)).text();
    expect(index).toContain('Burst incident 19');
    expect(site.publisher.status.revision).toBe(21);
  });

  it('removes the page of a deleted incident', async () => {
    await seed(site);
    await addIncident(site, NOW, 'shortlived01', 'Posted by mistake');
    await site.publisher.publishAll();
    expect((await fetch(`${site.url}/incidents/shortlived01/`)).status).toBe(200);
    await site.database.db.delete(incidents).where(eq(incidents.id, 'shortlived01'));
    await site.publisher.publishChange({ incidentIds: ['shortlived01'] });
    const gone = await fetch(`${site.url}/incidents/shortlived01/`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('Page not found');
    // In every language.
    const goneInChinese = await fetch(`${site.url}/zh-TW/incidents/shortlived01/`);
    expect(goneInChinese.status).toBe(404);
    expect(await goneInChinese.text()).toContain('找不到頁面');
  });
});

describe('what each publish announces (for publish targets and CDN purges)', () => {
  let site: TestSite;
  beforeEach(async () => {
    site = await startTestSite('pglite', { now: () => NOW });
    await seed(site);
  });
  afterEach(() => site.close());

  it('announces a full publish as a new tree, and a change with exactly the files it wrote, its deferred ones after, and what it removed', async () => {
    const announced: PublishedFiles[] = [];
    const publisher = new Publisher({
      db: site.database.db,
      handler: await builtHandler(),
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: false,
      now: () => NOW,
      onPublished: (files) => announced.push(files),
    });
    try {
      const full = await publisher.publishAll();
      expect(announced).toEqual([
        { revision: full.revision, siteDir: full.directory, kind: 'full', written: [], removed: [] },
      ]);

      await addIncident(site, NOW, 'announced001', 'Slow uploads');
      const change = await publisher.publishChange({ incidentIds: ['announced001'] });
      const urgent = announced[1]!;
      expect(urgent).toMatchObject({ revision: change.revision, kind: 'files', removed: [] });
      expect(urgent.written).toEqual(
        expect.arrayContaining([
          'index.html',
          'uptime-days.json',
          'incidents/announced001/index.html',
          'api/v2/summary.json',
          'widget.json',
        ]),
      );
      expect(urgent.written).toHaveLength(change.files);
      await publisher.idle();
      const deferred = announced.slice(2).flatMap((a) => a.written);
      expect(deferred).toEqual(
        expect.arrayContaining([
          'history/index.html',
          'history.rss',
          'zh-TW/index.html',
          'zh-TW/incidents/announced001/index.html',
        ]),
      );
      for (const file of [...urgent.written, ...deferred])
        expect(existsSync(path.join(change.directory, file)), file).toBe(true);

      await site.database.db.delete(incidents).where(eq(incidents.id, 'announced001'));
      announced.length = 0;
      await publisher.publishChange({ incidentIds: ['announced001'] });
      expect(announced[0]!.removed).toEqual(
        expect.arrayContaining([
          'incidents/announced001/',
          'zh-TW/incidents/announced001/',
          'zh-CN/incidents/announced001/',
        ]),
      );
      expect(announced[0]!.written).not.toContain('incidents/announced001/index.html');
    } finally {
      await publisher.close();
    }
  });
});

describe('publishing under pressure', () => {
  let site: TestSite;

  beforeEach(async () => {
    site = await startTestSite('pglite', { now: () => NOW });
    await insertDataset(
      site.database.db,
      generateDataset({
        now: NOW,
        componentCount: 6,
        incidentCount: 20,
        maintenanceCount: 2,
        spanDays: 60,
        withCurrentEvents: true,
      }),
      'Acme Cloud',
    );
    await site.publisher.publishAll();
  });
  afterEach(() => site.close());

  it('never lets an older render overwrite a newer one, even when it finishes last', async () => {
    const real = await builtHandler();
    let slow = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowHandler: AstroHandler = async (req, res, next, locals) => {
      if (slow) await gate;
      return real(req, res, next, locals);
    };
    const other = new Publisher({
      db: site.database.db,
      handler: slowHandler,
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: false,
      now: () => NOW,
    });
    try {
      await other.publishAll();
      slow = true;
      await addIncident(site, NOW, 'olderchange1', 'Older change');
      const older = other.publishChange({ incidentIds: ['olderchange1'] }); // reads revision 2, then waits
      await new Promise((resolve) => setTimeout(resolve, 100));
      await addIncident(site, NOW, 'newerchange1', 'Newer change');
      const newer = await site.publisher.publishChange({ incidentIds: ['olderchange1', 'newerchange1'] });
      expect(newer.revision).toBe(3);
      release();
      const late = await older;
      expect(late.revision).toBe(2);
      expect(late.superseded).toBe(true);
      const index = await (await fetch(`${site.url}/`)).text();
      expect(index).toContain('Newer change');
      expect(index).toContain('Older change');
    } finally {
      release();
      await other.close();
    }
  });

  it('publishes every change of two writers working at once', async () => {
    const writes = Array.from({ length: 10 }, async (_, n) => {
      const id = `writer${n % 2}${String(n).padStart(6, '0')}`;
      await addIncident(site, NOW, id, `Writer ${n % 2} change ${n}`);
      return site.publisher.publishChange({ incidentIds: [id] });
    });
    await Promise.all(writes);
    const summary = await (await fetch(`${site.url}/api/v2/incidents/unresolved.json`)).json();
    const names = summary.incidents.map((i: { name: string }) => i.name);
    for (let n = 0; n < 10; n++) expect(names).toContain(`Writer ${n % 2} change ${n}`);
  });

  it('retries a failed publish by itself, and the next attempt succeeds', async () => {
    const real = await builtHandler();
    let failures = 0;
    const flaky: AstroHandler = async (req, res, next, locals) => {
      if (failures > 0 && req.url === '/') {
        failures--;
        throw new Error('disk hiccup');
      }
      return real(req, res, next, locals);
    };
    const retrying = new Publisher({
      db: site.database.db,
      handler: flaky,
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: false,
      now: () => NOW,
    });
    try {
      await retrying.publishAll();
      failures = 1;
      await addIncident(site, NOW, 'retriedone01', 'Published on the second try');
      await expect(retrying.publishChange({ incidentIds: ['retriedone01'] })).rejects.toThrow();
      // Nobody asks again: the retry (after a second) publishes it.
      const deadline = Date.now() + 10_000;
      while (
        Date.now() < deadline &&
        !(await (await fetch(`${site.url}/`)).text()).includes('Published on the second try')
      )
        await new Promise((r) => setTimeout(r, 200));
      expect(await (await fetch(`${site.url}/`)).text()).toContain('Published on the second try');
      expect(retrying.status.error).toBeNull();
    } finally {
      await retrying.close();
    }
  });

  it('keeps the site whole when a full publish dies halfway, and the next one cleans up', async () => {
    const root = path.join(site.dataDir, 'site');
    const liveTree = await readlink(root);
    const real = await builtHandler();
    let rendered = 0;
    const dying: AstroHandler = async (req, res, next, locals) => {
      if (++rendered > 10) await new Promise(() => {}); // the process "dies" here: this render never ends
      return real(req, res, next, locals);
    };
    const doomed = new Publisher({
      db: site.database.db,
      handler: dying,
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: false,
      now: () => NOW,
    });
    void doomed.publishAll();
    while (rendered <= 10) await new Promise((r) => setTimeout(r, 10));
    expect(await readlink(root)).toBe(liveTree);
    const index = await fetch(`${site.url}/`);
    expect(index.status).toBe(200);
    for (const incident of (await (await fetch(`${site.url}/api/v2/incidents.json`)).json()).incidents) {
      expect((await fetch(`${site.url}/incidents/${incident.id}/`)).status).toBe(200);
    }
    const trees = await readdir(path.join(site.dataDir, 'sites'));
    expect(trees.length).toBe(2); // the live one and the half-written one
    await site.publisher.publishAll();
    expect(await readlink(root)).not.toBe(liveTree);
  });
});
