import { eq, sql } from 'drizzle-orm';
import type { Transaction } from '../../db/client.ts';
import { components, componentStatusChanges, incidentComponents, incidents, incidentUpdates } from '../../db/schema.ts';
import { RuleViolation } from '../../domain/errors.ts';
import { nextIncidentState, type ComponentRef, type EventState } from '../../domain/incident-lifecycle.ts';
import { stripControlCharacters } from '../../domain/markdown.ts';
import type { ComponentStatus, EventKind, EventStatus, Impact } from '../../domain/vocabulary.ts';
import { newId } from '../../infra/ids.ts';

export interface UpdateRequest {
  status: EventStatus;
  body: string;
  componentChanges: Record<string, ComponentStatus>;
  /** Components affected without a status change (e.g. those a maintenance will touch). */
  componentIds: string[];
  deliverNotifications: boolean;
  /** undefined keeps the current promise, null withdraws it. */
  nextUpdateInMinutes: number | null | undefined;
  impactOverride: Impact | undefined;
}

/**
 * The single writer of an incident's derived state: its status and timestamps, its
 * components' statuses (with their history, for uptime), and the update row itself.
 */
export async function applyUpdate(
  tx: Transaction,
  incident: {
    id: string;
    kind: EventKind;
    impact: Impact;
    nextUpdateDueAt: Date | null;
    state: EventState | null;
    componentIds: string[];
  },
  request: UpdateRequest,
  now: Date,
) {
  const componentRows = await tx
    .select({ id: components.id, name: components.name, status: components.status })
    .from(components);
  const componentMap = new Map<string, ComponentRef>(componentRows.map((c) => [c.id, c]));
  for (const [index, id] of request.componentIds.entries()) {
    if (!componentMap.has(id))
      throw new RuleViolation('unknown_component', `no component with id "${id}"`, `component_ids.${index}`);
  }
  const next = nextIncidentState({
    current: incident.state,
    kind: incident.kind,
    status: request.status,
    componentChanges: request.componentChanges,
    previouslyAffected: [...incident.componentIds, ...request.componentIds],
    components: componentMap,
    impact: incident.impact,
    nextUpdateDueAt: incident.nextUpdateDueAt,
    nextUpdateInMinutes: request.nextUpdateInMinutes,
    impactOverride: request.impactOverride,
    now,
  });

  for (const t of next.transitions) {
    if (t.oldStatus === t.newStatus) continue;
    await tx
      .update(components)
      .set({ status: t.newStatus, updatedAt: now, version: sql`${components.version} + 1` })
      .where(eq(components.id, t.id));
    await tx
      .insert(componentStatusChanges)
      .values({ componentId: t.id, status: t.newStatus, changedAt: now, incidentId: incident.id });
  }
  if (next.componentIds.length > 0) {
    await tx
      .insert(incidentComponents)
      .values(next.componentIds.map((componentId) => ({ incidentId: incident.id, componentId })))
      .onConflictDoNothing();
  }

  const [update] = await tx
    .insert(incidentUpdates)
    .values({
      id: newId(),
      incidentId: incident.id,
      status: request.status,
      body: stripControlCharacters(request.body),
      displayAt: now,
      createdAt: now,
      updatedAt: now,
      affectedComponents: next.transitions,
      deliverNotifications: request.deliverNotifications,
    })
    .returning();

  return {
    update: update!,
    /** The incident's affected components after this update (its links, as a re-read would give them). */
    componentIds: next.componentIds,
    fields: {
      status: next.status,
      startedAt: next.startedAt,
      monitoringAt: next.monitoringAt,
      resolvedAt: next.resolvedAt,
      impact: next.impact,
      nextUpdateDueAt: next.nextUpdateDueAt,
      // Every update answers the overdue reminder; a new promise that passes starts them again.
      overdueRemindedAt: null,
      updatedAt: now,
    },
  };
}

export async function saveIncidentFields(tx: Transaction, id: string, fields: Partial<typeof incidents.$inferInsert>) {
  const [row] = await tx
    .update(incidents)
    .set({ ...fields, version: sql`${incidents.version} + 1` })
    .where(eq(incidents.id, id))
    .returning();
  return row!;
}
