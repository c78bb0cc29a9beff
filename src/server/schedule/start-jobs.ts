import { sql } from 'drizzle-orm';
import { fromPglite, PgBoss } from 'pg-boss';
import type { DatabaseHandle } from '../../db/client.ts';
import { isDatabaseUnavailable } from '../../db/unavailable.ts';
import { PUBLISH_CHANNEL, type PublishGate } from '../../publish/coordinator.ts';
import type { Logger } from '../../infra/log.ts';
import { runScheduledTransitions } from './scheduled-transitions.ts';

export const TICK_QUEUE = 'herald-tick';

/**
 * pg-boss, on whichever database Herald uses: it runs the every-minute tick once per
 * minute across all instances (its cron is deduplicated), on any instance.
 */
export async function startJobs(options: { handle: DatabaseHandle; gate: PublishGate; log: Logger }): Promise<PgBoss> {
  const { handle, gate, log } = options;
  const boss =
    handle.client.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(handle.client.pglite), backend: 'pglite', schema: 'pgboss' })
      : new PgBoss({ connectionString: handle.client.url, schema: 'pgboss', max: 3 });
  // While the database is away pg-boss reports every failed poll; say it once, and again
  // when it was quiet for a minute, so an outage does not flood the log.
  let lastOutageLog = 0;
  boss.on('error', (error: unknown) => {
    const message =
      error instanceof Error
        ? error.message
        : typeof error === 'object' && error && 'message' in error
          ? String(error.message)
          : JSON.stringify(error);
    if (isDatabaseUnavailable(error) || /terminat|connect|closed|not currently accepting/i.test(message)) {
      const now = Date.now();
      if (now - lastOutageLog < 60_000) return;
      lastOutageLog = now;
      log.warn('job queue lost the database; pg-boss reconnects by itself', { error: message });
      return;
    }
    log.error('job queue error', { error: message });
  });
  await boss.start();
  await boss.createQueue(TICK_QUEUE, { policy: 'singleton' }).catch(() => {});
  await boss.schedule(TICK_QUEUE, '* * * * *');

  await boss.work(TICK_QUEUE, async () => {
    const now = new Date();
    // Any instance may run a tick, so "since the last run" is a window, not a memory;
    // 90 s for 60 s ticks: a late tick still covers the gap, an overlap only publishes twice.
    const result = await runScheduledTransitions(handle.db, now, new Date(now.getTime() - 90_000), gate.instanceId);
    for (const scope of result.republish) {
      // No data changed, so no transaction announced it: tell the publishing instance directly.
      if (gate.isLeader) await gate.publishChange(scope);
      else
        await handle.db.execute(
          sql`select pg_notify(${PUBLISH_CHANNEL}, ${JSON.stringify({ origin: gate.instanceId, scope })})`,
        );
    }
    for (const id of [...result.announced, ...result.started, ...result.completed]) {
      if (gate.isLeader) await gate.publishChange({ incidentIds: [id] });
    }
    if (result.announced.length) log.info('recurring maintenance announced', { maintenances: result.announced });
    if (result.started.length || result.completed.length)
      log.info('scheduled maintenance moved on', { started: result.started, completed: result.completed });
    if (result.remindedOverdue.length)
      log.info('reminded editors of overdue updates', { incidents: result.remindedOverdue });
    if (result.remindedMaintenance.length)
      log.info('reminded subscribers of upcoming maintenance', { maintenances: result.remindedMaintenance });
    if (result.jobErrors.length)
      log.error('recurring maintenance or alerts failed this minute; trying again next minute', {
        errors: result.jobErrors,
      });
    if (result.reminderErrors.length)
      log.error('some reminders could not be queued; trying again next minute', { errors: result.reminderErrors });
  });
  return boss;
}
