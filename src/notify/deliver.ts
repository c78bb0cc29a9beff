import { and, eq, inArray } from 'drizzle-orm';
import type { Database, Transaction } from '../db/client.ts';
import {
  deliveries,
  deliveryBatches,
  notifications,
  subscriberComponents,
  subscriberGroups,
  subscribers,
} from '../db/schema.ts';
import { randomUUID } from 'node:crypto';
import { batchIdempotencyKey, renderEmail, type EmailMessage, type RenderedEmail } from '../domain/email-message.ts';
import { languageOr } from '../domain/i18n/translator.ts';
import { isRecipient, type Audience } from '../domain/subscriptions.ts';
import type { Language } from '../domain/vocabulary.ts';
import { claimEmail, heldBy, settleUnsentEmail, type DeliveryOptions, type OutboxClaim } from './outbox.ts';
import { subscriberLinks, tokenSecret, type SubscriberLinks } from './tokens.ts';
import type { OutgoingEmail } from './transport.ts';

// Sending subscriber email, crash-safe through the outbox driver (outbox.ts): claim a batch
// -> send it under its idempotency key -> mark it sent. A batch sent again after a crash
// carries the same rows, the same rendered emails and the same key, and the provider drops
// the repeat: its rows are fixed ("frozen") at its first claim, after the subscriptions are
// checked once more.

export type BatchOutcome = 'sent' | 'skipped' | 'throttled' | 'retry' | 'failed' | 'split' | 'none';

interface Claimed extends OutboxClaim {
  id: string;
  idempotencyKey: string;
  message: EmailMessage;
  recipients: Array<{ deliveryId: number; subscriberId: string; email: string; language: string }>;
}

// Rendering (markdown, sanitizing) is the costly part of a batch and the same for every
// recipient but their links: render once with markers, then put each recipient's links in.
// The marker holds a per-process random part, so no user text can contain it.
const MARKER = `\u0000herald-${randomUUID()}-`;
const MARKED_LINKS = { confirm: `${MARKER}confirm`, manage: `${MARKER}manage`, unsubscribe: `${MARKER}unsubscribe` };
const rendered = new Map<string, RenderedEmail>();

/** A batch is in one language (enqueue groups them so); the template is per language all the same. */
function emailRenderer(message: EmailMessage, siteUrl: string, language: Language) {
  const key = JSON.stringify([message, siteUrl, language]);
  let template = rendered.get(key);
  if (!template) {
    template = renderEmail(message, siteUrl, MARKED_LINKS, language);
    if (rendered.size > 100) rendered.clear();
    rendered.set(key, template);
  }
  const t = template;
  return (links: SubscriberLinks): RenderedEmail => {
    const fill = (text: string) =>
      text
        .replaceAll(MARKED_LINKS.confirm, links.confirm)
        .replaceAll(MARKED_LINKS.manage, links.manage)
        .replaceAll(MARKED_LINKS.unsubscribe, links.unsubscribe);
    return {
      subject: t.subject,
      html: fill(t.html),
      text: fill(t.text),
      headers: Object.fromEntries(Object.entries(t.headers).map(([k, v]) => [k, fill(v)])),
    };
  };
}

function audienceOf(message: EmailMessage): Audience {
  if (message.kind === 'confirmation') return { kind: 'confirmation', eventKind: 'incident', components: [] };
  return { kind: message.kind, eventKind: message.incident.kind, components: message.components };
}

/** Checks the subscriptions once more and fixes the batch's rows and key; false when nobody is left. */
async function freeze(tx: Transaction, batchId: string, message: EmailMessage, now: Date): Promise<string | null> {
  const rows = await tx
    .select({
      id: deliveries.id,
      subscriberId: deliveries.subscriberId,
      status: subscribers.status,
      allComponents: subscribers.allComponents,
      maintenance: subscribers.maintenance,
    })
    .from(deliveries)
    .innerJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
    .where(and(eq(deliveries.batchId, batchId), eq(deliveries.status, 'pending')));
  const choosers = rows.filter((r) => !r.allComponents).map((r) => r.subscriberId);
  const chosenComponents = choosers.length
    ? await tx.select().from(subscriberComponents).where(inArray(subscriberComponents.subscriberId, choosers))
    : [];
  const chosenGroups = choosers.length
    ? await tx.select().from(subscriberGroups).where(inArray(subscriberGroups.subscriberId, choosers))
    : [];
  const audience = audienceOf(message);
  const keep: number[] = [];
  const drop: number[] = [];
  for (const row of rows) {
    const subscription = {
      ...row,
      componentIds: chosenComponents.filter((c) => c.subscriberId === row.subscriberId).map((c) => c.componentId),
      groupIds: chosenGroups.filter((g) => g.subscriberId === row.subscriberId).map((g) => g.groupId),
    };
    (isRecipient(subscription, audience) ? keep : drop).push(row.id);
  }
  if (drop.length)
    await tx
      .update(deliveries)
      .set({ status: 'skipped', lastError: 'no longer subscribed' })
      .where(inArray(deliveries.id, drop));
  if (keep.length === 0) {
    await tx.update(deliveryBatches).set({ status: 'skipped', frozenAt: now }).where(eq(deliveryBatches.id, batchId));
    return null;
  }
  const key = batchIdempotencyKey(keep);
  await tx.update(deliveryBatches).set({ frozenAt: now, idempotencyKey: key }).where(eq(deliveryBatches.id, batchId));
  return key;
}

