import { nextIncidentState, type ComponentRef } from '../../domain/incident-lifecycle.ts';
import type { ComponentView, GroupView, IncidentView, Snapshot, UpdateView } from '../../domain/snapshot.ts';
import type { Impact } from '../../domain/vocabulary.ts';
import type { IncidentCreateInput, UpdateInput } from '../incidents/incident-input.ts';
import type { componentResource, groupResource, IncidentResource } from '../resources.ts';
import type { settingsResource } from '../settings/manage-settings.ts';

// The admin shows incidents with the public page's own components (UpdateTimeline and
// friends render from a Snapshot). These build one from the admin API's resources, and
// preview an unsent update with nextIncidentState, the rule posting it runs.

type ComponentResource = ReturnType<typeof componentResource>;
type GroupResource = ReturnType<typeof groupResource>;
type SettingsResource = ReturnType<typeof settingsResource>;

const date = (iso: string | null) => (iso ? new Date(iso) : null);
const dateOr = (iso: string | null, fallback: Date) => date(iso) ?? fallback;

export function componentViewOf(c: ComponentResource): ComponentView {
  const created = dateOr(c.created_at, new Date(0));
  return {
    id: c.id,
    groupId: c.group_id,
    name: c.name,
    description: c.description,
    position: c.position,
    status: c.status,
    showcase: c.showcase,
    onlyShowIfDegraded: c.only_show_if_degraded,
    hidden: c.hidden,
    startDate: c.start_date ? new Date(`${c.start_date}T00:00:00Z`) : null,
    createdAt: created,
    updatedAt: dateOr(c.updated_at, created),
  };
}

export function groupViewOf(g: GroupResource): GroupView {
  const created = dateOr(g.created_at, new Date(0));
  return { id: g.id, name: g.name, description: g.description, position: g.position, hidden: g.hidden, createdAt: created, updatedAt: dateOr(g.updated_at, created) };
}

export function incidentViewOf(i: IncidentResource): IncidentView {
  const created = dateOr(i.created_at, new Date(0));
  return {
    id: i.id,
    kind: i.kind,
    name: i.name,
    status: i.status,
    impact: i.impact,
    createdAt: created,
    updatedAt: dateOr(i.updated_at, created),
    startedAt: dateOr(i.started_at, created),
    monitoringAt: date(i.monitoring_at),
    resolvedAt: date(i.resolved_at),
    scheduledFor: date(i.scheduled_for),
    scheduledUntil: date(i.scheduled_until),
    nextUpdateDueAt: date(i.next_update_due_at),
    postmortemBody: i.postmortem_body,
    postmortemPublishedAt: date(i.postmortem_published_at),
    componentIds: i.component_ids,
    updates: i.incident_updates.map(
      (u): UpdateView => ({
        id: u.id,
        incidentId: u.incident_id,
        status: u.status,
        body: u.body,
        displayAt: dateOr(u.display_at, created),
        createdAt: dateOr(u.created_at, created),
        updatedAt: dateOr(u.updated_at, created),
        affectedComponents: u.affected_components.map((t) => ({ id: t.code, name: t.name, oldStatus: t.old_status, newStatus: t.new_status })),
        deliverNotifications: u.deliver_notifications,
      }),
    ),
  };
}

export interface AdminData {
  settings: SettingsResource;
  components: ComponentResource[];
  groups: GroupResource[];
  incidents?: IncidentResource[];
  siteUrl: string;
  /** HERALD_APP_URL; siteUrl when unset. */
  appUrl?: string;
  now: Date;
  revision?: number;
}

