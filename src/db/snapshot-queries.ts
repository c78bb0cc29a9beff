import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, lt, sql } from 'drizzle-orm';
import { languageOr } from '../domain/i18n/translator.ts';
import type { IncidentView, PageInfo, Snapshot, UpdateView } from '../domain/snapshot.ts';
import { DEFAULT_PARTIAL_OUTAGE_WEIGHT, type StatusChange } from '../domain/uptime.ts';
import type { ComponentStatus } from '../domain/vocabulary.ts';
import type { Queryable } from './client.ts';
import { jsonColumn } from './sql-rows.ts';
import {
  componentGroups,
  components,
  componentStatusChanges,
  incidentComponents,
  incidents,
  maintenanceSeries,
  incidentUpdates,
  pageSettings,
  siteState,
} from './schema.ts';

export const DEFAULT_PAGE_NAME = 'Herald';

/** appUrl: HERALD_APP_URL, when Herald answers elsewhere than the published site (default siteUrl). */
type SnapshotOptions = { siteUrl: string; appUrl?: string | undefined; now: Date };

/** What a change publish already holds: the status history and the revision it was read at. */
type HeldHistory = Pick<Snapshot, 'statusChanges' | 'revision'>;

/**
 * What to read into a snapshot. Publishing, webhook payloads and the admin's previews all
 * build theirs here; they differ only in these answers.
 */
export interface SnapshotRead extends SnapshotOptions {
  /** The page's id; default pageId(siteUrl). */
  pageId?: string;
  /** The page's updated_at; default the moment of the site's last revision. */
  updatedAt?: Date;
  /** Every incident, or only those named (in the same order as all: newest first). */
  incidents: 'all' | readonly string[];
  /**
   * The 13 months of status history, none (payloads, previews), or the history a change publish holds, with the rows
   * added since.
   */
  history: 'full' | 'none' | HeldHistory;
}

/**
 * Reads a snapshot of the site (see SnapshotRead). For a publish, run it through readAtOneMoment so it sees one
 * revision.
 */
export async function readSnapshot(db: Queryable, read: SnapshotRead): Promise<Snapshot> {
  const [settingsRows, stateRows, groupRows, componentRows, statusChanges, incidentViews, seriesRows] =
    await Promise.all([
      db.select().from(pageSettings).where(eq(pageSettings.id, 1)),
      db.select().from(siteState).where(eq(siteState.id, 1)),
      db.select().from(componentGroups).orderBy(asc(componentGroups.position)),
      db.select().from(components).orderBy(asc(components.position)),
      read.history === 'none'
        ? {}
        : loadStatusHistory(db, read.now, read.history === 'full' ? undefined : read.history),
      loadIncidents(db, read.incidents === 'all' ? undefined : read.incidents),
      db.select().from(maintenanceSeries).orderBy(asc(maintenanceSeries.createdAt), asc(maintenanceSeries.id)),
    ]);
  const state = stateRows[0];
  const site = {
    id: read.pageId ?? pageId(read.siteUrl),
    siteUrl: read.siteUrl,
    appUrl: read.appUrl ?? read.siteUrl,
    updatedAt: read.updatedAt ?? state?.revisedAt ?? read.now,
  };
  return {
    revision: state?.revision ?? 0,
    now: read.now,
    page: pageInfo(settingsRows[0], site),
    groups: groupRows.map(({ version: _v, ...g }) => g),
    components: componentRows.map(({ version: _v, ...c }) => c),
    incidents: incidentViews,
    series: seriesRows.map(
      ({ version: _v, announceDays: _a, autoStart: _s, autoComplete: _c, deliverNotifications: _d, ...s }) => s,
    ),
    statusChanges,
  };
}

/** The page as the public outputs see it, from its settings row (defaults before there is one). */
export function pageInfo(
  settings: typeof pageSettings.$inferSelect | undefined,
  site: Pick<PageInfo, 'id' | 'siteUrl' | 'appUrl' | 'updatedAt'>,
): PageInfo {
  return {
    ...site,
    name: settings?.name ?? DEFAULT_PAGE_NAME,
    homepageUrl: settings?.homepageUrl ?? null,
    timeZone: settings?.timeZone ?? 'Etc/UTC',
    brandColor: settings?.brandColor ?? '#2563eb',
    logoUrl: settings?.logoUrl ?? null,
    supportUrl: settings?.supportUrl ?? null,
    defaultLanguage: languageOr(settings?.defaultLanguage, 'en'),
    partialOutageWeight: settings?.partialOutageWeight ?? DEFAULT_PARTIAL_OUTAGE_WEIGHT,
  };
}

/** Uptime shows 12 calendar months; a little more keeps the oldest month whole. */
const STATUS_HISTORY_DAYS = 400;

/** "component status epoch-ms" entries joined by commas: PGlite hands over one string far faster than rows. */
const packedChanges = (t: typeof componentStatusChanges) =>
  sql<
    string | null
  >`string_agg(${t.componentId} || ' ' || ${t.status}::text || ' ' || floor(extract(epoch from ${t.changedAt}) * 1000)::bigint, ',' order by ${t.changedAt}, ${t.id})`;

function unpackChanges(
  text: string | null | undefined,
  into: (componentId: string, change: StatusChange) => void,
): void {
  for (const entry of text ? text.split(',') : []) {
    const [componentId, status, ms] = entry.split(' ') as [string, ComponentStatus, string];
    into(componentId, { status, changedAt: new Date(Number(ms)) });
  }
}

/**
 * Each component's status changes of the last 13 months, oldest first, led by its last
 * change before them: the status the window starts in. A change publish passes the history
 * it already holds and reads only the rows committed since (a few, instead of 7,300 at 20
 * components with 9 incidents a day); components without new rows keep their very list,
 * which is what lets the uptime rows be reused across snapshots. Rows are only ever added
 * between full publishes: deleting a component (and its rows) publishes everything.
 */
