import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.ts';
import { incidents, pageSettings, webhookDeliveries, webhookEndpoints } from '../db/schema.ts';
import { readSnapshot } from '../db/snapshot-queries.ts';
import type { ComponentTransition } from '../domain/incident-lifecycle.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import {
  APP_PLACEHOLDER,
  componentWebhookPayload,
  incidentWebhookPayload,
  PAGE_ID_PLACEHOLDER,
  SITE_PLACEHOLDER,
  testWebhookPayload,
  type WebhookEvent,
} from '../domain/webhooks.ts';
import { newId } from '../infra/ids.ts';
import { DELIVER_CHANNEL, WEBHOOKS_NOTICE } from './enqueue.ts';

// Webhook deliveries ride the change's transaction, like emails: the change and the rows
// promising its webhooks commit together or not at all. Each row's payload is frozen here
// (with the site left as a placeholder, bound when sent), so every retry sends the same body.

export interface WebhookChange {
  /** The incident or maintenance the change is about, and the event it is (null: none, e.g. notifications off). */
  incident?: { id: string; event: WebhookEvent | null };
  /** Component status changes the change made. */
  transitions?: readonly ComponentTransition[];
  now: Date;
}

type Endpoint = { id: string; events: string[]; selfService: boolean };

async function activeEndpoints(tx: Transaction): Promise<Endpoint[]> {
  return tx
    .select({ id: webhookEndpoints.id, events: webhookEndpoints.events, selfService: webhookEndpoints.selfService })
    .from(webhookEndpoints)
    .where(
      and(
        isNull(webhookEndpoints.quarantinedAt),
        // Visitors' endpoints hear nothing while the page does not allow them.
        or(
          eq(webhookEndpoints.selfService, false),
          sql`(select ${pageSettings.visitorWebhooks} from ${pageSettings} where ${pageSettings.id} = 1)`,
        ),
      ),
    );
}

/**
 * The snapshot payloads are built from: the page as it is after the change, its components
 * and groups, the event's incident and every open one (for the page status); no uptime
 * history. Read inside the change's transaction, with the site left as placeholders.
 */
async function payloadSnapshot(tx: Transaction, incidentId: string | undefined, now: Date): Promise<Snapshot> {
  const open = await tx.select({ id: incidents.id }).from(incidents).where(isNull(incidents.resolvedAt));
  const ids = [...new Set([...(incidentId ? [incidentId] : []), ...open.map((o) => o.id)])];
  return readSnapshot(tx, {
    pageId: PAGE_ID_PLACEHOLDER,
    siteUrl: SITE_PLACEHOLDER,
    appUrl: APP_PLACEHOLDER,
    updatedAt: now,
    now,
    incidents: ids,
    history: 'none',
  });
}

async function insertDeliveries(
  tx: Transaction,
  endpoints: Endpoint[],
  eventType: string,
  payload: unknown,
  now: Date,
): Promise<number> {
  if (endpoints.length === 0 || payload === null) return 0;
  const eventId = newId();
  const rows = await tx
    .insert(webhookDeliveries)
    .values(endpoints.map((e) => ({ endpointId: e.id, eventId, eventType, payload, availableAt: now, createdAt: now })))
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

/** Writes one delivery per active endpoint that wants each event of the change; returns how many. */
export async function enqueueWebhooks(tx: Transaction, change: WebhookChange): Promise<number> {
  const transitions = (change.transitions ?? []).filter((t) => t.oldStatus !== t.newStatus);
  const incidentEvent = change.incident?.event ?? null;
  if (!incidentEvent && transitions.length === 0) return 0;
  const endpoints = await activeEndpoints(tx);
  const wanting = (event: WebhookEvent) => endpoints.filter((e) => e.events.includes(event));
  // Most pages have no webhooks: then a change costs one small query and nothing more.
  if (
    (!incidentEvent || wanting(incidentEvent).length === 0) &&
    (transitions.length === 0 || wanting('component.updated').length === 0)
  )
    return 0;

  const snapshot = await payloadSnapshot(tx, change.incident?.id, change.now);
  let count = 0;
  if (incidentEvent && change.incident) {
    count += await insertDeliveries(
      tx,
      wanting(incidentEvent),
      incidentEvent,
      incidentWebhookPayload(snapshot, change.incident.id),
      change.now,
    );
  }
  for (const transition of transitions) {
    const payload = componentWebhookPayload(snapshot, { id: newId(), transition, at: change.now });
    count += await insertDeliveries(tx, wanting('component.updated'), 'component.updated', payload, change.now);
  }
  // Delivered on commit only: a worker starts at once instead of at its next poll.
  if (count > 0) await tx.execute(sql`select pg_notify(${DELIVER_CHANNEL}, ${WEBHOOKS_NOTICE})`);
  return count;
}

/** A "test" event for one endpoint, whatever events it chose. */
export async function enqueueTestWebhook(tx: Transaction, endpointId: string, now: Date): Promise<void> {
  const snapshot = await payloadSnapshot(tx, undefined, now);
  await insertDeliveries(
    tx,
    [{ id: endpointId, events: [], selfService: false }],
    'test',
    testWebhookPayload(snapshot),
    now,
  );
  await tx.execute(sql`select pg_notify(${DELIVER_CHANNEL}, ${WEBHOOKS_NOTICE})`);
}