/** Takes the next due batch and leases it, its rows frozen at its first claim. */
async function claimBatch(options: DeliveryOptions, now: Date): Promise<Claimed | 'skipped' | null> {
  type Row = { id: string; notification_id: string; idempotency_key: string | null; attempts: number };
  return claimEmail(options, deliveryBatches, now, async (tx, batch: Row) => {
    const [notification] = await tx
      .select({ message: notifications.message })
      .from(notifications)
      .where(eq(notifications.id, batch.notification_id));
    const message = notification!.message;
    const key = batch.idempotency_key ?? (await freeze(tx, batch.id, message, now));
    if (!key) return 'skipped';
    const recipients = await tx
      .select({
        deliveryId: deliveries.id,
        subscriberId: deliveries.subscriberId,
        email: subscribers.email,
        language: subscribers.language,
      })
      .from(deliveries)
      .innerJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
      .where(and(eq(deliveries.batchId, batch.id), eq(deliveries.status, 'pending')))
      .orderBy(deliveries.id);
    return { id: batch.id, idempotencyKey: key, message, recipients };
  });
}

/**
 * Settles a batch and its rows, only while this claim still holds it (and quarantines its recipients, for a refusal);
 * false when it no longer did.
 */
async function markBatch(
  db: Database,
  batch: Claimed,
  fields: { status: 'sent' | 'failed'; error?: string },
  now: Date,
  quarantine = false,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const settled = await tx
      .update(deliveryBatches)
      .set({ status: fields.status, lastError: fields.error ?? null, sentAt: fields.status === 'sent' ? now : null })
      .where(heldBy(deliveryBatches, batch))
      .returning({ id: deliveryBatches.id });
    if (settled.length === 0) return false;
    await tx
      .update(deliveries)
      .set({
        status: fields.status,
        attempts: batch.attempts,
        lastError: fields.error ?? null,
        sentAt: fields.status === 'sent' ? now : null,
      })
      .where(and(eq(deliveries.batchId, batch.id), eq(deliveries.status, 'pending')));
    if (quarantine) {
      await tx
        .update(subscribers)
        .set({
          status: 'quarantined',
          quarantinedAt: now,
          quarantineReason: `refused by the email provider: ${(fields.error ?? '').slice(0, 200)}`,
        })
        .where(
          inArray(
            subscribers.id,
            batch.recipients.map((r) => r.subscriberId),
          ),
        );
    }
    return true;
  });
}

/**
 * A batch the provider refused outright: one bad address must not cost 99 others their
 * email, so a batch of several is split into batches of one; a single refused recipient is
 * marked failed and quarantined.
 */
async function rejectBatch(db: Database, batch: Claimed, error: string, now: Date): Promise<BatchOutcome> {
  if (batch.recipients.length > 1) {
    await db.transaction(async (tx) => {
      const [notification] = await tx
        .update(deliveryBatches)
        .set({ status: 'skipped', lastError: `split after: ${error}` })
        .where(heldBy(deliveryBatches, batch))
        .returning({ notificationId: deliveryBatches.notificationId });
      if (!notification) return;
      for (const r of batch.recipients) {
        const single = `${batch.id}-${r.deliveryId}`;
        await tx
          .insert(deliveryBatches)
          .values({ id: single, notificationId: notification.notificationId, availableAt: now, createdAt: now });
        await tx.update(deliveries).set({ batchId: single }).where(eq(deliveries.id, r.deliveryId));
      }
    });
    return 'split';
  }
  // Only while this claim still holds the batch, in the same transaction as its settle.
  await markBatch(db, batch, { status: 'failed', error }, now, true);
  return 'failed';
}

/** Claims, sends and settles one batch. */
export async function deliverNextBatch(options: DeliveryOptions): Promise<BatchOutcome> {
  const now = () => options.now?.() ?? new Date();
  const batch = await claimBatch(options, now());
  if (batch === null) return 'none';
  if (batch === 'skipped') return 'skipped';
  const secret = await tokenSecret(options.db);
  const renderers = new Map<Language, ReturnType<typeof emailRenderer>>();
  const renderIn = (language: Language) => {
    let render = renderers.get(language);
    if (!render) renderers.set(language, (render = emailRenderer(batch.message, options.siteUrl, language)));
    return render;
  };
  const emails: OutgoingEmail[] = batch.recipients.map((r) => ({
    deliveryId: r.deliveryId,
    from: options.from,
    to: r.email,
    ...renderIn(languageOr(r.language, 'en'))(
      subscriberLinks(secret, options.appUrl ?? options.siteUrl, r.subscriberId),
    ),
  }));
  await options.beforeSend?.();
  const result = await options.transport.send(emails, batch.idempotencyKey);
  const at = now();
  switch (result.outcome) {
    case 'sent':
      await markBatch(options.db, batch, { status: 'sent' }, at);
      return 'sent';
    case 'rejected':
      options.log.error('email batch refused', { batch: batch.id, error: result.error });
      return rejectBatch(options.db, batch, result.error, at);
    case 'throttled':
    case 'failed':
      return settleUnsentEmail(options, batch, result, at, {
        reschedule: (fields) => options.db.update(deliveryBatches).set(fields).where(heldBy(deliveryBatches, batch)),
        giveUp: (error) => {
          options.log.error('email batch failed for good', { batch: batch.id, error });
          return markBatch(options.db, batch, { status: 'failed', error }, at);
        },
      });
  }
}
