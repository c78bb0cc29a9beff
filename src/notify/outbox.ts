import { and, eq, sql, type Column } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { notifyState } from '../db/schema.ts';
import { tokenSecret } from './tokens.ts';

// What the three outboxes (subscriber email batches, staff emails, webhook deliveries) share:
// a worker claims a due row with a lease (attempts + 1, available_at pushed past the lease),
// sends, then settles it.

/** A leased outbox row: its id and the attempt number its claim gave it. */
interface OutboxClaim {
  id: string | number;
  attempts: number;
}

/**
 * The settle of a claim applies only while that claim still holds the row: still pending
 * and not claimed again after its lease ran out (the later claim settles it then).
 */
export function heldBy(table: { id: Column; status: Column; attempts: Column }, claim: OutboxClaim) {
  return and(eq(table.id, claim.id), eq(table.status, 'pending'), eq(table.attempts, claim.attempts));
}

/** Waits between failed sends of an email (to subscribers or staff): 1 s doubling, at most 10 minutes. */
export const emailBackoffMs = (attempt: number) => Math.min(10 * 60_000, 1000 * 2 ** (attempt - 1));
export const EMAIL_MAX_ATTEMPTS = 8;

/**
 * A 429 is about the account, not the email: no email (subscriber batches, staff emails,
 * those queued meanwhile) is sent before the provider's time, on any instance. The claims
 * check this hold (emailsNotHeld), so no call spends itself on a certain refusal and
 * prolongs the throttle.
 */
export async function holdEmailsUntil(db: Queryable, until: Date): Promise<void> {
  await tokenSecret(db); // the row exists from then on
  await db.update(notifyState).set({ emailsHeldUntil: sql`greatest(${notifyState.emailsHeldUntil}, ${until.toISOString()}::timestamptz)` }).where(eq(notifyState.id, 1));
}

/** The condition an email claim adds: no 429 hold in force at `now`. */
export const emailsNotHeld = (now: Date) =>
  sql`not exists (select 1 from ${notifyState} where ${notifyState.emailsHeldUntil} > ${now.toISOString()}::timestamptz)`;
