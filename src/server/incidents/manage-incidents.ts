import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { incidents, incidentUpdates, maintenanceSeries, pageSettings, users } from '../../db/schema.ts';
import { severityLevel, severityLevels, type SeverityKey, type SeverityLevel } from '../../domain/severity.ts';
import { RuleViolation } from '../../domain/errors.ts';
import { isClosedStatus, nextUpdateDueAfter } from '../../domain/incident-lifecycle.ts';
import { stripControlCharacters } from '../../domain/markdown.ts';
import { webhookEventOfUpdate } from '../../domain/webhooks.ts';
import { enqueueEventNotification } from '../../notify/enqueue.ts';
import { enqueueWebhooks } from '../../notify/webhook-enqueue.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { notFound, staleVersion } from '../../infra/errors.ts';
import { isId, newId } from '../../infra/ids.ts';
import { incidentFields, incidentResource, updateResource } from '../resources.ts';
import { lockForChange } from '../versioning.ts';
import { applyUpdate, saveIncidentFields, type UpdateRequest } from './apply-update.ts';
import type { IncidentCreateInput, IncidentPatch, UpdateEdit, UpdateInput } from './incident-input.ts';
import { incidentParts } from './incident-queries.ts';

type IncidentRow = typeof incidents.$inferSelect;

function updateRequest(
  input: UpdateInput | IncidentCreateInput | IncidentPatch,
  status: UpdateRequest['status'],
  body: string,
): UpdateRequest {
  return {
    status,
    body,
    componentChanges: input.components ?? {},
    componentIds: input.component_ids ?? [],
    deliverNotifications: input.deliver_notifications ?? true,
    nextUpdateInMinutes: input.next_update_in_minutes,
    impactOverride: input.impact_override,
  };
}

/** The page's severity levels, as the settings have them. */
async function pageSeverityLevels(tx: Queryable): Promise<SeverityLevel[]> {
  const [row] = await tx
    .select({ levels: pageSettings.severityLevels })
    .from(pageSettings)
    .where(eq(pageSettings.id, 1));
  return severityLevels(row?.levels);
}

/**
 * A severity's defaults, only for what the request leaves out: the promised next update (while
 * the event stays open) and whether subscribers are told; at creation the impact too.
 */
async function withSeverityDefaults<T extends UpdateInput | IncidentCreateInput | IncidentPatch>(
  tx: Queryable,
  input: T,
  severity: SeverityKey | null | undefined,
  options: { impact: boolean },
): Promise<T> {
  if (!severity) return input;
  const level = severityLevel(await pageSeverityLevels(tx), severity);
  return {
    ...input,
    ...(input.next_update_in_minutes === undefined && !isClosedStatus(input.status ?? 'investigating')
      ? { next_update_in_minutes: level.update_cadence_minutes }
      : {}),
    ...(input.deliver_notifications === undefined ? { deliver_notifications: level.notify_by_default } : {}),
    ...(options.impact && input.impact_override === undefined ? { impact_override: level.default_impact } : {}),
  };
}

/** The roles a request sets, each checked to be a user's id (the field names the one that is not). */
async function rolesOf(
  tx: Queryable,
  input: { incident_manager_id?: string | null | undefined; communications_lead_id?: string | null | undefined },
) {
  const fields = { incident_manager_id: 'incidentManagerId', communications_lead_id: 'communicationsLeadId' } as const;
  const set: { incidentManagerId?: string | null; communicationsLeadId?: string | null } = {};
  for (const [field, column] of Object.entries(fields) as Array<
    [keyof typeof fields, (typeof fields)[keyof typeof fields]]
  >) {
    const id = input[field];
    if (id === undefined) continue;
    if (id !== null && (await tx.select({ id: users.id }).from(users).where(eq(users.id, id))).length === 0)
      throw new RuleViolation('invalid_field', `no user has the id "${id}"`, field);
    set[column] = id;
  }
  return set;
}

/** A recurring maintenance's occurrence, made when it is already there (or the series is gone). */
export class OccurrenceNotMade extends Error {}

/**
 * Opens an incident, or schedules a maintenance, with its first update. `occurrence`: the
 * maintenance is that occurrence of a recurring window; its series is locked while it is made,
 * so two instances never make the same occurrence twice.
 */
