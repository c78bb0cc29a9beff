import { readSnapshot } from '../../db/snapshot-queries.ts';
import { nextIncidentState, type ComponentRef } from '../../domain/incident-lifecycle.ts';
import type { ComponentView, IncidentView, PageInfo, Snapshot, UpdateView } from '../../domain/snapshot.ts';
import type { Impact } from '../../domain/vocabulary.ts';
import type { IncidentCreateInput, UpdateInput } from '../incidents/incident-input.ts';
import type { HeraldServices } from '../services.ts';

// The admin shows incidents with the public page's own components (UpdateTimeline and
// friends render from a Snapshot), read by the publisher's own snapshot reader, and
// previews an unsent update with nextIncidentState, the rule posting it runs.

/**
 * The snapshot the admin draws incidents on, read like a publish's (readSnapshot): the page,
 * its components and groups, and the incidents named; no uptime history.
 */
export function readAdminSnapshot(herald: HeraldServices, incidentIds: readonly string[] = []): Promise<Snapshot> {
  return readSnapshot(herald.db, {
    pageId: 'admin',
    siteUrl: herald.siteUrl,
    appUrl: herald.appUrl,
    now: herald.now(),
    incidents: incidentIds,
    history: 'none',
  });
}

/** What the admin's forms and layout use of the page's settings, from a snapshot's page. */
export function formSettingsOf(page: PageInfo) {
  return { name: page.name, time_zone: page.timeZone, default_language: page.defaultLanguage };
}

interface PreviewRequest {
  status: IncidentView['status'];
  body: string;
  components?: Record<string, ComponentView['status']> | undefined;
  component_ids?: string[] | undefined;
  impact_override?: Impact | undefined;
  next_update_in_minutes?: number | null | undefined;
}

function preview(
  snapshot: Snapshot,
  current: IncidentView | null,
  base: Omit<
    IncidentView,
    'updates' | 'status' | 'impact' | 'startedAt' | 'monitoringAt' | 'resolvedAt' | 'nextUpdateDueAt' | 'componentIds'
  >,
  request: PreviewRequest,
): IncidentView {
  const now = snapshot.now;
  const components = new Map<string, ComponentRef>(
    snapshot.components.map((c) => [c.id, { id: c.id, name: c.name, status: c.status }]),
  );
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
      seriesId: null,
      occurrenceStart: null,
      detached: false,
    },
    { ...input, status },
  );
  return status === 'scheduled' && input.scheduled_for ? { ...view, startedAt: input.scheduled_for } : view;
}

/** The incident as the public page would show it with this update posted. */
export function previewUpdate(snapshot: Snapshot, current: IncidentView, input: UpdateInput): IncidentView {
  const {
    updates: _u,
    status: _s,
    impact: _i,
    startedAt: _st,
    monitoringAt: _m,
    resolvedAt: _r,
    nextUpdateDueAt: _n,
    componentIds: _c,
    ...base
  } = current;
  return preview(snapshot, current, { ...base, updatedAt: snapshot.now }, input);
}
