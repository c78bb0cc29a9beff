import { publicComponents, type Snapshot } from './snapshot.ts';
import type { EventKind } from './vocabulary.ts';

// Who gets which email. Pure: the delivery insert (SQL) pre-filters with the same rule,
// and the sender re-checks every recipient with isRecipient() before a batch is frozen.

/** pending: waiting for double opt-in; quarantined: bounced, complained or refused by the provider. */
export const SUBSCRIBER_STATUSES = ['pending', 'confirmed', 'unsubscribed', 'quarantined'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const SUBSCRIBER_STATUS_LABELS: Record<SubscriberStatus, string> = {
  pending: 'Awaiting confirmation',
  confirmed: 'Confirmed',
  unsubscribed: 'Unsubscribed',
  quarantined: 'Quarantined',
};

/** skipped: the subscription ended (or no longer matches) before the email left. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What an outgoing message is about; each has its own email shape. */
export const NOTIFICATION_KINDS = ['event_update', 'postmortem', 'confirmation', 'maintenance_reminder'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** A link token is good for one subscriber and one of these purposes only. */
export const TOKEN_PURPOSES = ['confirm', 'manage', 'unsubscribe'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** Unconfirmed subscriptions (and their confirmation links) are forgotten after this. */
export const PENDING_EXPIRY_MS = 7 * 24 * 60 * 60_000;

export interface Subscription {
  status: SubscriberStatus;
  allComponents: boolean;
  componentIds: readonly string[];
  groupIds: readonly string[];
  maintenance: boolean;
}

export interface Audience {
  kind: NotificationKind;
  eventKind: EventKind;
  /** Components the update affects (with their groups, so a group choice matches). */
  components: ReadonlyArray<{ id: string; groupId: string | null }>;
}

/**
 * An event email goes to confirmed subscribers who chose everything or one of the affected
 * components (directly or through its group); maintenance only to those who opted in.
 * An update that names no component reaches only those who chose everything.
 */
export function isRecipient(subscription: Subscription, audience: Audience): boolean {
  if (audience.kind === 'confirmation') return subscription.status === 'pending';
  if (subscription.status !== 'confirmed') return false;
  if (audience.eventKind === 'maintenance' && !subscription.maintenance) return false;
  if (subscription.allComponents) return true;
  return choosesAny(new Set(subscription.componentIds), new Set(subscription.groupIds), audience.components);
}

/** Whether a choice of components and groups covers one of these components, directly or through its group. */
export function choosesAny(
  components: ReadonlySet<string>,
  groups: ReadonlySet<string>,
  affected: ReadonlyArray<{ id: string; groupId: string | null }>,
): boolean {
  return affected.some((c) => components.has(c.id) || (c.groupId !== null && groups.has(c.groupId)));
}

/** Addresses are compared and stored lowercased and trimmed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isPendingExpired(createdAt: Date, now: Date): boolean {
  return now.getTime() - createdAt.getTime() > PENDING_EXPIRY_MS;
}

export interface SubscriptionChoices {
  groups: Array<{ id: string; name: string; components: Array<{ id: string; name: string }> }>;
  ungrouped: Array<{ id: string; name: string }>;
}

/** What the subscribe form on the published page offers: the components the public may see. */
export function subscriptionChoicesOf(snapshot: Snapshot): SubscriptionChoices {
  const shown = publicComponents(snapshot);
  const byPosition = <T extends { position: number; name: string }>(a: T, b: T) =>
    a.position - b.position || a.name.localeCompare(b.name);
  const groups = snapshot.groups
    .filter((g) => !g.hidden && shown.some((c) => c.groupId === g.id))
    .sort(byPosition)
    .map((g) => ({
      id: g.id,
      name: g.name,
      components: shown
        .filter((c) => c.groupId === g.id)
        .sort(byPosition)
        .map(({ id, name }) => ({ id, name })),
    }));
  const grouped = new Set(groups.map((g) => g.id));
  const ungrouped = shown
    .filter((c) => !c.groupId || !grouped.has(c.groupId))
    .sort(byPosition)
    .map(({ id, name }) => ({ id, name }));
  return { groups, ungrouped };
}
