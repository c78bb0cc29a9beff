import type { componentGroups, components, incidents } from '../db/schema.ts';
import type { UpdateRow } from '../db/snapshot-queries.ts';

// The JSON shapes of the admin API: Statuspage's manage-API field names where one exists,
// plus `version` for optimistic concurrency.

type ComponentRow = typeof components.$inferSelect;
type GroupRow = typeof componentGroups.$inferSelect;
type IncidentRow = typeof incidents.$inferSelect;

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export function componentResource(c: ComponentRow) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    group_id: c.groupId,
    position: c.position,
    showcase: c.showcase,
    only_show_if_degraded: c.onlyShowIfDegraded,
    hidden: c.hidden,
    start_date: c.startDate ? c.startDate.toISOString().slice(0, 10) : null,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    version: c.version,
  };
}

export function groupResource(g: GroupRow, memberIds: string[]) {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    position: g.position,
    hidden: g.hidden,
    components: memberIds,
    created_at: iso(g.createdAt),
    updated_at: iso(g.updatedAt),
    version: g.version,
  };
}

export function updateResource(u: UpdateRow) {
  return {
    id: u.id,
    incident_id: u.incidentId,
    status: u.status,
    body: u.body,
    display_at: iso(u.displayAt),
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
    deliver_notifications: u.deliverNotifications,
    affected_components: u.affectedComponents.map((t) => ({
      code: t.id,
      name: t.name,
      old_status: t.oldStatus,
      new_status: t.newStatus,
    })),
    version: u.version,
  };
}

export function incidentResource(i: IncidentRow, updates: UpdateRow[], componentIds: string[]) {
  return {
    id: i.id,
    kind: i.kind,
    name: i.name,
    status: i.status,
    impact: i.impact,
    /** Internal (sev1…sev4); the public sees the impact. */
    severity: i.severity,
    incident_manager_id: i.incidentManagerId,
    communications_lead_id: i.communicationsLeadId,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    started_at: iso(i.startedAt),
    monitoring_at: iso(i.monitoringAt),
    resolved_at: iso(i.resolvedAt),
    scheduled_for: iso(i.scheduledFor),
    scheduled_until: iso(i.scheduledUntil),
    scheduled_auto_in_progress: i.autoStart,
    scheduled_auto_completed: i.autoComplete,
    next_update_due_at: iso(i.nextUpdateDueAt),
    postmortem_body: i.postmortemBody,
    postmortem_published_at: iso(i.postmortemPublishedAt),
    component_ids: componentIds,
    // A recurring maintenance's occurrence: its series, its start by the rule, and whether it was moved on its own.
    ...(i.seriesId ? { series_id: i.seriesId, occurrence_start: iso(i.occurrenceStart), detached: i.detached } : {}),
    incident_updates: [...updates].sort((a, b) => b.displayAt.getTime() - a.displayAt.getTime()).map(updateResource),
    version: i.version,
  };
}

export type IncidentResource = ReturnType<typeof incidentResource>;

/**
 * An incident's own fields, without its updates: what an audit entry keeps of a change that
 * leaves the updates be (all of them again, before and after, would grow with each change).
 */
export function incidentFields(i: IncidentRow, componentIds: string[]): Omit<IncidentResource, 'incident_updates'> {
  const { incident_updates: _updates, ...fields } = incidentResource(i, [], componentIds);
  return fields;
}
