import { and, eq, isNull, or, sql } from 'drizzle-orm';
import { choosesAny } from '../domain/subscriptions.ts';
import type { Transaction } from '../db/client.ts';
import { incidents, pageSettings, webhookDeliveries, webhookEndpoints } from '../db/schema.ts';
import { readSnapshot } from '../db/snapshot-queries.ts';
import {
  componentChatEvent,
  incidentChatEvent,
  testChatEvent,
  type ChatEvent,
  type EndpointKind,
} from '../domain/chat-messages.ts';
import type { ComponentTransition } from '../domain/incident-lifecycle.ts';
import { findIncident, type Snapshot } from '../domain/snapshot.ts';
import type { Language } from '../domain/vocabulary.ts';
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
// (with the site left as a placeholder, bound when sent), so every retry sends the same body:
// Statuspage's JSON for a webhook, the facts of the message (a ChatEvent, in the
// destination's language) for Slack, Teams and Discord.

export interface WebhookChange {
  /** The incident or maintenance the change is about, and the event it is (null: none, e.g. notifications off). */
  incident?: { id: string; event: WebhookEvent | null };
  /** Component status changes the change made. */
  transitions?: readonly ComponentTransition[];
  now: Date;
}

type Endpoint = {
  id: string;
  kind: EndpointKind;
  events: string[];
  componentIds: string[] | null;
  language: Language | null;
};

const ENDPOINT_COLUMNS = {
  id: webhookEndpoints.id,
  kind: webhookEndpoints.kind,
  events: webhookEndpoints.events,
  componentIds: webhookEndpoints.componentIds,
  language: webhookEndpoints.language,
};

async function activeEndpoints(tx: Transaction): Promise<Endpoint[]> {
  return tx
    .select(ENDPOINT_COLUMNS)
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
  event: { id: string; type: string; at: Date },
  payload: unknown,
): Promise<number> {
  if (endpoints.length === 0 || payload === null) return 0;
  const rows = await tx
    .insert(webhookDeliveries)
    .values(
      endpoints.map((e) => ({
        endpointId: e.id,
        eventId: event.id,
        eventType: event.type,
        payload,
        availableAt: event.at,
        createdAt: event.at,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

/**
 * One event to the endpoints that want it: webhooks get `payload`, chat destinations the
 * ChatEvent of their language (`chat`, asked once per language).
 */
async function deliverEvent(
  tx: Transaction,
  snapshot: Snapshot,
  endpoints: Endpoint[],
  event: { type: string; at: Date },
  payload: unknown,
  chat: (language: Language) => ChatEvent | null,
): Promise<number> {
  const withId = { ...event, id: newId() };
  let count = await insertDeliveries(
    tx,
    endpoints.filter((e) => e.kind === 'webhook'),
    withId,
    payload,
  );
  const byLanguage = new Map<Language, Endpoint[]>();
  for (const endpoint of endpoints.filter((e) => e.kind !== 'webhook')) {
    const language = endpoint.language ?? snapshot.page.defaultLanguage;
    byLanguage.set(language, [...(byLanguage.get(language) ?? []), endpoint]);
  }
  for (const [language, chosen] of byLanguage) count += await insertDeliveries(tx, chosen, withId, chat(language));
  return count;
}

/**
 * Whether an event about these components reaches the endpoint: it chose every event, or one
 * of the components (directly or through its group). An event naming no component reaches
 * only endpoints that chose everything, as with email subscriptions.
 */
function wantsComponents(endpoint: Endpoint, componentIds: readonly string[], snapshot: Snapshot): boolean {
  if (endpoint.componentIds === null) return true;
  // An endpoint's list holds components and groups alike.
  const chosen = new Set(endpoint.componentIds);
  const affected = snapshot.components.filter((c) => componentIds.includes(c.id));
  return choosesAny(chosen, chosen, affected);
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
    const id = change.incident.id;
    const componentIds = findIncident(snapshot, id)?.componentIds ?? [];
    count += await deliverEvent(
      tx,
      snapshot,
      wanting(incidentEvent).filter((e) => wantsComponents(e, componentIds, snapshot)),
      { type: incidentEvent, at: change.now },
      incidentWebhookPayload(snapshot, id),
      (language) => incidentChatEvent(snapshot, id, incidentEvent, language),
    );
  }
  for (const transition of transitions) {
    count += await deliverEvent(
      tx,
      snapshot,
      wanting('component.updated').filter((e) => wantsComponents(e, [transition.id], snapshot)),
      { type: 'component.updated', at: change.now },
      componentWebhookPayload(snapshot, { id: newId(), transition, at: change.now }),
      (language) => componentChatEvent(snapshot, transition, language),
    );
  }
  // Delivered on commit only: a worker starts at once instead of at its next poll.
  if (count > 0) await tx.execute(sql`select pg_notify(${DELIVER_CHANNEL}, ${WEBHOOKS_NOTICE})`);
  return count;
}

/** A "test" event for one endpoint, whatever events it chose. */
export async function enqueueTestWebhook(tx: Transaction, endpointId: string, now: Date): Promise<void> {
  const snapshot = await payloadSnapshot(tx, undefined, now);
  const [endpoint] = await tx
    .select(ENDPOINT_COLUMNS)
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, endpointId));
  if (!endpoint) return;
  await deliverEvent(tx, snapshot, [endpoint], { type: 'test', at: now }, testWebhookPayload(snapshot), (language) =>
    testChatEvent(snapshot, language),
  );
  await tx.execute(sql`select pg_notify(${DELIVER_CHANNEL}, ${WEBHOOKS_NOTICE})`);
}
