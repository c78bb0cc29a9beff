import { and, eq, gt, inArray, isNull, lte } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { incidents, pageSettings } from '../../db/schema.ts';
import { dayKey } from '../../domain/format.ts';
import type { ChangeScope } from '../../publish/publisher.ts';
import { SYSTEM_ACTOR, type ChangeContext } from '../change.ts';
import { isHttpError } from '../../infra/errors.ts';
import { postUpdate } from '../incidents/manage-incidents.ts';
import { makeOccurrences } from '../maintenance/manage-series.ts';
import { tickAlerts } from '../alerts/process-alerts.ts';
import { remindOverdueIncidents, remindUpcomingMaintenances } from './reminders.ts';

// What time alone changes: recurring windows' occurrences coming within notice, maintenance windows opening and closing, promised updates
// falling due (and reminders about them), and a new day (history and "today"). Runs every minute (pg-boss schedule);
// `now` is passed in, so tests drive it with any clock.

export interface TickResult {
  /** Occurrences of recurring windows made (announced) because they come within their series' notice. */
  announced: string[];
  /** Firing alerts marked stale (not heard of for longer than their source allows). */
  staleAlerts: number;
  started: string[];
  completed: string[];
  /** Publishes needed without a data change (overdue promises, a new day). */
  republish: ChangeScope[];
  /** Incidents whose editors were reminded of an overdue update. */
  remindedOverdue: string[];
  /** Maintenances whose subscribers were told it starts soon. */
  remindedMaintenance: string[];
  /** Reminders that could not be queued (tried again next minute); the rest of the tick stands. */
  reminderErrors: string[];
  /** Recurring maintenance or alert work that failed this minute (tried again next minute). */
  jobErrors: string[];
}

const STARTED = 'Maintenance has started.';
const COMPLETED = 'Maintenance has been completed.';

async function transition(
  ctx: ChangeContext,
  id: string,
  version: number,
  status: 'in_progress' | 'completed',
  body: string,
): Promise<boolean> {
  try {
    await postUpdate(ctx, id, { status, body, version });
    return true;
  } catch (error) {
    // Another instance moved it first (stale version), or an editor did: nothing to do.
    if (isHttpError(error) && (error.status === 409 || error.status === 404)) return false;
    if (error && typeof error === 'object' && 'code' in error && error.code === 'invalid_transition') return false;
    throw error;
  }
}

export async function runScheduledTransitions(
  db: Database,
  now: Date,
  previousRun: Date | null,
  origin?: string,
): Promise<TickResult> {
  const ctx: ChangeContext = { db, actor: SYSTEM_ACTOR, now, ...(origin ? { origin } : {}) };
  const result: TickResult = {
    announced: [],
    staleAlerts: 0,
    started: [],
    completed: [],
    republish: [],
    remindedOverdue: [],
    remindedMaintenance: [],
    reminderErrors: [],
    jobErrors: [],
  };

  // Neither a series that cannot be made nor an alert that cannot be applied holds up the rest of the tick.
  const occurrences = await makeOccurrences(ctx).catch((error: unknown) => ({
    made: [],
    errors: [`recurring maintenance: ${error instanceof Error ? error.message : String(error)}`],
  }));
  result.announced = occurrences.made;
  result.jobErrors.push(...occurrences.errors);
  try {
    const alertTick = await tickAlerts(ctx);
    result.staleAlerts = alertTick.stale;
    if (alertTick.scope) result.republish.push(alertTick.scope);
  } catch (error) {
    result.jobErrors.push(`alerts: ${error instanceof Error ? error.message : String(error)}`);
  }

  const toStart = await db
    .select({ id: incidents.id, version: incidents.version })
    .from(incidents)
    .where(
      and(
        eq(incidents.kind, 'maintenance'),
        eq(incidents.status, 'scheduled'),
        eq(incidents.autoStart, true),
        lte(incidents.scheduledFor, now),
      ),
    );
  for (const m of toStart)
    if (await transition(ctx, m.id, m.version, 'in_progress', STARTED)) result.started.push(m.id);

  const toComplete = await db
    .select({ id: incidents.id, version: incidents.version })
    .from(incidents)
    .where(
      and(
        eq(incidents.kind, 'maintenance'),
        inArray(incidents.status, ['in_progress', 'verifying']),
        eq(incidents.autoComplete, true),
        lte(incidents.scheduledUntil, now),
      ),
    );
  for (const m of toComplete)
    if (await transition(ctx, m.id, m.version, 'completed', COMPLETED)) result.completed.push(m.id);

  // A promise that fell due since the last run: the page must now say the update is overdue.
  const since = previousRun ?? new Date(now.getTime() - 2 * 60_000);
  const overdue = await db
    .select({ id: incidents.id })
    .from(incidents)
    .where(
      and(isNull(incidents.resolvedAt), gt(incidents.nextUpdateDueAt, since), lte(incidents.nextUpdateDueAt, now)),
    );
  if (overdue.length > 0) result.republish.push({ incidentIds: overdue.map((o) => o.id) });

  // After the starts: a window that just opened gets no "starts in" email.
  const maintenance = await remindUpcomingMaintenances(db, now);
  const overdueReminders = await remindOverdueIncidents(db, now);
  result.remindedMaintenance = maintenance.reminded;
  result.remindedOverdue = overdueReminders.reminded;
  result.reminderErrors = [...maintenance.errors, ...overdueReminders.errors];

  if (previousRun) {
    const [settings] = await db
      .select({ timeZone: pageSettings.timeZone })
      .from(pageSettings)
      .where(eq(pageSettings.id, 1));
    const zone = settings?.timeZone ?? 'Etc/UTC';
    if (dayKey(previousRun, zone) !== dayKey(now, zone)) result.republish.push({ incidentIds: [] });
  }
  return result;
}
