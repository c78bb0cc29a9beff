import { asc, desc, eq } from 'drizzle-orm';
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

/** Reads everything the public site shows. Run it in a repeatable-read transaction so it sees one revision. */
export async function loadSnapshot(db: Queryable, options: { siteUrl: string; now: Date }): Promise<Snapshot> {
  const [settingsRows, stateRows, groupRows, componentRows, incidentRows, linkRows, updateRows] = await Promise.all([
    db.select().from(pageSettings).where(eq(pageSettings.id, 1)),
    db.select().from(siteState).where(eq(siteState.id, 1)),
    db.select().from(componentGroups).orderBy(asc(componentGroups.position)),
    db.select().from(components).orderBy(asc(components.position)),
    db.select().from(incidents).orderBy(desc(incidents.startedAt), desc(incidents.createdAt)),
    db.select().from(incidentComponents),
    db.select().from(incidentUpdates).orderBy(desc(incidentUpdates.displayAt), desc(incidentUpdates.createdAt)),
  ]);
  const settings = settingsRows[0];
  const state = stateRows[0];

  const updatesByIncident = new Map<string, UpdateView[]>();
  for (const row of updateRows) {
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
  const incidentViews: IncidentView[] = incidentRows.map(({ autoStart: _a, autoComplete: _c, version: _v, ...row }) => ({
    ...row,
    componentIds: componentIdsByIncident.get(row.id) ?? [],
    updates: updatesByIncident.get(row.id) ?? [],
  }));

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
    incidents: incidentViews,
  };
}

/** Statuspage gives every page a short id; Herald derives a stable one from its URL. */
function pageId(siteUrl: string): string {
  let hash = 2166136261;
  for (const char of siteUrl) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash.toString(36).padStart(7, '0').slice(0, 12);
}
