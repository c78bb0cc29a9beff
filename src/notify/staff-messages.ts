import { eq, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.ts';
import { staffMessages } from '../db/schema.ts';
import { renderStaffEmail, staffIdempotencyKey, type StaffEmailMessage } from '../domain/staff-email.ts';
import type { DeliveryOptions } from './deliver.ts';
import { EMAIL_MAX_ATTEMPTS, emailBackoffMs, emailsNotHeld, heldBy, holdEmailsUntil } from './outbox.ts';
import { DELIVER_CHANNEL, STAFF_NOTICE } from './enqueue.ts';
import { rowsOf } from '../db/sql-rows.ts';

// Emails to Herald's users ride the same rails as subscriber email: written in the
// transaction that decides to send them, claimed with a lease (SKIP LOCKED), sent through
// the same transport under a key derived from the row, marked sent. A crash between the
// send and the mark leaves the lease to run out; the retry carries the same key.

export interface StaffEmail {
  userId: string;
  to: string;
  incidentId: string | null;
  message: StaffEmailMessage;
}

export async function enqueueStaffEmails(tx: Transaction, emails: StaffEmail[], now: Date): Promise<number> {
  if (emails.length === 0) return 0;
  await tx.insert(staffMessages).values(emails.map((e) => ({ kind: e.message.kind, userId: e.userId, to: e.to, incidentId: e.incidentId, message: e.message, availableAt: now, createdAt: now })));
  // Delivered on commit only: the delivery worker wakes up at once.
  await tx.execute(sql`select pg_notify(${DELIVER_CHANNEL}, ${STAFF_NOTICE})`);
  return emails.length;
}

type StaffOutcome = 'sent' | 'throttled' | 'retry' | 'failed' | 'none';

/** Claims, sends and settles the next due staff email. */
async function deliverNextStaffMessage(options: DeliveryOptions): Promise<StaffOutcome> {
  const now = () => options.now?.() ?? new Date();
  const claimedAt = now();
  const claimed = await options.db.transaction(async (tx) => {
    const [row] = rowsOf<{ id: number | string; attempts: number; to: string; message: StaffEmailMessage }>(
      await tx.execute(sql`select id, attempts, "to", message from staff_messages
        where status = 'pending' and available_at <= ${claimedAt.toISOString()}::timestamptz and ${emailsNotHeld(claimedAt)}
        order by available_at, id limit 1 for update skip locked`),
    );
    if (!row) return null;
    const id = Number(row.id);
    const attempts = row.attempts + 1;
    await tx
      .update(staffMessages)
      .set({ attempts, availableAt: new Date(claimedAt.getTime() + (options.leaseMs ?? 60_000)) })
      .where(eq(staffMessages.id, id));
    const message = typeof row.message === 'string' ? (JSON.parse(row.message) as StaffEmailMessage) : row.message;
    return { id, attempts, to: row.to, message };
  });
  if (!claimed) return 'none';
  const email = { staffMessageId: claimed.id, from: options.from, to: claimed.to, ...renderStaffEmail(claimed.message, options.siteUrl, options.appUrl) };
  await options.beforeSend?.();
  const result = await options.transport.send([email], staffIdempotencyKey(claimed.id));
  const at = now();
  const settle = (fields: Partial<typeof staffMessages.$inferInsert>) => options.db.update(staffMessages).set(fields).where(heldBy(staffMessages, claimed));
  switch (result.outcome) {
    case 'sent':
      await settle({ status: 'sent', sentAt: at, lastError: null });
      return 'sent';
    case 'throttled': {
      const until = new Date(at.getTime() + result.retryAfterMs);
      await settle({ availableAt: until, attempts: claimed.attempts - 1, lastError: result.error });
      await holdEmailsUntil(options.db, until);
      return 'throttled';
    }
    case 'rejected':
      options.log.error('staff email refused', { staffMessage: claimed.id, error: result.error });
      await settle({ status: 'failed', lastError: result.error });
      return 'failed';
    case 'failed':
      if (claimed.attempts >= (options.maxAttempts ?? EMAIL_MAX_ATTEMPTS)) {
        options.log.error('staff email failed for good', { staffMessage: claimed.id, error: result.error });
        await settle({ status: 'failed', lastError: result.error });
        return 'failed';
      }
      await settle({ availableAt: new Date(at.getTime() + emailBackoffMs(claimed.attempts)), lastError: result.error });
      return 'retry';
  }
}

/** Sends staff emails until none is due (or the provider says to wait). Returns how many were sent. */
export async function drainStaffMessages(options: DeliveryOptions & { stop?: () => boolean }): Promise<number> {
  let sent = 0;
  for (;;) {
    if (options.stop?.()) return sent;
    const outcome = await deliverNextStaffMessage(options);
    if (outcome === 'none' || outcome === 'throttled') return sent;
    if (outcome === 'sent') sent++;
  }
}
