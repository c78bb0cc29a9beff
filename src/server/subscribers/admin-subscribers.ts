import { and, count, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { mailbox, subscriberComponents, subscriberGroups, subscribers } from '../../db/schema.ts';
import { normalizeEmail, SUBSCRIBER_STATUSES, type SubscriberStatus } from '../../domain/subscriptions.ts';
import { enqueueConfirmations } from '../../notify/enqueue.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { notFound } from '../../infra/errors.ts';
import { isId, newId } from '../../infra/ids.ts';
import { text } from '../../infra/text-input.ts';

// The admin's view of subscribers: search, counts, CSV out and in, removal. Imported
// addresses are pending like any other: they receive a confirmation and nothing else
// until they confirm.

/**
 * The admin's search: odd text finds nothing; text the database cannot compare, or a status not in the list, is a 422.
 */
export const SubscriberFilter = z.object({
  q: text(254).optional(),
  status: z.enum(SUBSCRIBER_STATUSES, { error: `must be one of ${SUBSCRIBER_STATUSES.join(', ')}` }).optional(),
});
export type SubscriberFilter = z.infer<typeof SubscriberFilter>;

function where(filter: SubscriberFilter): SQL | undefined {
  const likeEscaped = filter.q ? `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  return and(
    likeEscaped ? ilike(subscribers.email, likeEscaped) : undefined,
    filter.status ? eq(subscribers.status, filter.status) : undefined,
  );
}

export async function listSubscribers(db: Queryable, filter: SubscriberFilter, limit = 200) {
  const rows = await db
    .select()
    .from(subscribers)
    .where(where(filter))
    .orderBy(desc(subscribers.createdAt), subscribers.email)
    .limit(limit);
  const ids = rows.filter((r) => !r.allComponents).map((r) => r.id);
  const [chosenComponents, chosenGroups] = ids.length
    ? await Promise.all([
        db.select().from(subscriberComponents).where(inArray(subscriberComponents.subscriberId, ids)),
        db.select().from(subscriberGroups).where(inArray(subscriberGroups.subscriberId, ids)),
      ])
    : [[], []];
  return rows.map((r) => ({
    ...r,
    componentIds: chosenComponents.filter((c) => c.subscriberId === r.id).map((c) => c.componentId),
    groupIds: chosenGroups.filter((g) => g.subscriberId === r.id).map((g) => g.groupId),
  }));
}

export async function subscriberCounts(db: Queryable): Promise<Record<SubscriberStatus | 'total', number>> {
  const rows = await db
    .select({ status: subscribers.status, n: count() })
    .from(subscribers)
    .groupBy(subscribers.status);
  const counts = Object.fromEntries([...SUBSCRIBER_STATUSES, 'total'].map((s) => [s, 0])) as Record<
    SubscriberStatus | 'total',
    number
  >;
  for (const row of rows) {
    counts[row.status] = Number(row.n);
    counts.total += Number(row.n);
  }
  return counts;
}

const csvField = (value: string) => {
  // A leading = + - @ would be a formula to a spreadsheet: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export async function exportSubscribersCsv(db: Queryable): Promise<string> {
  const rows = await listSubscribers(db, {}, 1_000_000);
  const lines = ['email,status,components,groups,maintenance,created_at,confirmed_at,language'];
  for (const r of rows) {
    lines.push(
      [
        r.email,
        r.status,
        r.allComponents ? 'all' : r.componentIds.join(' '),
        r.groupIds.join(' '),
        r.maintenance ? 'yes' : 'no',
        r.createdAt.toISOString(),
        r.confirmedAt?.toISOString() ?? '',
        r.language,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The addresses in a CSV (the first column, or the column named "email"); a header row is optional. */
export function parseSubscriberCsv(text: string): { emails: string[]; invalid: string[] } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const header = lines[0]
    ?.toLowerCase()
    .split(',')
    .map((h) => h.trim().replace(/^"|"$/g, ''));
  const column = header && header.includes('email') ? header.indexOf('email') : 0;
  const body = header && header.includes('email') ? lines.slice(1) : lines;
  const emails = new Set<string>();
  const invalid: string[] = [];
  for (const line of body) {
    const value = (line.split(',')[column] ?? '').trim().replace(/^"|"$/g, '');
    if (z.email().max(254).safeParse(value).success) emails.add(normalizeEmail(value));
    else invalid.push(value.slice(0, 100));
  }
  return { emails: [...emails], invalid };
}

/** Adds new addresses as pending and sends each a confirmation; known addresses are left as they are. */
export async function importSubscribers(ctx: ChangeContext, csv: string) {
  const { emails, invalid } = parseSubscriberCsv(csv);
  return runChange(ctx, async (tx) => {
    let added: string[] = [];
    for (let i = 0; i < emails.length; i += 1000) {
      const chunk = emails.slice(i, i + 1000);
      const rows = await tx
        .insert(subscribers)
        .values(
          chunk.map((email) => ({
            id: newId(),
            email,
            status: 'pending' as const,
            createdAt: ctx.now,
            confirmationSentAt: ctx.now,
          })),
        )
        .onConflictDoNothing()
        .returning({ id: subscribers.id });
      added = added.concat(rows.map((r) => r.id));
    }
    await enqueueConfirmations(tx, added, ctx.now);
    const value = { added: added.length, existing: emails.length - added.length, invalid };
    return {
      value,
      audit: [
        {
          action: 'subscribers.import',
          entityType: 'subscriber',
          entityId: null,
          after: { added: value.added, existing: value.existing, invalid: invalid.length },
        },
      ],
    };
  });
}

export async function removeSubscriber(ctx: ChangeContext, id: string) {
  return runChange(ctx, async (tx) => {
    if (!isId(id)) throw notFound('subscriber', id);
    const [row] = await tx.delete(subscribers).where(eq(subscribers.id, id)).returning();
    if (!row) throw notFound('subscriber', id);
    return {
      value: null,
      audit: [
        {
          action: 'subscriber.remove',
          entityType: 'subscriber',
          entityId: id,
          before: { email: row.email, status: row.status },
        },
      ],
    };
  });
}

export async function listMailbox(db: Queryable, limit = 100) {
  return db.select().from(mailbox).orderBy(desc(mailbox.id)).limit(limit);
}

export async function mailboxCount(db: Queryable): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(mailbox);
  return Number(row?.n ?? 0);
}
