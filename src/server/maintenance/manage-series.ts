import { and, asc, eq, gte } from 'drizzle-orm';
import { existingComponentIds, refuseUnknownComponents } from '../components/manage-components.ts';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { incidentComponents, incidents, maintenanceSeries } from '../../db/schema.ts';
import { formatDateTime } from '../../domain/format.ts';
import { renderTemplate } from '../../domain/templates.ts';
import { stripControlCharacters } from '../../domain/markdown.ts';
import {
  describeRecurrence,
  inZone,
  occurrencesBetween,
  recurrenceProblem,
  zonedInstant,
} from '../../domain/recurrence.ts';
import { HttpError, isHttpError } from '../../infra/errors.ts';
import { newId } from '../../infra/ids.ts';
import { storable, text } from '../../infra/text-input.ts';
import { runChange, type ChangeContext, type Committed } from '../change.ts';
import { calendarZone } from '../../domain/maintenance-calendar.ts';
import { createIncident, OccurrenceNotMade, patchIncident, postUpdate } from '../incidents/manage-incidents.ts';
import { IncidentPatch } from '../incidents/incident-input.ts';
import { getSettings, isTimeZone } from '../settings/manage-settings.ts';
import { lockForChange, nextVersion } from '../versioning.ts';

// Recurring maintenance windows. A series holds the rule; each occurrence becomes an ordinary
// maintenance `announce_days` before it starts (made here on create and edit, and by the
// scheduler's tick as time goes on), so it is announced, reminded, started, completed and
// served in /api/v2 like a one-off window. Editing the series changes the occurrences still
// to come and not moved on their own; one occurrence can be skipped or moved.

type SeriesRow = typeof maintenanceSeries.$inferSelect;

const componentId = z.string().regex(/^[0-9a-z]{12}$/, 'must be a 12-character component id');
const timestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-11-21T14:30:00Z' })
  .transform((s) => new Date(s));
