import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { notifyState } from '../db/schema.ts';
import { rowsOf } from '../db/sql-rows.ts';
import { deliverNextBatch } from './deliver.ts';
import { drainInLanes, type DeliveryOptions } from './outbox.ts';
import { deliverNextStaffMessage } from './staff-messages.ts';

// The email outbox as the worker drains it: staff emails (staff-messages.ts) and subscriber
// batches (deliver.ts), two tables under one 429 hold.

/**
 * Sends until nothing is due: staff emails first, one at a time, then subscriber batches,
 * `concurrency` in flight. Returns how many batches and staff emails were sent. Throttled or
 * failing ones wait for their time; the caller wakes up then (nextDueAt).
 */
export async function drainDeliveries(
  options: DeliveryOptions & { concurrency?: number; stop?: () => boolean },
): Promise<number> {
  // Reminders to Herald's own users are few and time-critical: they go first. After a 429
  // no claim succeeds until its time (holdEmailsUntil), so the batches wait as well.
  const staff = await drainInLanes(() => deliverNextStaffMessage(options), { lanes: 1, stop: options.stop });
  return (
    staff +
    (await drainInLanes(() => deliverNextBatch(options), { lanes: options.concurrency ?? 4, stop: options.stop }))
  );
}

/** When the next pending email falls due (a lease running out, a backoff or a 429 hold ending), if any. */
export async function nextDueAt(db: Database): Promise<Date | null> {
  const [row] = rowsOf<{ at: string | Date | null }>(
    await db.execute(sql`with due as (select least(
        (select min(available_at) from delivery_batches where status = 'pending'),
        (select min(available_at) from staff_messages where status = 'pending')) as at)
      select greatest(due.at, (select ${notifyState.emailsHeldUntil} from ${notifyState} where id = 1)) as at from due where due.at is not null`),
  );
  return row?.at ? new Date(row.at) : null;
}
