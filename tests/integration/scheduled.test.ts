import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localPublishGate } from '../../src/publish/coordinator.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { runScheduledTransitions } from '../../src/server/schedule/scheduled-transitions.ts';
import { startJobs, TICK_QUEUE } from '../../src/server/schedule/start-jobs.ts';
import { DRIVERS } from '../helpers/database.ts';
import { addToken, api } from '../helpers/admin.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const MINUTE = 60_000;

describe.each(DRIVERS)('time-driven changes on %s', (driver) => {
  let site: TestSite;
  let editor: ReturnType<typeof api>;
  let componentId: string;

  beforeEach(async () => {
    site = await startTestSite(driver);
    await site.publisher.publishAll();
    editor = api(site, (await addToken(site, 'editor')).token);
    componentId = (await editor.post('/components', { name: 'Database' })).body.id;
  });
  afterEach(() => site.close());

  async function scheduleMaintenance(start: Date, end: Date) {
    const response = await editor.post('/incidents', {
      incident: {
        name: 'Database upgrade',
        body: 'Planned.',
        scheduled_for: start.toISOString(),
        scheduled_until: end.toISOString(),
        component_ids: [componentId],
        scheduled_auto_in_progress: true,
        scheduled_auto_completed: true,
      },
    });
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  it('starts and completes a maintenance at the edges of its window, moving its components', async () => {
    const start = new Date(Date.now() + 10 * MINUTE);
    const end = new Date(start.getTime() + 30 * MINUTE);
    const id = await scheduleMaintenance(start, end);
    const db = site.database.db;

    const early = await runScheduledTransitions(db, new Date(start.getTime() - MINUTE), null);
    expect(early.started).toEqual([]);
    expect((await editor.get(`/incidents/${id}`)).body.status).toBe('scheduled');

    const atStart = await runScheduledTransitions(
      db,
      new Date(start.getTime() + 1000),
      new Date(start.getTime() - MINUTE),
    );
    expect(atStart.started).toEqual([id]);
    expect((await editor.get(`/incidents/${id}`)).body.status).toBe('in_progress');
    expect((await editor.get(`/components/${componentId}`)).body.status).toBe('under_maintenance');

    // Running the same minute twice (two instances, a retried job) changes nothing more.
    const again = await runScheduledTransitions(
      db,
      new Date(start.getTime() + 2000),
      new Date(start.getTime() - MINUTE),
    );
    expect(again.started).toEqual([]);
    expect((await editor.get(`/incidents/${id}`)).body.incident_updates).toHaveLength(2);

    const atEnd = await runScheduledTransitions(db, new Date(end.getTime() + 1000), new Date(end.getTime() - MINUTE));
    expect(atEnd.completed).toEqual([id]);
    const completed = (await editor.get(`/incidents/${id}`)).body;
    expect(completed.status).toBe('completed');
    expect(completed.incident_updates[0].body).toBe('Maintenance has been completed.');
    expect((await editor.get(`/components/${componentId}`)).body.status).toBe('operational');
  });

  it('asks for a publish when a promised update falls due, and when the day changes', async () => {
    const created = await editor.post('/incidents', { name: 'Slow API', body: 'Looking.', next_update_in_minutes: 30 });
    const due = new Date(created.body.next_update_due_at);
    const before = await runScheduledTransitions(
      site.database.db,
      new Date(due.getTime() - MINUTE),
      new Date(due.getTime() - 2 * MINUTE),
    );
    expect(before.republish).toEqual([]);
    const after = await runScheduledTransitions(
      site.database.db,
      new Date(due.getTime() + 1000),
      new Date(due.getTime() - MINUTE),
    );
    expect(after.republish).toEqual([{ incidentIds: [created.body.id] }]);

    const midnight = new Date('2030-01-02T00:00:30Z');
    const rollover = await runScheduledTransitions(site.database.db, midnight, new Date(midnight.getTime() - MINUTE));
    expect(rollover.republish).toContainEqual({ incidentIds: [] });
  });

  it('runs the tick through pg-boss and publishes what it changed', async () => {
    const id = await scheduleMaintenance(new Date(Date.now() - MINUTE), new Date(Date.now() + 60 * MINUTE));
    const boss = await startJobs({ handle: site.database, gate: localPublishGate(site.publisher), log: silentLogger });
    try {
      expect((await boss.getSchedules(TICK_QUEUE)).map((s) => s.cron)).toEqual(['* * * * *']);
      await boss.send(TICK_QUEUE, {});
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && (await editor.get(`/incidents/${id}`)).body.status !== 'in_progress')
        await new Promise((r) => setTimeout(r, 200));
      expect((await editor.get(`/incidents/${id}`)).body.status).toBe('in_progress');
      // The tick publishes right after its change commits.
      const activeIds = async () =>
        (
          await (await fetch(`${site.url}/api/v2/scheduled-maintenances/active.json`)).json()
        ).scheduled_maintenances.map((m: { id: string }) => m.id);
      while (Date.now() < deadline && (await activeIds()).length === 0) await new Promise((r) => setTimeout(r, 100));
      expect(await activeIds()).toEqual([id]);
    } finally {
      await boss.stop({ graceful: false, timeout: 2000 });
    }
  });
});