export async function createIncident(
  ctx: ChangeContext,
  request: IncidentCreateInput,
  occurrence?: { seriesId: string; start: Date; wanted?: (series: typeof maintenanceSeries.$inferSelect) => boolean },
) {
  const kind = request.kind ?? (request.scheduled_for ? 'maintenance' : 'incident');
  const status = request.status ?? (kind === 'maintenance' ? 'scheduled' : 'investigating');
  const committed = await runChange(ctx, async (tx) => {
    const input = await withSeverityDefaults(tx, { ...request, status }, request.severity, {
      impact: kind === 'incident',
    });
    if (occurrence) {
      const [series] = await tx
        .select()
        .from(maintenanceSeries)
        .where(eq(maintenanceSeries.id, occurrence.seriesId))
        .for('update');
      const [made] = await tx
        .select({ id: incidents.id })
        .from(incidents)
        .where(and(eq(incidents.seriesId, occurrence.seriesId), eq(incidents.occurrenceStart, occurrence.start)));
      if (!series) throw new OccurrenceNotMade('the series is gone');
      if (made) throw new OccurrenceNotMade('made already');
      if (occurrence.wanted && !occurrence.wanted(series))
        throw new OccurrenceNotMade('skipped or no longer in the rule');
    }
    const id = newId();
    const startedAt = kind === 'maintenance' && status === 'scheduled' ? input.scheduled_for! : ctx.now;
    await tx.insert(incidents).values({
      id,
      kind,
      name: stripControlCharacters(input.name),
      status,
      impact: input.impact_override ?? (kind === 'maintenance' ? 'maintenance' : 'none'),
      createdAt: ctx.now,
      updatedAt: ctx.now,
      startedAt,
      scheduledFor: input.scheduled_for ?? null,
      scheduledUntil: input.scheduled_until ?? null,
      autoStart: input.scheduled_auto_in_progress ?? false,
      autoComplete: input.scheduled_auto_completed ?? false,
      seriesId: occurrence?.seriesId ?? null,
      occurrenceStart: occurrence?.start ?? null,
      severity: input.severity ?? null,
      ...(await rolesOf(tx, input)),
    });
    const { fields, update, componentIds } = await applyUpdate(
      tx,
      { id, kind, impact: 'none', nextUpdateDueAt: null, state: null, componentIds: [] },
      updateRequest(input, status, input.body),
      ctx.now,
    );
    // A scheduled maintenance "starts" at its window, not when it was announced.
    const row = await saveIncidentFields(tx, id, {
      ...fields,
      startedAt: status === 'scheduled' ? startedAt : fields.startedAt,
    });
    if (update.deliverNotifications)
      await enqueueEventNotification(tx, { incident: row, update, kind: 'event_update', now: ctx.now });
    const event = update.deliverNotifications ? webhookEventOfUpdate(kind, null, status) : null;
    await enqueueWebhooks(tx, { incident: { id, event }, transitions: update.affectedComponents, now: ctx.now });
    const value = incidentResource(row, [update], componentIds);
    return {
      value,
      scope: { incidentIds: [id] },
      audit: [{ action: `${kind}.create`, entityType: kind, entityId: id, after: value }],
    };
  });
  return committed;
}

// Every update goes through here, so it reads the incident once (locked, with its updates
// and links) and builds the audit's before and the answer from what it has and what it wrote.
async function postUpdateIn(
  ctx: ChangeContext,
  id: string,
  request: UpdateInput | IncidentPatch,
  body: string,
  newStatus: UpdateRequest['status'] | undefined,
) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<IncidentRow>(tx, incidents, 'incident', id, request.version);
    const status = newStatus ?? current.status;
    const severity = 'severity' in request && request.severity !== undefined ? request.severity : current.severity;
    const input = await withSeverityDefaults(tx, { ...request, status }, severity, { impact: false });
    const { updates, componentIds: linked } = await incidentParts(tx, id);
    const { fields, update, componentIds } = await applyUpdate(
      tx,
      {
        id,
        kind: current.kind,
        impact: current.impact,
        nextUpdateDueAt: current.nextUpdateDueAt,
        state: current,
        componentIds: linked,
      },
      updateRequest(input, status, body),
      ctx.now,
    );
    const patch = 'name' in input && input.name ? { name: stripControlCharacters(input.name) } : {};
    const row = await saveIncidentFields(tx, id, {
      ...fields,
      ...patch,
      ...maintenanceWindow(input, current),
      ...('severity' in request && request.severity !== undefined ? { severity: request.severity } : {}),
      // A PATCH may set the roles; an update (UpdateInput) names none, so none change.
      ...(await rolesOf(tx, request as IncidentPatch)),
    });
    if (update.deliverNotifications)
      await enqueueEventNotification(tx, { incident: row, update, kind: 'event_update', now: ctx.now });
    const event = update.deliverNotifications
      ? webhookEventOfUpdate(current.kind, current.status, fields.status)
      : null;
    await enqueueWebhooks(tx, { incident: { id, event }, transitions: update.affectedComponents, now: ctx.now });
    const value = incidentResource(row, [...updates, update], componentIds);
    const action = fields.resolvedAt && !current.resolvedAt ? `${current.kind}.resolve` : `${current.kind}.update`;
    // The audit keeps what this update changed: the incident's fields before and after, and the update it posted.
    const after = incidentResource(row, [update], componentIds);
    return {
      value,
      scope: { incidentIds: [id] },
      audit: [{ action, entityType: current.kind, entityId: id, before: incidentFields(current, linked), after }],
    };
  });
}

