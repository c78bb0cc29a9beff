import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { staffUsers } from '../users/manage-users.ts';
import type { Database, Transaction } from '../../db/client.ts';
import { incidents, pageSettings, users } from '../../db/schema.ts';
import { isMaintenanceReminderDue, isOverdueReminderDue } from '../../domain/reminders.ts';
import type { OverdueReminderMessage } from '../../domain/staff-email.ts';
import { emailPageOf, enqueueMaintenanceReminder } from '../../notify/enqueue.ts';
import { rowsOf } from '../../db/sql-rows.ts';
import { enqueueStaffEmails } from '../../notify/staff-messages.ts';

// The tick's reminders. Each one is decided and queued in one transaction with the mark
// that it was sent (overdue_reminded_at, maintenance_reminded_at), under a row lock: two
// instances running the same minute, or a retried job, send it once. The marks are not
// edits, so they leave the incident's version alone (an editor's form stays valid).

const MINUTE = 60_000;

async function reminderSettings(db: Database) {
  const [settings] = await db.select().from(pageSettings).where(eq(pageSettings.id, 1));
  return {
    page: emailPageOf(settings),
    intervalMinutes: settings?.reminderIntervalMinutes ?? 30,
    maintenanceLeadMinutes: settings?.maintenanceReminderMinutes ?? 60,
  };
}

/**
 * Who worked on an incident: the users who created it, posted or edited its updates
 * (and, for changes made with an API token, the user who created the token). When nobody
 * is left (changes by Herald itself, users removed or now viewers), every admin and editor.
 */
async function incidentEditors(tx: Transaction | Database, incident: { id: string; kind: string }) {
  const actors = sql`
    select a.actor_id from audit_log a
    where a.actor_type = 'user' and a.entity_type = ${incident.kind} and a.entity_id = ${incident.id}
    union
    select t.created_by from audit_log a join api_tokens t on t.id = a.actor_id
    where a.actor_type = 'token' and a.entity_type = ${incident.kind} and a.entity_id = ${incident.id}
    union
    select a.actor_id from audit_log a join incident_updates u on u.id = a.entity_id
    where a.actor_type = 'user' and a.entity_type = 'update' and u.incident_id = ${incident.id}`;
  const editors = rowsOf<{ id: string; email: string }>(
    await tx.execute(
      sql`select u.id, u.email from users u where u.role in ('admin', 'editor') and u.id in (${actors}) order by u.email`,
    ),
  );
  if (editors.length > 0) return editors;
  return staffUsers(tx);
}

/**
 * Who is reminded of an overdue update: the communications lead first; from the second
 * reminder on, the incident manager too. An incident without roles: its editors, as before.
 */
async function reminderRecipients(
  tx: Transaction | Database,
  incident: {
    id: string;
    kind: string;
    communicationsLeadId: string | null;
    incidentManagerId: string | null;
    overdueRemindedAt: Date | null;
  },
) {
  const first = incident.communicationsLeadId ?? incident.incidentManagerId;
  if (!first) return incidentEditors(tx, incident);
  const ids = incident.overdueRemindedAt === null ? [first] : [first, incident.incidentManagerId ?? first];
  const holders = await tx
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(users.id, [...new Set(ids)]))
    .orderBy(asc(users.email));
  return holders.length > 0 ? holders : incidentEditors(tx, incident);
}

/**
 * Emails the editors of every incident whose promised update is overdue (again after the interval); returns their ids.
 */
export async function remindOverdueIncidents(
  db: Database,
  now: Date,
): Promise<{ reminded: string[]; errors: string[] }> {
  const settings = await reminderSettings(db);
  const repeatBefore = new Date(now.getTime() - settings.intervalMinutes * MINUTE);
  const candidates = await db
    .select({ id: incidents.id })
    .from(incidents)
    .where(
      and(
        isNull(incidents.resolvedAt),
        lte(incidents.nextUpdateDueAt, now),
        or(isNull(incidents.overdueRemindedAt), lte(incidents.overdueRemindedAt, repeatBefore)),
      ),
    );
  return forEachReminder(candidates, (id) =>
    db.transaction(async (tx) => {
      const [incident] = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
      // Re-checked under the lock: an update may have been posted, or another instance was first.
      if (!incident || !isOverdueReminderDue(incident, now, settings.intervalMinutes)) return false;
      const message: OverdueReminderMessage = {
        kind: 'overdue_reminder',
        page: settings.page,
        incident: { id: incident.id, kind: incident.kind, name: incident.name },
        dueAt: incident.nextUpdateDueAt!.toISOString(),
        remindedAt: now.toISOString(),
      };
      const editors = await reminderRecipients(tx, incident);
      await enqueueStaffEmails(
        tx,
        editors.map((e) => ({ userId: e.id, to: e.email, incidentId: incident.id, message })),
        now,
      );
      await tx.update(incidents).set({ overdueRemindedAt: now }).where(eq(incidents.id, id));
      return true;
    }),
  );
}

/**
 * Queues "starts in …" for every scheduled maintenance now within the lead time whose
 * subscribers were told of it, once each; returns their ids.
 */
export async function remindUpcomingMaintenances(
  db: Database,
  now: Date,
): Promise<{ reminded: string[]; errors: string[] }> {
  const settings = await reminderSettings(db);
  const lead = settings.maintenanceLeadMinutes;
  if (lead <= 0) return { reminded: [], errors: [] };
  const candidates = await db
    .select({ id: incidents.id })
    .from(incidents)
    .where(
      and(
        eq(incidents.kind, 'maintenance'),
        eq(incidents.status, 'scheduled'),
        isNull(incidents.maintenanceRemindedAt),
        gt(incidents.scheduledFor, now),
        lte(incidents.scheduledFor, new Date(now.getTime() + lead * MINUTE)),
        // Announced without notifying subscribers ("Notify subscribers" unticked): no reminder either.
        sql`exists (select 1 from incident_updates u where u.incident_id = ${incidents.id} and u.deliver_notifications)`,
        // Told within the lead time already (announced or rescheduled at short notice): that email said when.
        sql`not exists (select 1 from incident_updates u where u.incident_id = ${incidents.id} and u.deliver_notifications
              and u.display_at > ${incidents.scheduledFor} - make_interval(mins => ${lead}))`,
      ),
    );
  return forEachReminder(candidates, (id) =>
    db.transaction(async (tx) => {
      const [maintenance] = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
      if (!maintenance || !isMaintenanceReminderDue(maintenance, now, lead)) return false;
      await enqueueMaintenanceReminder(tx, { incidentId: id, now });
      await tx.update(incidents).set({ maintenanceRemindedAt: now }).where(eq(incidents.id, id));
      return true;
    }),
  );
}

/** Each reminder in its own transaction: one that fails (and is tried again next minute) does not stop the others. */
async function forEachReminder(
  candidates: Array<{ id: string }>,
  remind: (id: string) => Promise<boolean>,
): Promise<{ reminded: string[]; errors: string[] }> {
  const reminded: string[] = [];
  const errors: string[] = [];
  for (const { id } of candidates) {
    try {
      if (await remind(id)) reminded.push(id);
    } catch (error) {
      errors.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { reminded, errors };
}
