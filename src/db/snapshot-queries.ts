import { and, asc, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { languageOr } from '../domain/i18n/translator.ts';
import type { IncidentView, Snapshot, UpdateView } from '../domain/snapshot.ts';
import type { StatusChange } from '../domain/uptime.ts';
import type { ComponentStatus } from '../domain/vocabulary.ts';
import type { Queryable } from './client.ts';
import {
  componentGroups,
  components,
  componentStatusChanges,
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
  const [settingsRows, stateRows, groupRows, componentRows, statusChanges] = await Promise.all([
    db.select().from(pageSettings).where(eq(pageSettings.id, 1)),
    db.select().from(siteState).where(eq(siteState.id, 1)),
    db.select().from(componentGroups).orderBy(asc(componentGroups.position)),
    db.select().from(components).orderBy(asc(components.position)),
    loadStatusChanges(db, options.now),
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
      defaultLanguage: languageOr(settings?.defaultLanguage, 'en'),
      updatedAt: state?.revisedAt ?? options.now,
    },
    groups: groupRows.map(({ version: _v, ...g }) => g),
    components: componentRows.map(({ version: _v, ...c }) => c),
    statusChanges,
  };
}

/** Uptime shows 12 calendar months; a little more keeps the oldest month whole. */
const STATUS_HISTORY_DAYS = 400;

/**
 * Each component's status changes of the last 13 months, oldest first, led by its last
 * change before them: the status the window starts in. Every change publish reads it
 * again (7,300 rows at 20 components with 9 incidents a day), and PGlite hands over rows
 * one by one at a cost that dwarfs the query (70 ms for those rows, 15 ms as one string),
 * so the window comes as one string of "component status epoch-ms" entries.
 */
async function loadStatusChanges(db: Queryable, now: Date): Promise<Record<string, StatusChange[]>> {
  const from = new Date(now.getTime() - STATUS_HISTORY_DAYS * 86_400_000);
  const t = componentStatusChanges;
  const lead = db
    .select({ status: t.status, changedAt: t.changedAt })
    .from(t)
    .where(and(eq(t.componentId, components.id), lt(t.changedAt, from)))
    .orderBy(desc(t.changedAt), desc(t.id))
    .limit(1)
    .as('lead');
  const [leads, [recent]] = await Promise.all([
    db.select({ componentId: components.id, status: lead.status, changedAt: lead.changedAt }).from(components).crossJoinLateral(lead),
    db
      .select({ text: sql<string | null>`string_agg(${t.componentId} || ' ' || ${t.status}::text || ' ' || floor(extract(epoch from ${t.changedAt}) * 1000)::bigint, ',' order by ${t.changedAt}, ${t.id})` })
      .from(t)
      .where(gte(t.changedAt, from)),
  ]);
  const byComponent: Record<string, StatusChange[]> = {};
  for (const { componentId, status, changedAt } of leads) byComponent[componentId] = [{ status, changedAt }];
  for (const entry of recent?.text ? recent.text.split(',') : []) {
    const [componentId, status, ms] = entry.split(' ') as [string, ComponentStatus, string];
    (byComponent[componentId] ??= []).push({ status, changedAt: new Date(Number(ms)) });
  }
  return byComponent;
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

/** Reads everything the public site shows. Run it in a repeatable-read transaction so it sees one revision. */
export async function loadSnapshot(db: Queryable, options: SnapshotOptions): Promise<Snapshot> {
  const [parts, all] = await Promise.all([loadPageParts(db, options), loadIncidents(db)]);
  return { ...parts, incidents: all };
}

export interface SnapshotChanges {
  /** The snapshot without its incidents: page, components, groups, revision. */
  parts: Omit<Snapshot, 'incidents'>;
  /** The named incidents as they are now (a deleted one is absent). */
  changed: IncidentView[];
}

/** What a change publish reads: the small parts whole, and the changed incidents only. */
export async function loadChanges(db: Queryable, incidentIds: readonly string[], options: SnapshotOptions): Promise<SnapshotChanges> {
  const [parts, changed] = await Promise.all([loadPageParts(db, options), loadIncidents(db, incidentIds)]);
  return { parts, changed };
}

/** Statuspage gives every page a short id; Herald derives a stable one from its URL. */
export function pageId(siteUrl: string): string {
  let hash = 2166136261;
  for (const char of siteUrl) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash.toString(36).padStart(7, '0').slice(0, 12);
}
