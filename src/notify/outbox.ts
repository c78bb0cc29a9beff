import { and, eq, lt, type Column } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { deliveryBatches, staffMessages } from '../db/schema.ts';

// What the three outboxes (subscriber email batches, staff emails, webhook deliveries) share:
// a worker claims a due row with a lease (attempts + 1, available_at pushed past the lease),
// sends, then settles it.

/** A leased outbox row: its id and the attempt number its claim gave it. */
export interface OutboxClaim {
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
 * A 429 is about the account, not the email: every pending email (subscriber batches and
 * staff emails, on every instance) waits until the provider's time, so that no call spends
 * itself on a certain refusal and prolongs the throttle. Those due later keep their time.
 */
export async function holdEmailsUntil(db: Queryable, until: Date): Promise<void> {
  await db.update(deliveryBatches).set({ availableAt: until }).where(and(eq(deliveryBatches.status, 'pending'), lt(deliveryBatches.availableAt, until)));
  await db.update(staffMessages).set({ availableAt: until }).where(and(eq(staffMessages.status, 'pending'), lt(staffMessages.availableAt, until)));
}
