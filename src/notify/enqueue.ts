import { eq, sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../db/client.ts';
import {
  componentGroups,
  components,
  incidentComponents,
  incidents,
  incidentUpdates,
  notifications,
  pageSettings,
} from '../db/schema.ts';
import type {
  EmailMessage,
  EmailPage,
  EventEmailMessage,
  MaintenanceReminderEmailMessage,
} from '../domain/email-message.ts';
import { minutesBetween } from '../domain/reminders.ts';
import { newId } from '../infra/ids.ts';
import { pageInfo } from '../db/snapshot-queries.ts';
import { rowsOf } from '../db/sql-rows.ts';

// Deliveries ride the change's transaction: the update and the rows that promise its
// emails commit together or not at all. The recipients are pre-batched here (100 per
// batch, the provider's limit), each batch in one language (the one its subscribers
// subscribed in); the sender claims batches, never loose rows.

export const DELIVER_CHANNEL = 'herald_deliver';
/** The notice that wakes the webhook loop; any other (a notification id, STAFF_NOTICE) wakes the email loop. */
export const WEBHOOKS_NOTICE = 'webhooks';
export const STAFF_NOTICE = 'staff';
export const BATCH_SIZE = 100;

async function emailPage(tx: Transaction): Promise<EmailPage> {
  const [page] = await tx.select().from(pageSettings).where(eq(pageSettings.id, 1));
  return emailPageOf(page);
}

/**
 * How emails (to subscribers and to staff) name and colour the page, from its settings row (with the public page's
 * defaults).
 */
export function emailPageOf(page: typeof pageSettings.$inferSelect | undefined): EmailPage {
  const { name, brandColor, timeZone, defaultLanguage } = pageInfo(page, {
    id: '',
    siteUrl: '',
    appUrl: '',
    updatedAt: new Date(0),
  });
  return { name, brandColor, timeZone, defaultLanguage };
}

/**
 * Writes the outbox row, one delivery per recipient and their batches, and wakes a sender
 * (on commit) when there is anyone to send to: one statement. `recipients` is a SQL query
 * yielding subscriber ids as "id".
 */
async function insertNotification(
  tx: Transaction,
  row: typeof notifications.$inferInsert,
  recipients: ReturnType<typeof sql>,
): Promise<number> {
  const id = row.id;
  const now = row.createdAt ?? new Date();
  const result = await tx.execute(sql`
    with notification as (
      ${tx.insert(notifications).values(row).getSQL()}
    ), recipients as (
      select r.id as subscriber_id,
        l.language || '-' || ((row_number() over (partition by l.language order by r.id)) - 1) / ${BATCH_SIZE} as batch_no
      from (${recipients}) r join subscribers l on l.id = r.id
    ), batches as (
      insert into delivery_batches (id, notification_id, available_at, created_at)
      select distinct ${id} || '-' || batch_no, ${id}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz from recipients
      returning id
    ), inserted as (
      insert into deliveries (notification_id, subscriber_id, batch_id, created_at)
      select ${id}, subscriber_id, ${id} || '-' || batch_no, ${now.toISOString()}::timestamptz from recipients
      returning 1
    ), counted as (
      select count(*)::int as count from inserted
    )
    -- Delivered on commit only: a worker starts at once instead of at its next poll.
    select count, case when count > 0 then pg_notify(${DELIVER_CHANNEL}, ${id}) end from counted`);
  return Number(rowsOf<{ count: number }>(result)[0]?.count ?? 0);
}

/**
 * The SQL twin of isRecipient() for events: confirmed, opted in to maintenance, chose an affected component or its
 * group.
 */
function eventRecipients(isMaintenance: boolean, componentIds: string[]) {
  const chose =
    componentIds.length === 0
      ? sql`false`
      : sql`exists (select 1 from subscriber_components sc where sc.subscriber_id = s.id and sc.component_id in (${sql.join(
          componentIds.map((c) => sql`${c}`),
          sql`, `,
        )}))
         or exists (select 1 from subscriber_groups sg join components c on c.group_id = sg.group_id
                    where sg.subscriber_id = s.id and c.id in (${sql.join(
                      componentIds.map((c) => sql`${c}`),
                      sql`, `,
                    )}))`;
  return sql`select s.id from subscribers s where s.status = 'confirmed'
    ${isMaintenance ? sql`and s.maintenance` : sql``}
    and (s.all_components or ${chose})`;
}

function affectedComponents(tx: Transaction, incidentId: string) {
  return tx
    .select({
      id: components.id,
      groupId: components.groupId,
      name: components.name,
      status: components.status,
      hidden: components.hidden,
      groupHidden: componentGroups.hidden,
    })
    .from(incidentComponents)
    .innerJoin(components, eq(components.id, incidentComponents.componentId))
    .leftJoin(componentGroups, eq(componentGroups.id, components.groupId))
    .where(eq(incidentComponents.incidentId, incidentId))
    .orderBy(components.position, components.name);
}

/** Emails show what the page shows: never a hidden component. */
function shownComponents(affected: Awaited<ReturnType<typeof affectedComponents>>) {
  return affected
    .filter((c) => !c.hidden && !c.groupHidden)
    .map((c) => ({ id: c.id, groupId: c.groupId, name: c.name, status: c.status }));
}

/** The email for an update (or a published postmortem), frozen now, queued for everyone it concerns. */
export async function enqueueEventNotification(
  tx: Transaction,
  options: {
    incident: typeof incidents.$inferSelect;
    update: typeof incidentUpdates.$inferSelect | null;
    kind: 'event_update' | 'postmortem';
    now: Date;
  },
): Promise<number> {
  const { incident, update } = options;
  const affected = await affectedComponents(tx, incident.id);
  const body = options.kind === 'postmortem' ? (incident.postmortemBody ?? '') : (update?.body ?? '');
  const message: EventEmailMessage = {
    kind: options.kind,
    page: await emailPage(tx),
    incident: { id: incident.id, kind: incident.kind, name: incident.name },
    update: {
      status: update?.status ?? incident.status,
      body,
      displayAt: (update?.displayAt ?? options.now).toISOString(),
    },
    components: shownComponents(affected),
    nextUpdateAt: incident.resolvedAt ? null : (incident.nextUpdateDueAt?.toISOString() ?? null),
  };
  return insertNotification(
    tx,
    {
      id: newId(),
      kind: options.kind,
      incidentId: incident.id,
      updateId: update?.id ?? null,
      message,
      createdAt: options.now,
    },
    eventRecipients(
      incident.kind === 'maintenance',
      affected.map((c) => c.id),
    ),
  );
}

/** "Scheduled maintenance starts in …", frozen now, queued for the maintenance's subscribers. */
export async function enqueueMaintenanceReminder(
  tx: Transaction,
  options: { incidentId: string; now: Date },
): Promise<number> {
  const [maintenance] = await tx.select().from(incidents).where(eq(incidents.id, options.incidentId));
  if (!maintenance || maintenance.kind !== 'maintenance' || !maintenance.scheduledFor) return 0;
  const affected = await affectedComponents(tx, options.incidentId);
  const message: MaintenanceReminderEmailMessage = {
    kind: 'maintenance_reminder',
    page: await emailPage(tx),
    incident: { id: maintenance.id, kind: maintenance.kind, name: maintenance.name },
    scheduledFor: maintenance.scheduledFor.toISOString(),
    scheduledUntil: maintenance.scheduledUntil?.toISOString() ?? null,
    startsInMinutes: minutesBetween(options.now, maintenance.scheduledFor),
    components: shownComponents(affected),
  };
  return insertNotification(
    tx,
    {
      id: newId(),
      kind: 'maintenance_reminder',
      incidentId: maintenance.id,
      updateId: null,
      message,
      createdAt: options.now,
    },
    eventRecipients(
      true,
      affected.map((c) => c.id),
    ),
  );
}

/** A double opt-in email for the given (pending) subscribers. */
export async function enqueueConfirmations(tx: Transaction, subscriberIds: string[], now: Date): Promise<number> {
  if (subscriberIds.length === 0) return 0;
  const message: EmailMessage = { kind: 'confirmation', page: await emailPage(tx) };
  const ids = sql.join(
    subscriberIds.map((id) => sql`${id}`),
    sql`, `,
  );
  return insertNotification(
    tx,
    { id: newId(), kind: 'confirmation', incidentId: null, updateId: null, message, createdAt: now },
    sql`select s.id from subscribers s where s.status = 'pending' and s.id in (${ids})`,
  );
}

/** Pending/sent/failed counts per update of one incident, for the admin. */
export async function deliveryCountsByUpdate(db: Queryable, incidentId: string) {
  const rows = await db.execute(sql`
    select coalesce(n.update_id, n.kind::text) as update_id, d.status, count(*)::int as count
    from notifications n join deliveries d on d.notification_id = n.id
    where n.incident_id = ${incidentId}
    group by 1, d.status`);
  const list = rowsOf<{ update_id: string | null; status: string; count: number }>(rows);
  const counts = new Map<string, { pending: number; sent: number; failed: number; skipped: number }>();
  for (const row of list) {
    // Messages without an update (a postmortem, a maintenance reminder) count under their kind.
    const key = row.update_id ?? 'postmortem';
    const entry = counts.get(key) ?? { pending: 0, sent: 0, failed: 0, skipped: 0 };
    entry[row.status as 'pending'] += Number(row.count);
    counts.set(key, entry);
  }
  return counts;
}
