import { asc, desc, eq, inArray } from 'drizzle-orm';
import type { IncidentView, Snapshot, UpdateView } from '../domain/snapshot.ts';
import type { Queryable } from './client.ts';
import {
  componentGroups,
  components,
  incidentComponents,
  incidents,
  incidentUpdates,
  pageSettings,
  siteState,
} from './schema.ts';

export const DEFAULT_PAGE_NAME = 'Herald';

type SnapshotOptions = { siteUrl: string; now: Date };

/** Everything but the incidents: small, so always read whole. */
async function loadPageParts(db: Queryable, options: SnapshotOptions): Promise<Omit<Snapshot, 'incidents'>> {
  const [settingsRows, stateRows, groupRows, componentRows] = await Promise.all([
    db.select().from(pageSettings).where(eq(pageSettings.id, 1)),
    db.select().from(siteState).where(eq(siteState.id, 1)),
    db.select().from(componentGroups).orderBy(asc(componentGroups.position)),
    db.select().from(components).orderBy(asc(components.position)),
  ]);
  const settings = settingsRows[0];
  const state = stateRows[0];
  return {
    revision: state?.revision ?? 0,
    now: options.now,
    page: {
      id: pageId(options.siteUrl),
      name: settings?.name ?? DEFAULT_PAGE_NAME,
      siteUrl: options.siteUrl,
      homepageUrl: settings?.homepageUrl ?? null,
      timeZone: settings?.timeZone ?? 'Etc/UTC',
      brandColor: settings?.brandColor ?? '#2563eb',
      logoUrl: settings?.logoUrl ?? null,
      supportUrl: settings?.supportUrl ?? null,
      updatedAt: state?.revisedAt ?? options.now,
    },
    groups: groupRows.map(({ version: _v, ...g }) => g),
    components: componentRows.map(({ version: _v, ...c }) => c),
  };
}

/** Incidents with their updates (newest first) and affected components; all of them, or those named. */
async function loadIncidents(db: Queryable, ids?: readonly string[]): Promise<IncidentView[]> {
  if (ids && ids.length === 0) return [];
  const only = <T>(column: T) => (ids ? inArray(column as never, ids as string[]) : undefined);
  const [incidentRows, linkRows, updateRows] = await Promise.all([
    db.select().from(incidents).where(only(incidents.id)).orderBy(desc(incidents.startedAt), desc(incidents.createdAt)),
    db.select().from(incidentComponents).where(only(incidentComponents.incidentId)),
    db.select().from(incidentUpdates).where(only(incidentUpdates.incidentId)).orderBy(desc(incidentUpdates.displayAt), desc(incidentUpdates.createdAt)),
  ]);
  const updatesByIncident = new Map<string, UpdateView[]>();
  for (const { version: _v, ...row } of updateRows) {
    const list = updatesByIncident.get(row.incidentId) ?? [];
    list.push({ ...row, affectedComponents: row.affectedComponents ?? [] });
    updatesByIncident.set(row.incidentId, list);
  }
  const componentIdsByIncident = new Map<string, string[]>();
  for (const link of linkRows) {
    const list = componentIdsByIncident.get(link.incidentId) ?? [];
    list.push(link.componentId);
    componentIdsByIncident.set(link.incidentId, list);
  }
  return incidentRows.map(({ autoStart: _a, autoComplete: _c, version: _v, ...row }) => ({
    ...row,
    componentIds: componentIdsByIncident.get(row.id) ?? [],
    updates: updatesByIncident.get(row.id) ?? [],
  }));
}

const newestFirst = (a: IncidentView, b: IncidentView) => b.startedAt.getTime() - a.startedAt.getTime() || b.createdAt.getTime() - a.createdAt.getTime();

/** Reads everything the public site shows. Run it in a repeatable-read transaction so it sees one revision. */
export async function loadSnapshot(db: Queryable, options: SnapshotOptions): Promise<Snapshot> {
  const [parts, all] = await Promise.all([loadPageParts(db, options), loadIncidents(db)]);
  return { ...parts, incidents: all };
}

/**
 * A new snapshot from an earlier one, re-reading only what can have changed: the page,
 * the components, and the incidents named (a deleted one drops out). Everything else is
 * shared with `previous`, so it costs milliseconds however long the history.
 */
export async function refreshSnapshot(db: Queryable, previous: Snapshot, incidentIds: readonly string[], options: SnapshotOptions): Promise<Snapshot> {
  const [parts, changed] = await Promise.all([loadPageParts(db, options), loadIncidents(db, incidentIds)]);
  const replaced = new Set(incidentIds);
  const kept = previous.incidents.filter((i) => !replaced.has(i.id));
  // Both lists are newest first: merge rather than sort 10,000 entries again.
  const merged: IncidentView[] = [];
  const fresh = [...changed].sort(newestFirst);
  let k = 0;
  for (const incident of fresh) {
    while (k < kept.length && newestFirst(kept[k]!, incident) <= 0) merged.push(kept[k++]!);
    merged.push(incident);
  }
  while (k < kept.length) merged.push(kept[k++]!);
  return { ...parts, incidents: merged };
}

/** Statuspage gives every page a short id; Herald derives a stable one from its URL. */
function pageId(siteUrl: string): string {
  let hash = 2166136261;
  for (const char of siteUrl) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash.toString(36).padStart(7, '0').slice(0, 12);
}
