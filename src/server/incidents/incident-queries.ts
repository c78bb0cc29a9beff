import { and, desc, eq, inArray, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { incidentComponents, incidents, incidentUpdates } from '../../db/schema.ts';
import { selectUpdates } from '../../db/snapshot-queries.ts';
import type { EventKind } from '../../domain/vocabulary.ts';
import { notFound } from '../../infra/errors.ts';
import { isId } from '../../infra/ids.ts';
import { incidentResource } from '../resources.ts';

export async function getIncident(db: Queryable, id: string) {
  if (!isId(id)) throw notFound('incident', id);
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  if (!row) throw notFound('incident', id);
  const { updates, componentIds } = await incidentParts(db, id);
  return incidentResource(row, updates, componentIds);
}

/** Whether `id` is an incident or a maintenance; null when there is no such event. */
export async function eventKindOf(db: Queryable, id: string): Promise<EventKind | null> {
  if (!isId(id)) return null;
  const [row] = await db.select({ kind: incidents.kind }).from(incidents).where(eq(incidents.id, id));
  return row?.kind ?? null;
}

/** What the admin's forms of an incident carry besides its view: the versions they change, and its automation. */
export interface IncidentFormFacts {
  version: number;
  /** Each update's version, by id. */
  updateVersions: Record<string, number>;
  autoStart: boolean;
  autoComplete: boolean;
  severity: string | null;
  incidentManagerId: string | null;
  communicationsLeadId: string | null;
}

export async function incidentFormFacts(db: Queryable, id: string): Promise<IncidentFormFacts | null> {
  if (!isId(id)) return null;
  const [[row], updates] = await Promise.all([
    db
      .select({
        version: incidents.version,
        autoStart: incidents.autoStart,
        autoComplete: incidents.autoComplete,
        severity: incidents.severity,
        incidentManagerId: incidents.incidentManagerId,
        communicationsLeadId: incidents.communicationsLeadId,
      })
      .from(incidents)
      .where(eq(incidents.id, id)),
    db
      .select({ id: incidentUpdates.id, version: incidentUpdates.version })
      .from(incidentUpdates)
      .where(eq(incidentUpdates.incidentId, id)),
  ]);
  return row ? { ...row, updateVersions: Object.fromEntries(updates.map((u) => [u.id, u.version])) } : null;
}

/** An incident's updates and affected components, for a change that already holds its (locked) row. */
export async function incidentParts(db: Queryable, id: string) {
  const updates = await selectUpdates(db, [id]);
  const links = await db
    .select({ componentId: incidentComponents.componentId })
    .from(incidentComponents)
    .where(eq(incidentComponents.incidentId, id));
  return { updates, componentIds: links.map((l) => l.componentId) };
}

export interface IncidentListOptions {
  kind?: EventKind | undefined;
  /** Only incidents not yet resolved (or maintenances not completed). */
  unresolved?: boolean | undefined;
  limit: number;
  /** Id of the last incident of the previous page. */
  after?: string | undefined;
}

/** Newest first; paged by id of the last row seen. */
export async function listIncidents(db: Queryable, options: IncidentListOptions) {
  const conditions: SQL[] = [];
  if (options.kind) conditions.push(eq(incidents.kind, options.kind));
  if (options.unresolved) conditions.push(isNull(incidents.resolvedAt));
  if (options.after) {
    const [cursor] = await db
      .select({ createdAt: incidents.createdAt, id: incidents.id })
      .from(incidents)
      .where(eq(incidents.id, options.after));
    if (cursor)
      conditions.push(
        or(
          lt(incidents.createdAt, cursor.createdAt),
          and(eq(incidents.createdAt, cursor.createdAt), lt(incidents.id, cursor.id)),
        )!,
      );
  }
  const rows = await db
    .select()
    .from(incidents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(incidents.createdAt), desc(incidents.id))
    .limit(options.limit);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const updates = await selectUpdates(db, ids);
  const links = await db.select().from(incidentComponents).where(inArray(incidentComponents.incidentId, ids));
  return rows.map((row) =>
    incidentResource(
      row,
      updates.filter((u) => u.incidentId === row.id),
      links.filter((l) => l.incidentId === row.id).map((l) => l.componentId),
    ),
  );
}