async function loadStatusHistory(
  db: Queryable,
  now: Date,
  held?: HeldHistory,
): Promise<Record<string, StatusChange[]>> {
  const t = componentStatusChanges;
  if (held) {
    // The rows of every change committed since; those committed later still are above this snapshot's revision.
    const [added] = await db
      .select({ text: packedChanges(t) })
      .from(t)
      .where(gt(t.revision, held.revision));
    if (!added?.text) return held.statusChanges;
    const byComponent = { ...held.statusChanges };
    unpackChanges(added.text, (componentId, change) => {
      const list = (byComponent[componentId] = [...(byComponent[componentId] ?? [])]);
      // Appended in time order, unless a clock elsewhere was behind: keep the list sorted.
      let at = list.length;
      while (at > 0 && list[at - 1]!.changedAt > change.changedAt) at--;
      list.splice(at, 0, change);
    });
    return byComponent;
  }
  const from = new Date(now.getTime() - STATUS_HISTORY_DAYS * 86_400_000);
  const lead = db
    .select({ status: t.status, changedAt: t.changedAt })
    .from(t)
    .where(and(eq(t.componentId, components.id), lt(t.changedAt, from)))
    .orderBy(desc(t.changedAt), desc(t.id))
    .limit(1)
    .as('lead');
  const [leads, [recent]] = await Promise.all([
    db
      .select({ componentId: components.id, status: lead.status, changedAt: lead.changedAt })
      .from(components)
      .crossJoinLateral(lead),
    db
      .select({ text: packedChanges(t) })
      .from(t)
      .where(gte(t.changedAt, from)),
  ]);
  const byComponent: Record<string, StatusChange[]> = {};
  for (const { componentId, status, changedAt } of leads) byComponent[componentId] = [{ status, changedAt }];
  unpackChanges(recent?.text, (componentId, change) => (byComponent[componentId] ??= []).push(change));
  return byComponent;
}

export type UpdateRow = typeof incidentUpdates.$inferSelect;

/** The update columns in one order, for the packed read's array and for decoding it. */
const UPDATE_COLUMNS = Object.entries(getTableColumns(incidentUpdates));

/**
 * The updates of the incidents named (of all, without ids), newest first. Those of a few
 * incidents arrive as one JSON array of arrays: PGlite hands over one value several times
 * faster than rows (200 updates: 0.8 ms against 2.9 ms), and a change reads its incident's
 * updates twice. All of them (a full publish) come as rows: one value would grow with the site.
 * Each value is decoded by its column (dates, JSON), as drizzle decodes rows.
 */
export async function selectUpdates(db: Queryable, incidentIds?: readonly string[]): Promise<UpdateRow[]> {
  const t = incidentUpdates;
  const newestFirst = [desc(t.displayAt), desc(t.createdAt)];
  if (!incidentIds)
    return db
      .select()
      .from(t)
      .orderBy(...newestFirst);
  const columns = sql.join(
    UPDATE_COLUMNS.map(([, column]) => column),
    sql`, `,
  );
  const [row] = await db
    .select({
      packed: sql<
        unknown[][] | string | null
      >`json_agg(json_build_array(${columns}) order by ${t.displayAt} desc, ${t.createdAt} desc)`,
    })
    .from(t)
    .where(inArray(t.incidentId, incidentIds as string[]));
  const list = jsonColumn<unknown[][] | null>(row?.packed ?? null) ?? [];
  return list.map(
    (values) =>
      Object.fromEntries(
        UPDATE_COLUMNS.map(([key, column], i) => [
          key,
          values[i] === null ? null : column.mapFromDriverValue(values[i]),
        ]),
      ) as UpdateRow,
  );
}

/** Incidents with their updates (newest first) and affected components; all of them, or those named. */
export async function loadIncidents(db: Queryable, ids?: readonly string[]): Promise<IncidentView[]> {
  if (ids && ids.length === 0) return [];
  const only = <T>(column: T) => (ids ? inArray(column as never, ids as string[]) : undefined);
  const [incidentRows, linkRows, updateRows] = await Promise.all([
    db.select().from(incidents).where(only(incidents.id)).orderBy(desc(incidents.startedAt), desc(incidents.createdAt)),
    db.select().from(incidentComponents).where(only(incidentComponents.incidentId)),
    selectUpdates(db, ids),
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

/** Reads everything the public site shows. Run it through readAtOneMoment so it sees one revision. */
export async function loadSnapshot(db: Queryable, options: SnapshotOptions): Promise<Snapshot> {
  return readSnapshot(db, { ...options, incidents: 'all', history: 'full' });
}

export interface SnapshotChanges {
  /** The snapshot without its incidents: page, components, groups, revision. */
  parts: Omit<Snapshot, 'incidents'>;
  /** The named incidents as they are now (a deleted one is absent). */
  changed: IncidentView[];
}

/**
 * What a change publish reads: the small parts whole (the status history only its rows
 * committed after the held snapshot), and the changed incidents only.
 */
export async function loadChanges(
  db: Queryable,
  incidentIds: readonly string[],
  options: SnapshotOptions & { held: HeldHistory },
): Promise<SnapshotChanges> {
  const { incidents: changed, ...parts } = await readSnapshot(db, {
    ...options,
    incidents: incidentIds,
    history: options.held,
  });
  return { parts, changed };
}

/** Statuspage gives every page a short id; Herald derives a stable one from its URL. */
export function pageId(siteUrl: string): string {
  let hash = 2166136261;
  for (const char of siteUrl) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash.toString(36).padStart(7, '0').slice(0, 12);
}
