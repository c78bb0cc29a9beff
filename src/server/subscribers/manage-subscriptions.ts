import { and, count, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Queryable, Transaction } from '../../db/client.ts';
import {
  componentGroups,
  components,
  deliveries,
  notifications,
  subscriberComponents,
  subscriberGroups,
  subscribers,
} from '../../db/schema.ts';
import { isPendingExpired, normalizeEmail, type TokenPurpose } from '../../domain/subscriptions.ts';
import { languageOr, localeFor, type Locale } from '../../domain/i18n/translator.ts';
import { LANGUAGES, type Language } from '../../domain/vocabulary.ts';
import { enqueueConfirmations } from '../../notify/enqueue.ts';
import { tokenSecret, verifyToken } from '../../notify/tokens.ts';
import { newId } from '../../infra/ids.ts';

// The public side of subscriptions. Whatever the state of an address, asking to subscribe
// answers the same (the caller learns nothing and receives no token); only the mailbox
// owner, through the link in the email, can confirm, change or end a subscription.

/** A confirmation email per address at most this often, however often it is asked for. */
export const CONFIRMATION_COOLDOWN_MS = 10 * 60_000;
/**
 * And at most this many in any 24 hours: asked from many client addresses, each within its
 * own limits, an address still gets no more. Counted from the outbox, so every instance agrees.
 */
export const DAILY_CONFIRMATIONS = 3;
const DAY_MS = 24 * 60 * 60_000;

async function confirmationsSince(tx: Transaction, subscriberId: string, since: Date): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(deliveries)
    .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
    .where(
      and(
        eq(deliveries.subscriberId, subscriberId),
        eq(notifications.kind, 'confirmation'),
        gt(notifications.createdAt, since),
      ),
    );
  return row?.n ?? 0;
}

export const Preferences = z.object({
  scope: z.enum(['all', 'some']).default('all'),
  component_ids: z
    .array(z.string().regex(/^[0-9a-z]{12}$/))
    .max(500)
    .default([]),
  group_ids: z
    .array(z.string().regex(/^[0-9a-z]{12}$/))
    .max(500)
    .default([]),
  maintenance: z.boolean().default(true),
});
export type Preferences = z.infer<typeof Preferences>;

export const SubscribeInput = Preferences.extend({
  email: z
    .string()
    .trim()
    .max(254, 'must be at most 254 characters')
    .pipe(z.email('must be an email address such as you@example.com')),
  /** The language of the page subscribed on: the subscriber's emails and pages speak it. */
  language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).optional(),
});
export type SubscribeInput = z.infer<typeof SubscribeInput>;

/** Components and groups the public may choose from (hidden ones are not offered or accepted). */
export async function subscriptionChoices(db: Queryable) {
  const groups = await db
    .select({ id: componentGroups.id, name: componentGroups.name, hidden: componentGroups.hidden })
    .from(componentGroups)
    .orderBy(componentGroups.position, componentGroups.name);
  const rows = await db
    .select({ id: components.id, name: components.name, groupId: components.groupId })
    .from(components)
    .leftJoin(componentGroups, eq(componentGroups.id, components.groupId))
    .where(and(eq(components.hidden, false), or(isNull(componentGroups.hidden), eq(componentGroups.hidden, false))))
    .orderBy(components.position, components.name);
  const visibleGroups = groups.filter((g) => !g.hidden && rows.some((c) => c.groupId === g.id));
  return {
    groups: visibleGroups.map((g) => ({
      id: g.id,
      name: g.name,
      components: rows.filter((c) => c.groupId === g.id).map(({ id, name }) => ({ id, name })),
    })),
    ungrouped: rows
      .filter((c) => !c.groupId || !visibleGroups.some((g) => g.id === c.groupId))
      .map(({ id, name }) => ({ id, name })),
  };
}

async function writeChoices(tx: Transaction, subscriberId: string, preferences: Preferences) {
  const choices = await subscriptionChoices(tx);
  const componentIds = new Set([...choices.ungrouped, ...choices.groups.flatMap((g) => g.components)].map((c) => c.id));
  const groupIds = new Set(choices.groups.map((g) => g.id));
  const some = preferences.scope === 'some';
  const chosenComponents = some ? [...new Set(preferences.component_ids)].filter((id) => componentIds.has(id)) : [];
  const chosenGroups = some ? [...new Set(preferences.group_ids)].filter((id) => groupIds.has(id)) : [];
  // "Some" with nothing chosen would be a subscription that never sends anything: everything instead.
  const all = !some || (chosenComponents.length === 0 && chosenGroups.length === 0);
  await tx
    .update(subscribers)
    .set({ allComponents: all, maintenance: preferences.maintenance })
    .where(eq(subscribers.id, subscriberId));
  await tx.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriberId));
  await tx.delete(subscriberGroups).where(eq(subscriberGroups.subscriberId, subscriberId));
  if (!all && chosenComponents.length)
    await tx
      .insert(subscriberComponents)
      .values(chosenComponents.map((componentId) => ({ subscriberId, componentId })));
  if (!all && chosenGroups.length)
    await tx.insert(subscriberGroups).values(chosenGroups.map((groupId) => ({ subscriberId, groupId })));
}

/**
 * New, unsubscribed or expired addresses become pending and get a confirmation email
 * (at most one per cool-down, and DAILY_CONFIRMATIONS a day); confirmed and quarantined
 * ones are left alone. The caller gets nothing back on purpose.
 */
