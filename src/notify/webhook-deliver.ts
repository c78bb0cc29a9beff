import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { webhookDeliveries, webhookEndpoints } from '../db/schema.ts';
import { pageId } from '../db/snapshot-queries.ts';
import {
  bindPayloadToSite,
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_USER_AGENT,
  webhookBackoffMs,
} from '../domain/webhooks.ts';
import { chatMessage, checkChatUrl, type ChatEvent, type EndpointKind } from '../domain/chat-messages.ts';
import type { Logger } from '../infra/log.ts';
import { jsonColumn, rowsOf } from '../db/sql-rows.ts';
import { claimNext, drainInLanes, heldBy, retryAt, type OutboxClaim } from './outbox.ts';
import { removalUrl, signWebhook } from './webhook-signature.ts';
import { postWebhook, type Resolver } from './webhook-target.ts';

// Sending webhooks, crash-safe like the emails through the outbox driver (outbox.ts): claim
// a due delivery with a lease, POST it, then settle it. A process killed in between leaves
// the lease to run out and the delivery is sent again, with the same body and the same
// Herald-Delivery id, which receivers use to drop the repeat.

export interface WebhookDeliveryOptions {
  db: Database;
  siteUrl: string;
  /** HERALD_APP_URL, for the removal link and the documentation link; siteUrl when unset. */
  appUrl?: string;
  log: Logger;
  allowPrivate: boolean;
  /** HERALD_TEST_ONLY_CHAT_ANY_HOST: chat messages may go to any host (local fakes in tests). */
  chatAnyHost?: boolean;
  now?: () => Date;
  /** Jitter source for the backoff, [0, 1). */
  random?: () => number;
  leaseMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  resolve?: Resolver;
}

export type WebhookOutcome = 'sent' | 'retry' | 'failed' | 'skipped' | 'none';

interface Claimed extends OutboxClaim {
  id: number;
  endpointId: string;
  kind: EndpointKind;
  eventType: string;
  payload: unknown;
  url: string;
  secret: string;
  selfService: boolean;
}

async function claimDelivery(options: WebhookDeliveryOptions, now: Date): Promise<Claimed | 'skipped' | null> {
  // The lease outlasts the request's deadline, so a slow answer is never sent twice at once.
  const leaseMs = options.leaseMs ?? Math.max(60_000, (options.timeoutMs ?? 10_000) * 3);
  type Row = { id: number | string; endpoint_id: string; event_type: string; payload: unknown; attempts: number };
  return claimNext({ db: options.db, table: webhookDeliveries, now, leaseMs }, async (tx, row: Row) => {
    const id = Number(row.id);
    const [endpoint] = await tx
      .select({
        kind: webhookEndpoints.kind,
        url: webhookEndpoints.url,
        secret: webhookEndpoints.secret,
        selfService: webhookEndpoints.selfService,
        quarantinedAt: webhookEndpoints.quarantinedAt,
      })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, row.endpoint_id));
    if (endpoint!.quarantinedAt) {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'skipped', lastError: 'the endpoint is quarantined' })
        .where(eq(webhookDeliveries.id, id));
      return 'skipped';
    }
    const { kind, url, secret, selfService } = endpoint!;
    return {
      id,
      endpointId: row.endpoint_id,
      kind,
      eventType: row.event_type,
      payload: jsonColumn<unknown>(row.payload),
      url,
      secret,
      selfService,
    };
  });
}

/** A receiver's Retry-After is honoured up to this; longer asks wait this long. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

async function settleFailure(
  options: WebhookDeliveryOptions,
  delivery: Claimed,
  failure: { error: string; status: number | null; retryAfterMs?: number },
  at: Date,
): Promise<WebhookOutcome> {
  const { error, status } = failure;
  const backoff = retryAt(
    delivery,
    {
      maxAttempts: options.maxAttempts ?? WEBHOOK_MAX_ATTEMPTS,
      backoffMs: (attempt) => webhookBackoffMs(attempt, options.random?.() ?? Math.random()),
    },
    at,
  );
  // Rate limited (Slack, Discord and Teams answer 429 with Retry-After): nothing goes to the
  // destination before the time it named, this delivery and those waiting behind it alike.
  const asked = failure.retryAfterMs === undefined ? null : Math.min(failure.retryAfterMs, MAX_RETRY_AFTER_MS);
  const retry = backoff && asked !== null ? new Date(Math.max(backoff.getTime(), at.getTime() + asked)) : backoff;
  await options.db.transaction(async (tx) => {
    await tx
      .update(webhookEndpoints)
      .set({
        consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        lastFailureAt: at,
        lastError: error,
      })
      .where(eq(webhookEndpoints.id, delivery.endpointId));
    if (retry) {
      await tx
        .update(webhookDeliveries)
        .set({ availableAt: retry, lastError: error, responseStatus: status })
        .where(heldBy(webhookDeliveries, delivery));
      if (asked !== null)
        await tx
          .update(webhookDeliveries)
          .set({ availableAt: sql`greatest(${webhookDeliveries.availableAt}, ${retry.toISOString()}::timestamptz)` })
          .where(and(eq(webhookDeliveries.endpointId, delivery.endpointId), eq(webhookDeliveries.status, 'pending')));
      return;
    }
    // A delivery failing for about a day means the endpoint is gone: stop sending it
    // anything (its other pending deliveries too) until an admin re-enables it.
    await tx
      .update(webhookDeliveries)
      .set({ status: 'failed', lastError: error, responseStatus: status })
      .where(heldBy(webhookDeliveries, delivery));
    await tx
      .update(webhookEndpoints)
      .set({
        quarantinedAt: at,
        quarantineReason: `${delivery.attempts} failed attempts to deliver one event; last: ${error}`.slice(0, 500),
      })
      .where(eq(webhookEndpoints.id, delivery.endpointId));
    await tx
      .update(webhookDeliveries)
      .set({ status: 'failed', lastError: 'the endpoint was quarantined' })
      .where(and(eq(webhookDeliveries.endpointId, delivery.endpointId), eq(webhookDeliveries.status, 'pending')));
  });
  if (retry) return 'retry';
  options.log.error('webhook endpoint quarantined', { endpoint: delivery.endpointId, error });
  return 'failed';
}

/**
 * What is POSTed: a webhook gets Statuspage's JSON, signed; a chat destination its service's
 * message, and only on that service's hosts (checked again here: the override may be gone).
 */