function maintenanceWindow(input: UpdateInput | IncidentPatch, current: IncidentRow) {
  if (!('scheduled_for' in input)) return {};
  // A window moved later gets its "starts in …" reminder again, before the new start.
  const movedLater =
    input.scheduled_for && current.scheduledFor && input.scheduled_for.getTime() > current.scheduledFor.getTime();
  // An occurrence of a recurring window moved on its own: editing the series leaves it be.
  const moved =
    (input.scheduled_for && input.scheduled_for.getTime() !== current.scheduledFor?.getTime()) ||
    (input.scheduled_until && input.scheduled_until.getTime() !== current.scheduledUntil?.getTime());
  // A window not started yet "starts" at its (new) start, as when it was scheduled.
  const stillScheduled = current.status === 'scheduled' && (!input.status || input.status === 'scheduled');
  return {
    ...(current.seriesId && moved ? { detached: true } : {}),
    ...(input.scheduled_for && stillScheduled ? { startedAt: input.scheduled_for } : {}),
    ...(input.scheduled_for ? { scheduledFor: input.scheduled_for } : {}),
    ...(movedLater ? { maintenanceRemindedAt: null } : {}),
    ...(input.scheduled_until ? { scheduledUntil: input.scheduled_until } : {}),
    ...(input.scheduled_auto_in_progress !== undefined ? { autoStart: input.scheduled_auto_in_progress } : {}),
    ...(input.scheduled_auto_completed !== undefined ? { autoComplete: input.scheduled_auto_completed } : {}),
  };
}

/** Posts an update: a new status, a message, component changes and the next promised update. */
export function postUpdate(ctx: ChangeContext, id: string, input: UpdateInput) {
  return postUpdateIn(ctx, id, input, input.body, input.status);
}

/**
 * Statuspage's PATCH: a status or body posts an update (the status defaults to the current
 * one); other fields edit the incident in place.
 */
export async function patchIncident(ctx: ChangeContext, id: string, patch: IncidentPatch) {
  if (patch.status !== undefined || patch.body !== undefined) {
    if (patch.body === undefined)
      throw new RuleViolation('invalid_field', 'body: is required when posting an update', 'body');
    return postUpdateIn(ctx, id, patch, patch.body, patch.status);
  }
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<IncidentRow>(tx, incidents, 'incident', id, patch.version);
    const { updates, componentIds } = await incidentParts(tx, id);
    const row = await saveIncidentFields(tx, id, {
      ...(patch.name ? { name: stripControlCharacters(patch.name) } : {}),
      ...(patch.impact_override ? { impact: patch.impact_override } : {}),
      ...(patch.severity !== undefined ? { severity: patch.severity } : {}),
      ...(await rolesOf(tx, patch)),
      ...(patch.next_update_in_minutes !== undefined && !current.resolvedAt
        ? {
            nextUpdateDueAt: nextUpdateDueAfter({
              closed: false,
              current: current.nextUpdateDueAt,
              inMinutes: patch.next_update_in_minutes,
              now: ctx.now,
            }),
            overdueRemindedAt: null,
          }
        : {}),
      ...maintenanceWindow(patch, current),
      updatedAt: ctx.now,
    });
    const value = incidentResource(row, updates, componentIds);
    return {
      value,
      scope: { incidentIds: [id] },
      audit: [
        {
          action: `${current.kind}.edit`,
          entityType: current.kind,
          entityId: id,
          before: incidentFields(current, componentIds),
          after: incidentFields(row, componentIds),
        },
      ],
    };
  });
}

/** Corrects the text (or display time) of an update already posted. */
export function editUpdate(ctx: ChangeContext, incidentId: string, updateId: string, edit: UpdateEdit) {
  return runChange(ctx, async (tx) => {
    if (!isId(updateId)) throw notFound('update', updateId);
    const [current] = await tx.select().from(incidentUpdates).where(eq(incidentUpdates.id, updateId)).for('update');
    if (!current || current.incidentId !== incidentId) throw notFound('update', updateId);
    if (edit.version !== undefined && edit.version !== current.version) throw staleVersion('update', current.version);
    const [row] = await tx
      .update(incidentUpdates)
      .set({
        body: stripControlCharacters(edit.body),
        displayAt: edit.display_at ?? current.displayAt,
        updatedAt: ctx.now,
        version: current.version + 1,
      })
      .where(eq(incidentUpdates.id, updateId))
      .returning();
    await saveIncidentFields(tx, incidentId, { updatedAt: ctx.now });
    const value = updateResource(row!);
    return {
      value,
      scope: { incidentIds: [incidentId] },
      audit: [
        {
          action: 'update.edit',
          entityType: 'update',
          entityId: updateId,
          before: updateResource(current),
          after: value,
        },
      ],
    };
  });
}

/** Removes an incident and its updates from the page and the API (the audit log keeps them). */
export function deleteIncident(ctx: ChangeContext, id: string, version: number | undefined) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<IncidentRow>(tx, incidents, 'incident', id, version);
    const { updates, componentIds } = await incidentParts(tx, id);
    const before = incidentResource(current, updates, componentIds);
    await tx.delete(incidents).where(eq(incidents.id, id));
    return {
      value: null,
      scope: { incidentIds: [id] },
      audit: [{ action: `${current.kind}.delete`, entityType: current.kind, entityId: id, before }],
    };
  });
}
