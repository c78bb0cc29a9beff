import type { ComponentTransition } from './incident-lifecycle.ts';
import type { SeriesView } from './recurrence.ts';
import { isClosedStatus } from './incident-lifecycle.ts';
import { pageStatus, worstComponentStatus, type PageStatus } from './status-rollup.ts';
import type { StatusChange } from './uptime.ts';
import type { ComponentStatus, EventKind, EventStatus, Impact, Language } from './vocabulary.ts';

// One snapshot feeds every public output (HTML, JSON, feeds, widget data, emails), so
// they cannot disagree. It is plain data: loading it is the only I/O.

export interface PageInfo {
  id: string;
  name: string;
  /** Absolute URL of the status site (SITE_URL), never derived from a request. */
  siteUrl: string;
  /**
   * Absolute URL where Herald itself answers (HERALD_APP_URL): forms and subscriber pages.
   * Equal to siteUrl when Herald serves the site too, and then those links stay relative.
   */
  appUrl: string;
  homepageUrl: string | null;
  timeZone: string;
  brandColor: string;
  logoUrl: string | null;
  supportUrl: string | null;
  /** The language of the unprefixed URLs; the others live under /<language>/. */
  defaultLanguage: Language;
  /** How much of a partial outage counts as downtime (0..1). */
  partialOutageWeight: number;
  updatedAt: Date;
}