/** A snapshot of what the admin loaded, for rendering with the public components. */
export function adminSnapshot(data: AdminData): Snapshot {
  return {
    revision: data.revision ?? 0,
    now: data.now,
    page: {
      id: 'admin',
      name: data.settings.name,
      siteUrl: data.siteUrl,
      appUrl: data.appUrl ?? data.siteUrl,
      homepageUrl: data.settings.homepage_url,
      timeZone: data.settings.time_zone,
      brandColor: data.settings.brand_color,
      logoUrl: data.settings.logo_url,
      supportUrl: data.settings.support_url,
      defaultLanguage: data.settings.default_language,
      partialOutageWeight: data.settings.partial_outage_weight,
      updatedAt: new Date(data.settings.updated_at),
    },
    groups: data.groups.map(groupViewOf),
    components: data.components.map(componentViewOf),
    incidents: (data.incidents ?? []).map(incidentViewOf),
    statusChanges: {},
  };
}

interface PreviewRequest {
  status: IncidentView['status'];
  body: string;
  components?: Record<string, ComponentView['status']> | undefined;
  component_ids?: string[] | undefined;
  impact_override?: Impact | undefined;
  next_update_in_minutes?: number | null | undefined;
}

function preview(snapshot: Snapshot, current: IncidentView | null, base: Omit<IncidentView, 'updates' | 'status' | 'impact' | 'startedAt' | 'monitoringAt' | 'resolvedAt' | 'nextUpdateDueAt' | 'componentIds'>, request: PreviewRequest): IncidentView {
  const now = snapshot.now;
  const components = new Map<string, ComponentRef>(snapshot.components.map((c) => [c.id, { id: c.id, name: c.name, status: c.status }]));
  // Throws the same RuleViolation (naming the field) that posting the update would.
  const next = nextIncidentState({
    current,
    kind: base.kind,
    status: request.status,
    componentChanges: request.components ?? {},
    previouslyAffected: [...(current?.componentIds ?? []), ...(request.component_ids ?? [])],
    components,
    impact: current?.impact ?? 'none',
    nextUpdateDueAt: current?.nextUpdateDueAt ?? null,
    nextUpdateInMinutes: request.next_update_in_minutes,
    impactOverride: request.impact_override,
    now,
  });
  const update: UpdateView = {
    id: 'preview',
    incidentId: base.id,
    status: request.status,
    body: request.body,
    displayAt: now,
    createdAt: now,
    updatedAt: now,
    affectedComponents: next.transitions,
    deliverNotifications: true,
  };
  return {
    ...base,
    status: next.status,
    impact: next.impact,
    startedAt: next.startedAt,
    monitoringAt: next.monitoringAt,
    resolvedAt: next.resolvedAt,
    nextUpdateDueAt: next.nextUpdateDueAt,
    componentIds: next.componentIds,
    updates: [update, ...(current?.updates ?? [])],
  };
}

/** The incident as the public page would show it once created. */
export function previewNewIncident(snapshot: Snapshot, input: IncidentCreateInput): IncidentView {
  const kind = input.kind ?? (input.scheduled_for ? 'maintenance' : 'incident');
  const status = input.status ?? (kind === 'maintenance' ? 'scheduled' : 'investigating');
  const view = preview(
    snapshot,
    null,
    {
      id: 'preview',
      kind,
      name: input.name,
      createdAt: snapshot.now,
      updatedAt: snapshot.now,
      scheduledFor: input.scheduled_for ?? null,
      scheduledUntil: input.scheduled_until ?? null,
      postmortemBody: null,
      postmortemPublishedAt: null,
    },
    { ...input, status },
  );
  return status === 'scheduled' && input.scheduled_for ? { ...view, startedAt: input.scheduled_for } : view;
}

/** The incident as the public page would show it with this update posted. */
export function previewUpdate(snapshot: Snapshot, current: IncidentView, input: UpdateInput): IncidentView {
  const { updates: _u, status: _s, impact: _i, startedAt: _st, monitoringAt: _m, resolvedAt: _r, nextUpdateDueAt: _n, componentIds: _c, ...base } = current;
  return preview(snapshot, current, { ...base, updatedAt: snapshot.now }, input);
}
