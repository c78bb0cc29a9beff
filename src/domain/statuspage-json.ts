import { incidentUrl } from './site-url.ts';
import { worstComponentStatus, type PageStatus } from './status-rollup.ts';
import {
  activeMaintenances,
  overallStatus,
  publicComponents,
  publicTransitions,
  unresolvedIncidents,
  upcomingMaintenances,
  type ComponentView,
  type GroupView,
  type IncidentView,
  type Snapshot,
  type UpdateView,
} from './snapshot.ts';

// The public JSON in Atlassian Statuspage's /api/v2 shape: field names, enums and
// nesting as Statuspage publishes them, so existing clients parse it unchanged.

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function pageJson(snapshot: Snapshot) {
  const { page } = snapshot;
  return { id: page.id, name: page.name, url: page.siteUrl, time_zone: page.timeZone, updated_at: iso(page.updatedAt) };
}

export function componentJson(snapshot: Snapshot, c: ComponentView) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    position: c.position,
    description: c.description,
    showcase: c.showcase,
    start_date: c.startDate ? c.startDate.toISOString().slice(0, 10) : null,
    group_id: c.groupId,
    page_id: snapshot.page.id,
    group: false,
    only_show_if_degraded: c.onlyShowIfDegraded,
  };
}

function groupJson(snapshot: Snapshot, g: GroupView, members: ComponentView[]) {
  return {
    id: g.id,
    name: g.name,
    status: worstComponentStatus(members.map((m) => m.status)),
    created_at: iso(g.createdAt),
    updated_at: iso(g.updatedAt),
    position: g.position,
    description: g.description,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: snapshot.page.id,
    group: true,
    only_show_if_degraded: false,
    components: members.map((m) => m.id),
  };
}

/** Position, then name, then id: a total order, so equal positions never trade places between publishes. */
function byPlace(
  a: { position: number; name: string; id: string },
  b: { position: number; name: string; id: string },
): number {
  return (
    a.position - b.position ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * Groups and components in one list, as Statuspage lists them (hidden ones left out), in
 * one stable order: groups and ungrouped components by place, each group followed by its
 * members by place. Members of different groups share positions, so one sort of the whole
 * list would interleave the groups.
 */
export function componentsJson(snapshot: Snapshot) {
  const shown = publicComponents(snapshot);
  const listed = new Set<string>();
  const entries: Array<{
    place: GroupView | ComponentView;
    items: Array<ReturnType<typeof componentJson> | ReturnType<typeof groupJson>>;
  }> = [];
  for (const group of snapshot.groups) {
    if (group.hidden) continue;
    const members = shown.filter((c) => c.groupId === group.id).sort(byPlace);
    if (members.length === 0) continue;
    for (const member of members) listed.add(member.id);
    entries.push({
      place: group,
      items: [groupJson(snapshot, group, members), ...members.map((m) => componentJson(snapshot, m))],
    });
  }
  for (const component of shown)
    if (!listed.has(component.id)) entries.push({ place: component, items: [componentJson(snapshot, component)] });
  return entries.sort((a, b) => byPlace(a.place, b.place)).flatMap((entry) => entry.items);
}

function updateJson(snapshot: Snapshot, u: UpdateView) {
  return {
    id: u.id,
    status: u.status,
    body: u.body,
    incident_id: u.incidentId,
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
    display_at: iso(u.displayAt),
    affected_components: publicTransitions(snapshot, u).map((t) => ({
      code: t.id,
      name: t.name,
      old_status: t.oldStatus,
      new_status: t.newStatus,
    })),
    deliver_notifications: u.deliverNotifications,
    custom_tweet: null,
    tweet_id: null,
  };
}

export function incidentJson(snapshot: Snapshot, i: IncidentView) {
  const byId = new Map(publicComponents(snapshot).map((c) => [c.id, c]));
  const base = {
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: iso(i.monitoringAt),
    resolved_at: iso(i.resolvedAt),
    impact: i.impact,
    shortlink: incidentUrl(snapshot.page.siteUrl, i.id),
    started_at: iso(i.startedAt),
    page_id: snapshot.page.id,
    incident_updates: i.updates.map((u) => updateJson(snapshot, u)),
    components: i.componentIds.flatMap((id) => {
      const component = byId.get(id);
      return component ? [componentJson(snapshot, component)] : [];
    }),
  };
  if (i.kind !== 'maintenance') return base;
  return { ...base, scheduled_for: iso(i.scheduledFor), scheduled_until: iso(i.scheduledUntil) };
}

const statusJson = (status: PageStatus) => ({ indicator: status.indicator, description: status.description });

const incidentsOnly = (snapshot: Snapshot) => snapshot.incidents.filter((i) => i.kind === 'incident');
const maintenancesOnly = (snapshot: Snapshot) => snapshot.incidents.filter((i) => i.kind === 'maintenance');

export function summaryJson(snapshot: Snapshot) {
  return {
    page: pageJson(snapshot),
    components: componentsJson(snapshot),
    incidents: unresolvedIncidents(snapshot).map((i) => incidentJson(snapshot, i)),
    scheduled_maintenances: [...activeMaintenances(snapshot), ...upcomingMaintenances(snapshot)].map((i) =>
      incidentJson(snapshot, i),
    ),
    status: statusJson(overallStatus(snapshot)),
  };
}

const pageOnly = (snapshot: Snapshot) => ({ page: pageJson(snapshot) });
const incidentList = (snapshot: Snapshot, list: IncidentView[]) => list.map((i) => incidentJson(snapshot, i));

/** Every file under /api/v2/, by its path below that folder. */
export const STATUSPAGE_API_FILES: Record<string, (snapshot: Snapshot) => unknown> = {
  'summary.json': summaryJson,
  'status.json': (s) => ({ ...pageOnly(s), status: statusJson(overallStatus(s)) }),
  'components.json': (s) => ({ ...pageOnly(s), components: componentsJson(s) }),
  'incidents.json': (s) => ({ ...pageOnly(s), incidents: incidentList(s, incidentsOnly(s).slice(0, 50)) }),
  'incidents/unresolved.json': (s) => ({ ...pageOnly(s), incidents: incidentList(s, unresolvedIncidents(s)) }),
  'scheduled-maintenances.json': (s) => ({
    ...pageOnly(s),
    scheduled_maintenances: incidentList(s, maintenancesOnly(s).slice(0, 50)),
  }),
  'scheduled-maintenances/upcoming.json': (s) => ({
    ...pageOnly(s),
    scheduled_maintenances: incidentList(s, upcomingMaintenances(s)),
  }),
  'scheduled-maintenances/active.json': (s) => ({
    ...pageOnly(s),
    scheduled_maintenances: incidentList(s, activeMaintenances(s)),
  }),
};