export async function requestSubscription(db: Database, input: SubscribeInput, now: Date): Promise<void> {
  const email = normalizeEmail(input.email);
  await db.transaction(async (tx) => {
    await tx
      .insert(subscribers)
      .values({
        id: newId(),
        email,
        status: 'pending',
        createdAt: now,
        ...(input.language ? { language: input.language } : {}),
      })
      .onConflictDoNothing();
    const [subscriber] = await tx.select().from(subscribers).where(eq(subscribers.email, email)).for('update');
    if (!subscriber || subscriber.status === 'confirmed' || subscriber.status === 'quarantined') return;
    const fresh = subscriber.status === 'pending' && subscriber.confirmationSentAt === null;
    const restart =
      subscriber.status === 'unsubscribed' ||
      (subscriber.status === 'pending' && isPendingExpired(subscriber.createdAt, now));
    const cooled =
      !subscriber.confirmationSentAt ||
      now.getTime() - subscriber.confirmationSentAt.getTime() >= CONFIRMATION_COOLDOWN_MS;
    if (!fresh && !cooled) return;
    if ((await confirmationsSince(tx, subscriber.id, new Date(now.getTime() - DAY_MS))) >= DAILY_CONFIRMATIONS) return;
    await tx
      .update(subscribers)
      .set({
        status: 'pending',
        confirmationSentAt: now,
        ...(input.language ? { language: input.language } : {}),
        ...(restart ? { createdAt: now, unsubscribedAt: null } : {}),
      })
      .where(eq(subscribers.id, subscriber.id));
    await writeChoices(tx, subscriber.id, input);
    await enqueueConfirmations(tx, [subscriber.id], now);
  });
}

/** The subscriber a link's token names, if it is valid for one of these purposes. */
async function subscriberByToken(db: Queryable, purposes: readonly TokenPurpose[], token: string | null) {
  const secret = await tokenSecret(db);
  const id = purposes.map((purpose) => verifyToken(secret, purpose, token)).find((found) => found !== null);
  if (!id) return null;
  const [subscriber] = await db.select().from(subscribers).where(eq(subscribers.id, id));
  return subscriber ?? null;
}

export type ConfirmResult = 'confirmed' | 'already' | 'invalid';

export async function confirmSubscription(db: Database, token: string | null, now: Date): Promise<ConfirmResult> {
  const subscriber = await subscriberByToken(db, ['confirm'], token);
  if (!subscriber) return 'invalid';
  if (subscriber.status === 'confirmed') return 'already';
  if (subscriber.status !== 'pending' || isPendingExpired(subscriber.createdAt, now)) return 'invalid';
  await db
    .update(subscribers)
    .set({ status: 'confirmed', confirmedAt: now })
    .where(and(eq(subscribers.id, subscriber.id), eq(subscribers.status, 'pending')));
  return 'confirmed';
}

export interface SubscriptionView {
  email: string;
  language: Language;
  status: typeof subscribers.$inferSelect.status;
  allComponents: boolean;
  maintenance: boolean;
  componentIds: string[];
  groupIds: string[];
}

/** What the manage page shows; null for a bad token. */
export async function loadSubscription(db: Queryable, token: string | null): Promise<SubscriptionView | null> {
  const subscriber = await subscriberByToken(db, ['manage'], token);
  if (!subscriber) return null;
  const [chosenComponents, chosenGroups] = await Promise.all([
    db.select().from(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriber.id)),
    db.select().from(subscriberGroups).where(eq(subscriberGroups.subscriberId, subscriber.id)),
  ]);
  return {
    email: subscriber.email,
    language: languageOr(subscriber.language, 'en'),
    status: subscriber.status,
    allComponents: subscriber.allComponents,
    maintenance: subscriber.maintenance,
    componentIds: chosenComponents.map((c) => c.componentId),
    groupIds: chosenGroups.map((g) => g.groupId),
  };
}

/**
 * The words of a subscriber's link pages: the language they subscribed in when any of their links' tokens names them,
 * else the page's.
 */
export async function subscriberLocale(
  db: Queryable,
  token: string | null,
  defaultLanguage: Language,
): Promise<Locale> {
  const subscriber = await subscriberByToken(db, ['confirm', 'manage', 'unsubscribe'], token);
  return localeFor(subscriber ? languageOr(subscriber.language, defaultLanguage) : defaultLanguage, defaultLanguage);
}

/** Saves the choice of components; a manage link also re-subscribes someone who had left. */
export async function savePreferences(
  db: Database,
  token: string | null,
  preferences: Preferences,
  now: Date,
): Promise<boolean> {
  const subscriber = await subscriberByToken(db, ['manage'], token);
  if (!subscriber || subscriber.status === 'quarantined') return false;
  await db.transaction(async (tx) => {
    await writeChoices(tx, subscriber.id, preferences);
    if (subscriber.status === 'unsubscribed')
      await tx
        .update(subscribers)
        .set({ status: 'confirmed', confirmedAt: now, unsubscribedAt: null })
        .where(eq(subscribers.id, subscriber.id));
  });
  return true;
}

/** Ends a subscription (from an unsubscribe link, a manage link or a confirmation email's "don't email me"). */
export async function unsubscribe(db: Database, token: string | null, now: Date): Promise<boolean> {
  const subscriber = await subscriberByToken(db, ['unsubscribe', 'manage'], token);
  if (!subscriber) return false;
  await db
    .update(subscribers)
    .set({ status: 'unsubscribed', unsubscribedAt: now })
    .where(and(eq(subscribers.id, subscriber.id), inArray(subscribers.status, ['pending', 'confirmed'])));
  return true;
}