export interface GroupView {
  id: string;
  name: string;
  description: string | null;
  position: number;
  hidden: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ComponentView {
  id: string;
  groupId: string | null;
  name: string;
  description: string | null;
  position: number;
  status: ComponentStatus;
  showcase: boolean;
  onlyShowIfDegraded: boolean;
  hidden: boolean;
  startDate: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UpdateView {
  id: string;
  incidentId: string;
  status: EventStatus;
  body: string;
  displayAt: Date;
  createdAt: Date;
  updatedAt: Date;
  affectedComponents: ComponentTransition[];
  deliverNotifications: boolean;
}

export interface IncidentView {
  id: string;
  kind: EventKind;
  name: string;
  status: EventStatus;
  impact: Impact;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  scheduledFor: Date | null;
  scheduledUntil: Date | null;
  nextUpdateDueAt: Date | null;
  postmortemBody: string | null;
  postmortemPublishedAt: Date | null;
  componentIds: string[];
  /** Newest first. */
  updates: UpdateView[];
  /** The recurring maintenance it is an occurrence of, the occurrence's rule start, and whether it was moved or edited on its own. */
  seriesId: string | null;
  occurrenceStart: Date | null;
  detached: boolean;
}

export interface Snapshot {
  revision: number;
  /** The moment the snapshot describes: "upcoming", "overdue" and "today" are relative to it. */
  now: Date;
  page: PageInfo;
  groups: GroupView[];
  components: ComponentView[];
  /** Incidents and maintenances, newest first (by start, then creation). */
  incidents: IncidentView[];
  /** Recurring maintenance windows (each occurrence is also in `incidents` once announced). */
  series: SeriesView[];
  /**
   * Each component's status history for uptime, oldest first: about the last 13 months,
   * led by the last change before them (the status the window starts in).
   */
  statusChanges: Record<string, StatusChange[]>;
}

// Every public route of one publish asks these of the same snapshot; each is worked out
// once per snapshot (a pass over every incident of the page's history).
const memos = new WeakMap<Snapshot, Map<string, unknown>>();
function perSnapshot<T>(snapshot: Snapshot, key: string, compute: () => T): T {
  let memo = memos.get(snapshot);
  if (!memo) memos.set(snapshot, (memo = new Map()));
  if (!memo.has(key)) memo.set(key, compute());
  return memo.get(key) as T;
}

export interface GroupedComponents {
  group: GroupView | null;
  /** A group shows its worst member's status. */
  status: ComponentStatus;
  components: ComponentView[];
}

const byPosition = <T extends { position: number; name: string }>(a: T, b: T) =>
  a.position - b.position || a.name.localeCompare(b.name);

/** Components listed on the page: public ones, less "only show if degraded" ones that are fine. */
export function visibleComponents(snapshot: Snapshot): ComponentView[] {
  return publicComponents(snapshot).filter((c) => !(c.onlyShowIfDegraded && c.status === 'operational'));
}

/** Ungrouped components and groups interleaved by position, as the page lists them. */
export function groupComponents(snapshot: Snapshot): GroupedComponents[] {
  const visible = visibleComponents(snapshot);
  const entries: Array<GroupedComponents & { position: number; name: string }> = [];
  for (const group of snapshot.groups) {
    if (group.hidden) continue;
    const members = visible.filter((c) => c.groupId === group.id).sort(byPosition);
    if (members.length === 0) continue;
    entries.push({
      group,
      position: group.position,
      name: group.name,
      status: worstComponentStatus(members.map((c) => c.status)),
      components: members,
    });
  }
  const knownGroups = new Set(snapshot.groups.map((g) => g.id));
  for (const component of visible) {
    if (component.groupId && knownGroups.has(component.groupId)) continue;
    entries.push({
      group: null,
      position: component.position,
      name: component.name,
      status: component.status,
      components: [component],
    });
  }
  return entries.sort(byPosition).map(({ group, status, components }) => ({ group, status, components }));
}

// A change publish looks up a handful of incidents in each new snapshot, nearly always
// recent ones, which come first: scanning finds them before an index of 10,000 would be
// built. A snapshot asked more often (a full publish renders every incident's page) is indexed.
const SCANS_BEFORE_INDEX = 16;
const incidentLookups = new WeakMap<Snapshot, { scans: number; index?: Map<string, IncidentView> }>();

/** Looks an incident up by id. */
export function findIncident(snapshot: Snapshot, id: string | undefined): IncidentView | undefined {
  if (id === undefined) return undefined;
  let lookups = incidentLookups.get(snapshot);
  if (!lookups) incidentLookups.set(snapshot, (lookups = { scans: 0 }));
  if (!lookups.index && lookups.scans++ < SCANS_BEFORE_INDEX) return snapshot.incidents.find((i) => i.id === id);
  lookups.index ??= new Map(snapshot.incidents.map((i) => [i.id, i]));
  return lookups.index.get(id);
}

export function isActive(incident: IncidentView): boolean {
  if (incident.kind === 'maintenance') return incident.status === 'in_progress' || incident.status === 'verifying';
  return !isClosedStatus(incident.status);
}

/** Incidents not resolved, and maintenances under way or scheduled: the events that are not history yet. */
function openEvents(snapshot: Snapshot): IncidentView[] {
  return perSnapshot(snapshot, 'open', () =>
    snapshot.incidents.filter((i) => isActive(i) || (i.kind === 'maintenance' && i.status === 'scheduled')),
  );
}

export function unresolvedIncidents(snapshot: Snapshot): IncidentView[] {
  return openEvents(snapshot).filter((i) => i.kind === 'incident');
}

export function activeMaintenances(snapshot: Snapshot): IncidentView[] {
  return openEvents(snapshot).filter((i) => i.kind === 'maintenance' && isActive(i));
}

/** Scheduled and not yet started, soonest first. */
export function upcomingMaintenances(snapshot: Snapshot): IncidentView[] {
  return openEvents(snapshot)
    .filter((i) => i.kind === 'maintenance' && i.status === 'scheduled')
    .sort((a, b) => (a.scheduledFor?.getTime() ?? 0) - (b.scheduledFor?.getTime() ?? 0));
}

/** Components the public may know about: not hidden, and not in a hidden group. */
export function publicComponents(snapshot: Snapshot): ComponentView[] {
  return perSnapshot(snapshot, 'public', () => {
    const hiddenGroups = new Set(snapshot.groups.filter((g) => g.hidden).map((g) => g.id));
    return snapshot.components.filter((c) => !c.hidden && !(c.groupId && hiddenGroups.has(c.groupId)));
  });
}

const publicNames = (snapshot: Snapshot) =>
  perSnapshot(snapshot, 'publicNames', () => new Map(publicComponents(snapshot).map((c) => [c.id, c.name])));

/** An update's component changes without those of components the public may not see. */
export function publicTransitions(snapshot: Snapshot, update: UpdateView): ComponentTransition[] {
  const shown = publicNames(snapshot);
  return update.affectedComponents.filter((t) => shown.has(t.id));
}

export function overallStatus(snapshot: Snapshot): PageStatus {
  return perSnapshot(snapshot, 'status', () => {
    const leafStatuses = publicComponents(snapshot).map((c) => c.status);
    const activeImpacts = openEvents(snapshot)
      .filter(isActive)
      .map((i) => i.impact);
    return pageStatus(leafStatuses, activeImpacts);
  });
}

export function isUpdateOverdue(incident: IncidentView, now: Date): boolean {
  return isActive(incident) && incident.nextUpdateDueAt !== null && incident.nextUpdateDueAt.getTime() < now.getTime();
}

export function componentNames(snapshot: Snapshot, ids: readonly string[]): string[] {
  const byId = publicNames(snapshot);
  return ids.flatMap((id) => byId.get(id) ?? []);
}

const newestFirst = (a: IncidentView, b: IncidentView) =>
  b.startedAt.getTime() - a.startedAt.getTime() || b.createdAt.getTime() - a.createdAt.getTime();

/** The snapshot after a change: its new parts, and the previous incidents with those it changed merged in. */
export function advanceSnapshot(
  previous: Snapshot,
  parts: Omit<Snapshot, 'incidents'>,
  changed: readonly IncidentView[],
  ids: readonly string[],
): Snapshot {
  return { ...parts, incidents: mergeIncidents(previous.incidents, changed, ids) };
}

/**
 * The incident list after a change: `previous` with the incidents named in `ids` replaced
 * by `changed` (an id missing from `changed` was deleted). Both lists are newest first, so
 * this merges rather than sorting the whole history again.
 */
function mergeIncidents(
  previous: readonly IncidentView[],
  changed: readonly IncidentView[],
  ids: readonly string[],
): IncidentView[] {
  const replaced = new Set(ids);
  const kept = previous.filter((i) => !replaced.has(i.id));
  const merged: IncidentView[] = [];
  const fresh = [...changed].sort(newestFirst);
  let k = 0;
  for (const incident of fresh) {
    while (k < kept.length && newestFirst(kept[k]!, incident) <= 0) merged.push(kept[k++]!);
    merged.push(incident);
  }
  while (k < kept.length) merged.push(kept[k++]!);
  return merged;
}