const rrule = z
  .string({ error: 'must be an RRULE such as FREQ=WEEKLY;BYDAY=SU' })
  .trim()
  .max(500, 'must be at most 500 characters')
  .check(storable)
  .superRefine((value, ctx) => {
    const problem = recurrenceProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const seriesFields = {
  name: text(200, { required: true }),
  body: text(10_000, { required: true }),
  component_ids: z
    .array(componentId)
    .max(500)
    .transform((ids) => [...new Set(ids)]),
  rrule,
  /** The first occurrence's start; its wall-clock time in `time_zone` is what repeats. */
  starts_at: timestamp,
  duration_minutes: z
    .number({ error: 'must be a number of minutes' })
    .int('must be whole minutes')
    .min(1, 'must be at least 1 minute')
    .max(7 * 24 * 60, 'must be at most 7 days'),
  time_zone: text(100).refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
  announce_days: z.number().int().min(1, 'must be at least 1 day').max(90, 'must be at most 90 days'),
  auto_start: z.boolean(),
  auto_complete: z.boolean(),
  deliver_notifications: z.boolean(),
};

export const SeriesInput = z.strictObject({
  ...seriesFields,
  component_ids: seriesFields.component_ids.default([]),
  time_zone: seriesFields.time_zone.optional(),
  announce_days: seriesFields.announce_days.default(7),
  auto_start: seriesFields.auto_start.default(true),
  auto_complete: seriesFields.auto_complete.default(true),
  deliver_notifications: seriesFields.deliver_notifications.default(true),
});
export type SeriesInput = z.infer<typeof SeriesInput>;

/** Any of the fields; a new time_zone alone keeps the wall-clock start (02:00 stays 02:00 there). */
export const SeriesPatch = z
  .strictObject(seriesFields)
  .partial()
  .extend({ version: z.number().int().positive().optional() });
export type SeriesPatch = z.infer<typeof SeriesPatch>;

export const OccurrenceInput = z.strictObject({
  /** The occurrence, by its start as the rule gives it (next_occurrences lists them). */
  occurrence: timestamp,
});
/** An occurrence's new window (its end after its start: checked once the series is found). */
export const MoveInput = z.strictObject({
  occurrence: timestamp,
  scheduled_for: timestamp,
  scheduled_until: timestamp,
});

const LOCAL_FORMAT = "yyyy-MM-dd'T'HH:mm";

/** A zone by its canonical IANA name (US/Eastern is America/New_York), as calendars know it. */
const canonicalZone = (zone: string) => calendarZone(zone)?.tzid ?? zone;

/**
 * A series change commits first; the occurrences it makes, cancels or brings up to date are
 * changes of their own, after it. The caller publishes once, for all of them: so the answer's
 * scope names every occurrence touched (this instance's own notices are not published twice).
 */
function alsoPublishing<T>(committed: Committed<T>, incidentIds: readonly string[]): Committed<T> {
  return {
    ...committed,
    scope: { ...committed.scope, incidentIds: [...(committed.scope?.incidentIds ?? []), ...incidentIds] },
  };
}
const firstStart = (s: Pick<SeriesRow, 'startsAtLocal' | 'timeZone'>) => zonedInstant(s.startsAtLocal, s.timeZone);

/** How many occurrences the series and its answer show ahead. */
const SHOWN_AHEAD = 10;

export function seriesResource(s: SeriesRow, now: Date) {
  const upcoming = occurrencesBetween(s, now, new Date(now.getTime() + 400 * 86_400_000), SHOWN_AHEAD * 2)
    .filter((at) => !s.skipped.includes(at.toISOString()))
    .slice(0, SHOWN_AHEAD);
  return {
    id: s.id,
    name: s.name,
    body: s.body,
    component_ids: s.componentIds,
    rrule: s.rrule,
    repeats: describeRecurrence(s.rrule),
    starts_at: firstStart(s).toISOString(),
    starts_at_local: s.startsAtLocal,
    time_zone: s.timeZone,
    duration_minutes: s.durationMinutes,
    announce_days: s.announceDays,
    auto_start: s.autoStart,
    auto_complete: s.autoComplete,
    deliver_notifications: s.deliverNotifications,
    skipped: s.skipped,
    next_occurrences: upcoming.map((at) => at.toISOString()),
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    version: s.version,
  };
}
export type SeriesResource = ReturnType<typeof seriesResource>;

export async function listSeries(db: Queryable, now: Date): Promise<SeriesResource[]> {
  const rows = await db.select().from(maintenanceSeries).orderBy(asc(maintenanceSeries.createdAt));
  return rows.map((row) => seriesResource(row, now));
}

export async function getSeries(db: Queryable, id: string, now: Date) {
  const [row] = await db.select().from(maintenanceSeries).where(eq(maintenanceSeries.id, id));
  if (!row) throw notFoundSeries(id);
  const made = await db
    .select({
      id: incidents.id,
      status: incidents.status,
      occurrenceStart: incidents.occurrenceStart,
      scheduledFor: incidents.scheduledFor,
      scheduledUntil: incidents.scheduledUntil,
      detached: incidents.detached,
    })
    .from(incidents)
    .where(eq(incidents.seriesId, id))
    .orderBy(asc(incidents.occurrenceStart));
  return {
    ...seriesResource(row, now),
    occurrences: made.map((o) => ({
      occurrence: o.occurrenceStart?.toISOString() ?? null,
      incident_id: o.id,
      status: o.status,
      scheduled_for: o.scheduledFor?.toISOString() ?? null,
      scheduled_until: o.scheduledUntil?.toISOString() ?? null,
      detached: o.detached,
    })),
  };
}

const notFoundSeries = (id: string) => new HttpError(404, 'not_found', `no recurring maintenance has the id "${id}"`);

/** The rule must give an occurrence: a COUNT or UNTIL that ends before the start gives none. */
function checkHasOccurrence(s: Pick<SeriesRow, 'rrule' | 'startsAtLocal' | 'timeZone'>): void {
  const first = firstStart(s);
  if (occurrencesBetween(s, first, new Date(first.getTime() + 5 * 366 * 86_400_000), 1).length === 0)
    throw new HttpError(422, 'invalid_field', 'gives no occurrence after starts_at (UNTIL before the start?)', {
      field: 'rrule',
    });
}

/** Creates a recurring maintenance and makes the occurrences due to be announced. */
export async function createSeries(ctx: ChangeContext, input: SeriesInput, pageTimeZone: string) {
  const timeZone = canonicalZone(input.time_zone ?? pageTimeZone);
  const startsAtLocal = inZone(input.starts_at, timeZone).toFormat(LOCAL_FORMAT);
  checkHasOccurrence({ rrule: input.rrule, startsAtLocal, timeZone });
  await refuseUnknownComponents(ctx.db, input.component_ids, 'component_ids');
  const committed = await runChange(ctx, async (tx) => {
    const [row] = await tx
      .insert(maintenanceSeries)
      .values({
        id: newId(),
        name: stripControlCharacters(input.name),
        body: stripControlCharacters(input.body),
        componentIds: input.component_ids,
        rrule: input.rrule,
        startsAtLocal,
        timeZone,
        durationMinutes: input.duration_minutes,
        announceDays: input.announce_days,
        autoStart: input.auto_start,
        autoComplete: input.auto_complete,
        deliverNotifications: input.deliver_notifications,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    const value = seriesResource(row!, ctx.now);
    return {
      value,
      // The calendars list the series (see affectedRoutes): a publish with no incident changed.
      scope: { incidentIds: [] },
      audit: [
        { action: 'maintenance_series.create', entityType: 'maintenance_series', entityId: row!.id, after: value },
      ],
    };
  });
  return alsoPublishing(committed, (await makeOccurrences(ctx, committed.value.id)).made);
}

/**
 * Occurrences to come and not started: those an edit of the series changes (without those moved
 * on their own), or its deletion cancels (`moved` too).
 */
async function followingOccurrences(db: Queryable, seriesId: string, now: Date, options: { moved: boolean }) {
  return db
    .select({
      id: incidents.id,
      occurrenceStart: incidents.occurrenceStart,
      version: incidents.version,
    })
    .from(incidents)
    .where(
      and(
        eq(incidents.seriesId, seriesId),
        eq(incidents.status, 'scheduled'),
        options.moved ? undefined : eq(incidents.detached, false),
        gte(incidents.occurrenceStart, now),
      ),
    );
}

const CANCELLED_BY_EDIT = 'This occurrence was removed from the recurring schedule.';
const CANCELLED_SERIES = 'This recurring maintenance was cancelled.';
const SKIPPED = 'This occurrence is skipped.';

/** Cancels a scheduled window the way Herald does: "completed" before it started. */
async function cancelOccurrence(ctx: ChangeContext, id: string, body: string, notify: boolean): Promise<void> {
  try {
    await postUpdate(ctx, id, { status: 'completed', body, deliver_notifications: notify });
  } catch (error) {
    // Started or changed meanwhile (by the scheduler or an editor): it stands.
    if (!(isHttpError(error) && (error.status === 404 || error.status === 409))) throw error;
  }
}

/**
 * Edits the series. Occurrences already made that are still to come (not started, not moved
 * on their own) follow: kept and brought up to date where the new rule still has them,
 * cancelled where it does not; those of the new rule are then made as usual.
 */
export async function updateSeries(ctx: ChangeContext, id: string, patch: SeriesPatch) {
  if (patch.component_ids) await refuseUnknownComponents(ctx.db, patch.component_ids, 'component_ids');
  const committed = await runChange(ctx, async (tx) => {
    const current = await lockForChange<SeriesRow>(tx, maintenanceSeries, 'maintenance_series', id, patch.version);
    const timeZone = patch.time_zone ? canonicalZone(patch.time_zone) : current.timeZone;
    const startsAtLocal = patch.starts_at
      ? inZone(patch.starts_at, timeZone).toFormat(LOCAL_FORMAT)
      : current.startsAtLocal;
    const next = { rrule: patch.rrule ?? current.rrule, startsAtLocal, timeZone };
    checkHasOccurrence(next);
    // Skipped occurrences are named by their instant: in another zone, the same wall-clock times.
    const skipped =
      timeZone === current.timeZone
        ? current.skipped
        : current.skipped.map((at) =>
            zonedInstant(inZone(new Date(at), current.timeZone).toFormat(LOCAL_FORMAT), timeZone).toISOString(),
          );
    const [row] = await tx
      .update(maintenanceSeries)
      .set({
        ...(patch.name !== undefined ? { name: stripControlCharacters(patch.name) } : {}),
        ...(patch.body !== undefined ? { body: stripControlCharacters(patch.body) } : {}),
        ...(patch.component_ids !== undefined ? { componentIds: patch.component_ids } : {}),
        ...next,
        skipped,
        ...(patch.duration_minutes !== undefined ? { durationMinutes: patch.duration_minutes } : {}),
        ...(patch.announce_days !== undefined ? { announceDays: patch.announce_days } : {}),
        ...(patch.auto_start !== undefined ? { autoStart: patch.auto_start } : {}),
        ...(patch.auto_complete !== undefined ? { autoComplete: patch.auto_complete } : {}),
        ...(patch.deliver_notifications !== undefined ? { deliverNotifications: patch.deliver_notifications } : {}),
        updatedAt: ctx.now,
        version: nextVersion(maintenanceSeries),
      })
      .where(eq(maintenanceSeries.id, id))
      .returning();
    const value = seriesResource(row!, ctx.now);
    return {
      value,
      scope: { incidentIds: [] },
      audit: [
        {
          action: 'maintenance_series.update',
          entityType: 'maintenance_series',
          entityId: id,
          before: seriesResource(current, ctx.now),
          after: value,
        },
      ],
    };
  });
  const [series] = await ctx.db.select().from(maintenanceSeries).where(eq(maintenanceSeries.id, id));
  const touched: string[] = [];
  for (const occurrence of await followingOccurrences(ctx.db, id, ctx.now, { moved: false })) {
    const start = occurrence.occurrenceStart!;
    const stillThere = occurrencesBetween(series!, start, new Date(start.getTime() + 1), 1).length === 1;
    if (stillThere && !series!.skipped.includes(start.toISOString()))
      // The window keeps its place in the rule, with the series' name, length and components.
      await refreshOccurrence(ctx, occurrence.id, series!, start);
    else await cancelOccurrence(ctx, occurrence.id, CANCELLED_BY_EDIT, series!.deliverNotifications);
    touched.push(occurrence.id);
  }
  return alsoPublishing(committed, [...touched, ...(await makeOccurrences(ctx, id)).made]);
}

async function refreshOccurrence(ctx: ChangeContext, incidentId: string, series: SeriesRow, start: Date) {
  const text = await occurrenceText(ctx.db, series, start);
  const componentIds = await existingComponents(ctx.db, series.componentIds);
  await runChange(ctx, async (tx) => {
    const [row] = await tx
      .update(incidents)
      .set({
        name: text.name,
        scheduledFor: start,
        startedAt: start,
        scheduledUntil: text.end,
        autoStart: series.autoStart,
        autoComplete: series.autoComplete,
        updatedAt: ctx.now,
        version: nextVersion(incidents),
      })
      .where(and(eq(incidents.id, incidentId), eq(incidents.status, 'scheduled')))
      .returning({ id: incidents.id });
    if (row) {
      await tx.delete(incidentComponents).where(eq(incidentComponents.incidentId, incidentId));
      if (componentIds.length > 0)
        await tx
          .insert(incidentComponents)
          .values(componentIds.map((componentId) => ({ incidentId, componentId })))
          .onConflictDoNothing();
    }
    return {
      value: null,
      scope: { incidentIds: [incidentId] },
      audit: [{ action: 'maintenance.series_edit', entityType: 'maintenance', entityId: incidentId }],
    };
  });
}

/** Removes the series; its occurrences still to come are cancelled, those past stay in the history. */
export async function deleteSeries(ctx: ChangeContext, id: string, version: number | undefined) {
  let following: Array<{ id: string }> = [];
  let notify = true;
  const committed = await runChange(ctx, async (tx) => {
    // Under the series' lock: no occurrence can be made meanwhile (making one locks it too).
    const current = await lockForChange<SeriesRow>(tx, maintenanceSeries, 'maintenance_series', id, version);
    following = await followingOccurrences(tx, id, ctx.now, { moved: true });
    notify = current.deliverNotifications;
    await tx.delete(maintenanceSeries).where(eq(maintenanceSeries.id, id));
    return {
      value: null,
      scope: { incidentIds: [] },
      audit: [
        {
          action: 'maintenance_series.delete',
          entityType: 'maintenance_series',
          entityId: id,
          before: seriesResource(current, ctx.now),
        },
      ],
    };
  });
  for (const occurrence of following) await cancelOccurrence(ctx, occurrence.id, CANCELLED_SERIES, notify);
  return alsoPublishing(
    committed,
    following.map((o) => o.id),
  );
}

/** The series, checked to have an occurrence starting exactly then that has not started yet. */
async function occurrenceOf(ctx: ChangeContext, id: string, occurrence: Date) {
  const [series] = await ctx.db.select().from(maintenanceSeries).where(eq(maintenanceSeries.id, id));
  if (!series) throw notFoundSeries(id);
  if (occurrencesBetween(series, occurrence, new Date(occurrence.getTime() + 1), 1).length === 0)
    throw new HttpError(422, 'invalid_field', 'is not an occurrence of this series (see next_occurrences)', {
      field: 'occurrence',
    });
  if (series.skipped.includes(occurrence.toISOString()))
    throw new HttpError(409, 'occurrence_skipped', 'this occurrence is skipped');
  const [made] = await ctx.db
    .select()
    .from(incidents)
    .where(and(eq(incidents.seriesId, id), eq(incidents.occurrenceStart, occurrence)));
  if (made && made.status !== 'scheduled')
    throw new HttpError(409, 'occurrence_started', `this occurrence is ${made.status.replace('_', ' ')} already`);
  if (!made && occurrence <= ctx.now)
    throw new HttpError(409, 'occurrence_past', 'this occurrence is past; only one still to come can change');
  return { series, made: made ?? null };
}

/** Skips one occurrence: it is never made, or (made already) cancelled. */
export async function skipOccurrence(ctx: ChangeContext, id: string, occurrence: Date) {
  const { series, made } = await occurrenceOf(ctx, id, occurrence);
  const committed = await runChange(ctx, async (tx) => {
    const current = await lockForChange<SeriesRow>(tx, maintenanceSeries, 'maintenance_series', id, undefined);
    const skipped = [...new Set([...current.skipped, occurrence.toISOString()])].sort();
    const [row] = await tx
      .update(maintenanceSeries)
      .set({ skipped, updatedAt: ctx.now, version: nextVersion(maintenanceSeries) })
      .where(eq(maintenanceSeries.id, id))
      .returning();
    return {
      value: seriesResource(row!, ctx.now),
      scope: { incidentIds: [] },
      audit: [
        {
          action: 'maintenance_series.skip',
          entityType: 'maintenance_series',
          entityId: id,
          after: { occurrence: occurrence.toISOString() },
        },
      ],
    };
  });
  if (made) await cancelOccurrence(ctx, made.id, SKIPPED, series.deliverNotifications);
  return alsoPublishing(committed, made ? [made.id] : []);
}

/** Moves one occurrence (made now if it was not yet): it keeps its place in the series, at its own time. */
export async function moveOccurrence(ctx: ChangeContext, id: string, move: z.infer<typeof MoveInput>) {
  const { series, made } = await occurrenceOf(ctx, id, move.occurrence);
  if (move.scheduled_until <= move.scheduled_for)
    throw new HttpError(422, 'invalid_field', 'must be after scheduled_for', { field: 'scheduled_until' });
  const incidentId = made?.id ?? (await makeOccurrence(ctx, series, move.occurrence));
  if (!incidentId) throw new HttpError(409, 'version_conflict', 'the occurrence changed meanwhile; try again');
  return patchIncident(
    ctx,
    incidentId,
    IncidentPatch.parse({
      scheduled_for: move.scheduled_for.toISOString(),
      scheduled_until: move.scheduled_until.toISOString(),
    }),
  );
}

/** An occurrence's name and text, with {{start_time}} and {{end_time}} its own, and its end. */
async function occurrenceText(db: Queryable, series: SeriesRow, start: Date) {
  const end = new Date(start.getTime() + series.durationMinutes * 60_000);
  // In the page's time zone and language, as the page writes times.
  const { time_zone: timeZone, default_language: language } = await getSettings(db);
  const window = {
    start_time: formatDateTime(start, timeZone, language),
    end_time: formatDateTime(end, timeZone, language),
  };
  return { name: renderTemplate(series.name, window), body: renderTemplate(series.body, window), end };
}

/** The series' components that still exist (a deleted one is left out, not an error every minute). */
async function existingComponents(db: Queryable, ids: readonly string[]): Promise<string[]> {
  const known = await existingComponentIds(db, ids);
  return ids.filter((id) => known.has(id));
}

/** Whether the series, as it is now, still has this occurrence to make (not skipped, still in its rule). */
const stillWanted = (series: SeriesRow, start: Date) =>
  !series.skipped.includes(start.toISOString()) &&
  occurrencesBetween(series, start, new Date(start.getTime() + 1), 1).length === 1;

/** Makes one occurrence as a scheduled maintenance; its id, or null when it is there already. */
async function makeOccurrence(ctx: ChangeContext, series: SeriesRow, start: Date): Promise<string | null> {
  const text = await occurrenceText(ctx.db, series, start);
  try {
    const { value } = await createIncident(
      ctx,
      {
        kind: 'maintenance',
        name: text.name,
        body: text.body,
        status: 'scheduled',
        scheduled_for: start,
        scheduled_until: text.end,
        scheduled_auto_in_progress: series.autoStart,
        scheduled_auto_completed: series.autoComplete,
        component_ids: await existingComponents(ctx.db, series.componentIds),
        deliver_notifications: series.deliverNotifications,
      },
      // Checked again under the series' lock: an edit or a skip committed meanwhile wins.
      { seriesId: series.id, start, wanted: (locked) => stillWanted(locked as SeriesRow, start) },
    );
    return value.id;
  } catch (error) {
    if (error instanceof OccurrenceNotMade) return null;
    throw error;
  }
}

/**
 * Makes every occurrence due to be announced (starting within `announce_days`, not skipped,
 * not made yet) of one series or of all; returns the ids of the maintenances made. Safe to
 * run again and from several instances at once.
 */
export async function makeOccurrences(
  ctx: ChangeContext,
  seriesId?: string,
): Promise<{ made: string[]; errors: string[] }> {
  const all = await ctx.db
    .select()
    .from(maintenanceSeries)
    .where(seriesId ? eq(maintenanceSeries.id, seriesId) : undefined);
  const made: string[] = [];
  const errors: string[] = [];
  // One series that cannot be made (whatever the reason) does not hold up the others.
  for (const series of all)
    await makeSeriesOccurrences(ctx, series, made).catch((error: unknown) =>
      errors.push(`series ${series.id}: ${error instanceof Error ? error.message : String(error)}`),
    );
  return { made, errors };
}

async function makeSeriesOccurrences(ctx: ChangeContext, series: SeriesRow, madeIds: string[]): Promise<void> {
  {
    const horizon = new Date(ctx.now.getTime() + series.announceDays * 86_400_000);
    const due = occurrencesBetween(series, ctx.now, horizon).filter((at) => !series.skipped.includes(at.toISOString()));
    if (due.length === 0) return;
    const existing = new Set(
      (
        await ctx.db
          .select({ start: incidents.occurrenceStart })
          .from(incidents)
          .where(and(eq(incidents.seriesId, series.id), gte(incidents.occurrenceStart, ctx.now)))
      ).map((row) => row.start?.getTime()),
    );
    for (const start of due) {
      if (existing.has(start.getTime())) continue;
      const id = await makeOccurrence(ctx, series, start);
      if (id) madeIds.push(id);
    }
  }
}
