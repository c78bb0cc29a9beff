import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import { refuseUnknownComponents } from '../components/manage-components.ts';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { pageSettings, webhookDeliveries, webhookEndpoints } from '../../db/schema.ts';
import { checkChatUrl, ENDPOINT_KINDS, isChatKind, maskChatUrl } from '../../domain/chat-messages.ts';
import { LANGUAGES } from '../../domain/vocabulary.ts';
import { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH, WEBHOOK_EVENTS } from '../../domain/webhooks.ts';
import { stripControlCharacters } from '../../domain/markdown.ts';
import { enqueueTestWebhook } from '../../notify/webhook-enqueue.ts';
import { generateWebhookSecret, isRemovalToken } from '../../notify/webhook-signature.ts';
import { runChange, type Actor, type ChangeContext } from '../change.ts';
import { HttpError, notFound } from '../../infra/errors.ts';
import { isId, newId } from '../../infra/ids.ts';
import { storable, text } from '../../infra/text-input.ts';

export const WebhookInput = z.strictObject({
  kind: z
    .enum(ENDPOINT_KINDS, { error: `must be one of ${ENDPOINT_KINDS.join(', ')}` })
    .optional()
    .default('webhook'),
  url: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
    .check(storable),
  events: z
    .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }), {
      error: 'must be a list of events',
    })
    .min(1, 'choose at least one event')
    .transform((events) => [...new Set(events)]),
  /** Only events about these components or groups; absent or null: every event. */
  component_ids: z
    .array(z.string().regex(/^[0-9a-z]{12}$/, 'must be a 12-character component or group id'), {
      error: 'must be a list of component ids',
    })
    .max(500, 'must list at most 500 components')
    .transform((ids) => [...new Set(ids)])
    .nullable()
    .optional(),
  /** A chat destination's language; absent or null: the page's default language. */
  language: z
    .enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` })
    .nullable()
    .optional(),
  description: text(200).nullable().optional(),
});
export type WebhookInput = z.infer<typeof WebhookInput>;

/** Who registers: visitors' endpoints are marked self-service, and their actor says so in the audit log. */
export const VISITOR_ACTOR: Actor = {
  type: 'system',
  id: null,
  label: 'Visitor (self-service webhook)',
  role: 'viewer',
};

type EndpointRow = typeof webhookEndpoints.$inferSelect;
const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Never includes the secret, nor a chat destination's URL (its key) beyond a masked form. */
export function webhookResource(e: EndpointRow) {
  return {
    id: e.id,
    kind: e.kind,
    url: isChatKind(e.kind) ? maskChatUrl(e.url) : e.url,
    events: e.events,
    component_ids: e.componentIds,
    language: e.language,
    description: e.description,
    self_service: e.selfService,
    state: e.quarantinedAt ? 'quarantined' : 'active',
    created_at: e.createdAt.toISOString(),
    consecutive_failures: e.consecutiveFailures,
    last_success_at: iso(e.lastSuccessAt),
    last_failure_at: iso(e.lastFailureAt),
    last_error: e.lastError,
    quarantined_at: iso(e.quarantinedAt),
    quarantine_reason: e.quarantineReason,
  };
}

/**
 * What the audit log keeps of an endpoint: viewers read the audit log, and a webhook URL
 * is often a credential itself (Slack's and others' carry their key in the path), so only
 * its origin is kept, and no error text that could quote it.
 */
function auditedWebhook(e: EndpointRow) {
  const { url, last_error: _e, quarantine_reason: _q, ...rest } = webhookResource(e);
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = '(invalid URL)';
  }
  return { ...rest, url_origin: origin };
}

/** Visitors' endpoints that still receive events. */
export async function activeVisitorWebhooks(db: Queryable): Promise<number> {
  const [row] = await db
    .select({ count: count() })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.selfService, true), isNull(webhookEndpoints.quarantinedAt)));
  return Number(row?.count ?? 0);
}

export async function listWebhooks(db: Queryable) {
  return (await db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.createdAt))).map(webhookResource);
}

/** The latest deliveries of the given endpoints, newest first (for the admin). */
export async function recentDeliveries(db: Queryable, endpointIds: string[], limit = 100) {
  if (endpointIds.length === 0) return [];
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.endpointId, endpointIds))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit);
  return rows.map((d) => ({
    id: d.id,
    endpoint_id: d.endpointId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    response_status: d.responseStatus,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    sent_at: iso(d.sentAt),
    next_attempt_at: d.status === 'pending' ? d.availableAt.toISOString() : null,
  }));
}

export async function visitorWebhooksEnabled(db: Queryable): Promise<boolean> {
  const [row] = await db.select({ on: pageSettings.visitorWebhooks }).from(pageSettings).where(eq(pageSettings.id, 1));
  return row?.on ?? false;
}

/**
 * Whether the URL may be registered: any public https URL for a webhook; for Slack, Teams
 * and Discord, one of that service's webhook URLs (unless the test-only override is on).
 */
function checkEndpointUrl(input: WebhookInput, options: { allowPrivate: boolean; chatAnyHost?: boolean }): string {
  const checked = checkWebhookUrl(input.url, { allowPrivate: options.allowPrivate });
  if (!checked.ok) throw new HttpError(422, 'invalid_field', checked.message, { field: 'url' });
  if (isChatKind(input.kind)) {
    const chat = checkChatUrl(input.kind, checked.url, { anyHost: options.chatAnyHost ?? false });
    if (!chat.ok) throw new HttpError(422, 'invalid_field', chat.message, { field: 'url' });
  }
  return checked.url;
}

/** Registers an endpoint; the answer carries its signing secret, once. */
export async function createWebhook(
  ctx: ChangeContext,
  input: WebhookInput,
  options: { allowPrivate: boolean; chatAnyHost?: boolean; selfService?: boolean },
) {
  const url = checkEndpointUrl(input, options);
  return runChange(ctx, async (tx) => {
    await refuseUnknownComponents(tx, input.component_ids, 'component_ids', { groups: true });
    const secret = generateWebhookSecret();
    const description = input.description ? stripControlCharacters(input.description) : null;
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({
        id: newId(),
        kind: input.kind,
        url,
        secret,
        events: input.events,
        componentIds: input.component_ids?.length ? input.component_ids : null,
        language: isChatKind(input.kind) ? (input.language ?? null) : null,
        description,
        selfService: options.selfService ?? false,
        createdBy: ctx.actor.id,
        createdAt: ctx.now,
      })
      .returning();
    // A chat destination signs nothing: its secret only keys a visitor's removal link.
    return {
      value: { ...webhookResource(row!), ...(isChatKind(row!.kind) ? {} : { secret }) },
      audit: [{ action: 'webhook.create', entityType: 'webhook', entityId: row!.id, after: auditedWebhook(row!) }],
    };
  });
}

async function lockEndpoint(tx: Queryable, id: string): Promise<EndpointRow> {
  if (!isId(id)) throw notFound('webhook', id);
  const [row] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).for('update');
  if (!row) throw notFound('webhook', id);
  return row;
}

/** Removes the endpoint; its pending deliveries go with it. */
export function deleteWebhook(ctx: ChangeContext, id: string) {
  return runChange(ctx, async (tx) => {
    const current = await lockEndpoint(tx, id);
    await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    return {
      value: null,
      audit: [{ action: 'webhook.delete', entityType: 'webhook', entityId: id, before: auditedWebhook(current) }],
    };
  });
}

/** Lifts a quarantine: new events reach the endpoint again (those that failed stay failed). */
export function reenableWebhook(ctx: ChangeContext, id: string) {
  return runChange(ctx, async (tx) => {
    const current = await lockEndpoint(tx, id);
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ quarantinedAt: null, quarantineReason: null, consecutiveFailures: 0 })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    return {
      value: webhookResource(row!),
      audit: [
        {
          action: 'webhook.reenable',
          entityType: 'webhook',
          entityId: id,
          before: auditedWebhook(current),
          after: auditedWebhook(row!),
        },
      ],
    };
  });
}

/** Queues a "test" event for the endpoint (it must be active). */
export function sendTestWebhook(ctx: ChangeContext, id: string) {
  return runChange(ctx, async (tx) => {
    const current = await lockEndpoint(tx, id);
    if (current.quarantinedAt)
      throw new HttpError(409, 'webhook_inactive', 'the webhook is quarantined; re-enable it first');
    await enqueueTestWebhook(tx, id, ctx.now);
    const value = webhookResource(current);
    return { value, audit: [{ action: 'webhook.test', entityType: 'webhook', entityId: id }] };
  });
}

/** The endpoint a visitor's removal link names, if the link is genuine. */
export async function findWebhookForRemoval(
  db: Queryable,
  id: string,
  token: string,
): Promise<{ id: string; url: string } | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select({
      id: webhookEndpoints.id,
      kind: webhookEndpoints.kind,
      url: webhookEndpoints.url,
      secret: webhookEndpoints.secret,
      selfService: webhookEndpoints.selfService,
    })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, id));
  if (!row || !row.selfService || !isRemovalToken(row.secret, row.id, token)) return null;
  // Everyone in a chat channel has its messages' removal link: they never see the channel's key.
  return { id: row.id, url: isChatKind(row.kind) ? maskChatUrl(row.url) : row.url };
}

/** A visitor removes their own webhook with the link from its payloads. */
export async function removeVisitorWebhook(ctx: ChangeContext, id: string, token: string): Promise<boolean> {
  if (!(await findWebhookForRemoval(ctx.db, id, token))) return false;
  await deleteWebhook(ctx, id);
  return true;
}