function requestOf(
  options: WebhookDeliveryOptions,
  delivery: Claimed,
  bound: unknown,
  at: Date,
): { headers: Record<string, string>; body: string } | { refused: string } {
  const common = { 'content-type': 'application/json; charset=utf-8', 'user-agent': WEBHOOK_USER_AGENT };
  if (delivery.kind === 'webhook') {
    const body = JSON.stringify(bound);
    return {
      body,
      headers: {
        ...common,
        [EVENT_HEADER]: delivery.eventType,
        [DELIVERY_HEADER]: String(delivery.id),
        [SIGNATURE_HEADER]: signWebhook(delivery.secret, body, at),
      },
    };
  }
  const check = checkChatUrl(delivery.kind, delivery.url, { anyHost: options.chatAnyHost ?? false });
  if (!check.ok) return { refused: check.message };
  return { headers: common, body: JSON.stringify(chatMessage(delivery.kind, bound as ChatEvent)) };
}

/** Claims, sends and settles one delivery. */
async function deliverNextWebhook(options: WebhookDeliveryOptions): Promise<WebhookOutcome> {
  const now = () => options.now?.() ?? new Date();
  const delivery = await claimDelivery(options, now());
  if (delivery === null) return 'none';
  if (delivery === 'skipped') return 'skipped';
  const appUrl = options.appUrl ?? options.siteUrl;
  const unsubscribeUrl = delivery.selfService ? removalUrl(appUrl, delivery.endpointId, delivery.secret) : null;
  const bound = bindPayloadToSite(delivery.payload, {
    siteUrl: options.siteUrl,
    appUrl,
    pageId: pageId(options.siteUrl),
    unsubscribeUrl,
  });
  const request = requestOf(options, delivery, bound, now());
  if ('refused' in request)
    return settleFailure(options, delivery, { error: `refused: the URL ${request.refused}`, status: null }, now());
  // A visitor's endpoint never reaches a private address, whatever the development flag says.
  const result = await postWebhook(delivery.url, request.headers, request.body, {
    allowPrivate: options.allowPrivate && !delivery.selfService,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  const at = now();
  if (result.outcome === 'sent') {
    await options.db.transaction(async (tx) => {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'sent', sentAt: at, responseStatus: result.status, lastError: null })
        .where(heldBy(webhookDeliveries, delivery));
      await tx
        .update(webhookEndpoints)
        .set({ consecutiveFailures: 0, lastSuccessAt: at })
        .where(eq(webhookEndpoints.id, delivery.endpointId));
    });
    return 'sent';
  }
  if (result.outcome === 'refused')
    return settleFailure(options, delivery, { error: `refused: ${result.error}`, status: null }, at);
  return settleFailure(options, delivery, result, at);
}

/** Sends until nothing is due, `concurrency` at a time; returns how many were sent. */
export function drainWebhooks(
  options: WebhookDeliveryOptions & { concurrency?: number; stop?: () => boolean },
): Promise<number> {
  return drainInLanes(() => deliverNextWebhook(options), { lanes: options.concurrency ?? 4, stop: options.stop });
}

/** When the next pending delivery falls due (a backoff ending, a lease running out), if any. */
export async function nextWebhookDueAt(db: Database): Promise<Date | null> {
  const [row] = rowsOf<{ at: string | Date | null }>(
    await db.execute(sql`select min(available_at) as at from webhook_deliveries where status = 'pending'`),
  );
  return row?.at ? new Date(row.at) : null;
}
