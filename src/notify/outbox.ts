import { and, eq, sql, type Column, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database, Queryable, Transaction } from '../db/client.ts';
import { notifyState } from '../db/schema.ts';
import { rowsOf } from '../db/sql-rows.ts';
import type { Logger } from '../infra/log.ts';
import { tokenSecret } from './tokens.ts';
import type { SendResult, Transport } from './transport.ts';

// The one driver of the three outboxes (subscriber email batches, staff emails, webhook
// deliveries): a worker claims a due row with a lease (attempts + 1, available_at pushed past
// the lease), sends it, then settles it. A worker killed between the send and the settle
// leaves the row pending; once the lease runs out another claim sends it again, under the
// same idempotency key (email) or delivery id (webhooks), and the receiving end drops the
// repeat. Each outbox brings only its send and what its settle writes.

/** The columns the driver reads and writes: every outbox table has them. */
type OutboxTable = PgTable & { id: Column; status: Column; attempts: Column; availableAt: Column };

/** A leased outbox row: its id and the attempt number its claim gave it. */
export interface OutboxClaim {
  id: string | number;
  attempts: number;
}

export interface ClaimOptions {
  db: Database;
  table: OutboxTable;
  now: Date;
  /** How long a claimed row is ours before another worker may take it over. */
  leaseMs: number;
  /** The outbox's own condition on a due row (email: no 429 hold in force). */
  where?: SQL;
}

/** A claim as the driver hands it over: what the outbox's inspection found, and the attempt number. */
export type Leased<Inspected> = Inspected extends 'skipped' ? 'skipped' : Inspected & OutboxClaim;

/**
 * Takes the next due row (skipping those other workers hold) and leases it. `inspect` sees the
 * row in the claim's transaction and returns what the send needs, the row's id with it, or
 * 'skipped' when it settled the row itself and there is nothing to send (it is not leased then).
 */
export async function claimNext<
  Row extends { attempts: number },
  Inspected extends { id: string | number } | 'skipped',
>(
  options: ClaimOptions,
  inspect: (tx: Transaction, row: Row) => Promise<Inspected>,
): Promise<Leased<Inspected> | null> {
  const { table, now } = options;
  return options.db.transaction(async (tx) => {
    const [row] = rowsOf<Row>(
      await tx.execute(sql`select * from ${table}
        where status = 'pending' and available_at <= ${now.toISOString()}::timestamptz and ${options.where ?? sql`true`}
        order by available_at, id limit 1 for update skip locked`),
    );
    if (!row) return null;
    const inspected = await inspect(tx, row);
    if (inspected === 'skipped') return inspected as Leased<Inspected>;
    const attempts = row.attempts + 1;
    const leaseEnd = new Date(now.getTime() + options.leaseMs);
    await tx.execute(
      sql`update ${table} set attempts = ${attempts}, available_at = ${leaseEnd.toISOString()}::timestamptz where id = ${inspected.id}`,
    );
    return { ...(inspected as { id: string | number }), attempts } as Leased<Inspected>;
  });
}

/**
 * The settle of a claim applies only while that claim still holds the row: still pending
 * and not claimed again after its lease ran out (the later claim settles it then).
 */
export function heldBy(table: { id: Column; status: Column; attempts: Column }, claim: OutboxClaim) {
  return and(eq(table.id, claim.id), eq(table.status, 'pending'), eq(table.attempts, claim.attempts));
}

export interface RetryPolicy {
  maxAttempts: number;
  /** The wait after failed attempt number `attempt` (1 for the first). */
  backoffMs: (attempt: number) => number;
}

/** When a failed send is tried again, or null when that was its last attempt and it fails for good. */
export function retryAt(claim: OutboxClaim, policy: RetryPolicy, at: Date): Date | null {
  return claim.attempts >= policy.maxAttempts ? null : new Date(at.getTime() + policy.backoffMs(claim.attempts));
}

