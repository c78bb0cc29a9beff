import { sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.ts';
import { staffMessages } from '../db/schema.ts';
import { renderStaffEmail, staffIdempotencyKey, type StaffEmailMessage } from '../domain/staff-email.ts';
import { jsonColumn } from '../db/sql-rows.ts';
import { DELIVER_CHANNEL, STAFF_NOTICE } from './enqueue.ts';
import { claimEmail, heldBy, settleUnsentEmail, type DeliveryOptions } from './outbox.ts';

// Emails to Herald's users ride the same rails as subscriber email: written in the
// transaction that decides to send them, claimed with a lease by the outbox driver
// (outbox.ts), sent through the same transport under a key derived from the row, marked
// sent. A crash between the send and the mark leaves the lease to run out; the retry
// carries the same key.

export interface StaffEmail {
  userId: string;
  to: string;
  incidentId: string | null;
  message: StaffEmailMessage;
}

export async function enqueueStaffEmails(tx: Transaction, emails: StaffEmail[], now: Date): Promise<number> {
  if (emails.length === 0) return 0;
  await tx.insert(staffMessages).values(
    emails.map((e) => ({
      kind: e.message.kind,
      userId: e.userId,
      to: e.to,
      incidentId: e.incidentId,
      message: e.message,
      availableAt: now,
      createdAt: now,
    })),
  );
  // Delivered on commit only: the delivery worker wakes up at once.
  await tx.execute(sql`select pg_notify(${DELIVER_CHANNEL}, ${STAFF_NOTICE})`);
  return emails.length;
}

export type StaffOutcome = 'sent' | 'throttled' | 'retry' | 'failed' | 'none';

/** Claims, sends and settles the next due staff email. */
export async function deliverNextStaffMessage(options: DeliveryOptions): Promise<StaffOutcome> {
  const now = () => options.now?.() ?? new Date();
  type Row = { id: number | string; attempts: number; to: string; message: unknown };
  const claimed = await claimEmail(options, staffMessages, now(), async (_tx, row: Row) => ({
    id: Number(row.id),
    to: row.to,
    message: jsonColumn<StaffEmailMessage>(row.message),
  }));
  if (!claimed) return 'none';
  const email = {
    staffMessageId: claimed.id,
    from: options.from,
    to: claimed.to,
    ...renderStaffEmail(claimed.message, options.siteUrl, options.appUrl),
  };
  await options.beforeSend?.();
  const result = await options.transport.send([email], staffIdempotencyKey(claimed.id));
  const at = now();
  const settle = (fields: Partial<typeof staffMessages.$inferInsert>) =>
    options.db.update(staffMessages).set(fields).where(heldBy(staffMessages, claimed));
  switch (result.outcome) {
    case 'sent':
      await settle({ status: 'sent', sentAt: at, lastError: null });
      return 'sent';
    case 'rejected':
      options.log.error('staff email refused', { staffMessage: claimed.id, error: result.error });
      await settle({ status: 'failed', lastError: result.error });
      return 'failed';
    case 'throttled':
    case 'failed':
      return settleUnsentEmail(options, claimed, result, at, {
        reschedule: settle,
        giveUp: (error) => {
          options.log.error('staff email failed for good', { staffMessage: claimed.id, error });
          return settle({ status: 'failed', lastError: error });
        },
      });
  }
}