/**
 * Runs `lanes` claim -> send -> settle loops at once, each until nothing is due or `stop()`;
 * returns how many were sent. 'throttled' (a 429 hold on all email) halts every lane: no
 * claim can succeed before the provider's time.
 */
export async function drainInLanes(
  next: () => Promise<string>,
  options: { lanes: number; stop?: () => boolean },
): Promise<number> {
  let sent = 0;
  let halted = false;
  const lane = async () => {
    while (!halted && !options.stop?.()) {
      const outcome = await next();
      if (outcome === 'none') return;
      if (outcome === 'throttled') halted = true;
      if (outcome === 'sent') sent++;
    }
  };
  await Promise.all(Array.from({ length: options.lanes }, lane));
  return sent;
}

// What the two email outboxes (subscriber batches, staff emails) share: their options, the
// retry policy, and the 429 hold, which is about the account and so about both.

export interface DeliveryOptions {
  db: Database;
  transport: Transport;
  siteUrl: string;
  /** HERALD_APP_URL, for each recipient's confirm, manage and unsubscribe links; siteUrl when unset. */
  appUrl?: string;
  from: string;
  log: Logger;
  now?: () => Date;
  /** How long a claimed email is ours before another worker may take it over. */
  leaseMs?: number;
  /** Attempts (not counting 429s) before an email is marked failed. */
  maxAttempts?: number;
  /** Waits before each provider call (the rate limit). */
  beforeSend?: () => Promise<void>;
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
  await db
    .update(notifyState)
    .set({ emailsHeldUntil: sql`greatest(${notifyState.emailsHeldUntil}, ${until.toISOString()}::timestamptz)` })
    .where(eq(notifyState.id, 1));
}

/** The condition an email claim adds: no 429 hold in force at `now`. */
export const emailsNotHeld = (now: Date) =>
  sql`not exists (select 1 from ${notifyState} where ${notifyState.emailsHeldUntil} > ${now.toISOString()}::timestamptz)`;

/** Claims the next due email of `table` while no 429 hold is in force. */
export function claimEmail<Row extends { attempts: number }, Inspected extends { id: string | number } | 'skipped'>(
  options: DeliveryOptions,
  table: OutboxTable,
  now: Date,
  inspect: (tx: Transaction, row: Row) => Promise<Inspected>,
) {
  return claimNext(
    { db: options.db, table, now, leaseMs: options.leaseMs ?? 60_000, where: emailsNotHeld(now) },
    inspect,
  );
}

/** What an email outbox writes for an email that did not go; both apply only while its claim holds. */
export interface UnsentEmailSteps {
  /** Makes it due again at `availableAt`, with `attempts` when the attempt is given back. */
  reschedule: (fields: { availableAt: Date; attempts?: number; lastError: string }) => Promise<unknown>;
  /** Marks it failed for good, its attempts spent. */
  giveUp: (error: string) => Promise<unknown>;
}

/**
 * Settles a 429 or a failed call. The provider said when after a 429, and the wait is not the
 * email's fault: the claim's attempt is given back and all email is held until then. A failed
 * call is retried with backoff, under the same key, until its attempts are spent.
 */
export async function settleUnsentEmail(
  options: DeliveryOptions,
  claim: OutboxClaim,
  result: Extract<SendResult, { outcome: 'throttled' | 'failed' }>,
  at: Date,
  steps: UnsentEmailSteps,
): Promise<'throttled' | 'retry' | 'failed'> {
  if (result.outcome === 'throttled') {
    const until = new Date(at.getTime() + result.retryAfterMs);
    await steps.reschedule({ availableAt: until, attempts: claim.attempts - 1, lastError: result.error });
    await holdEmailsUntil(options.db, until);
    return 'throttled';
  }
  const retry = retryAt(
    claim,
    { maxAttempts: options.maxAttempts ?? EMAIL_MAX_ATTEMPTS, backoffMs: emailBackoffMs },
    at,
  );
  if (!retry) {
    await steps.giveUp(result.error);
    return 'failed';
  }
  await steps.reschedule({ availableAt: retry, lastError: result.error });
  return 'retry';
}
