import { and, desc, eq, inArray } from 'drizzle-orm';
import { existingComponentIds } from '../components/manage-components.ts';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { alerts, alertSources, alertSuggestions } from '../../db/schema.ts';
import { COMPONENT_STATUSES } from '../../domain/vocabulary.ts';
import { HttpError } from '../../infra/errors.ts';
import { isId } from '../../infra/ids.ts';
import { text } from '../../infra/text-input.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { IncidentCreateInput } from '../incidents/incident-input.ts';
import { createIncident } from '../incidents/manage-incidents.ts';
import { alertTitle } from './process-alerts.ts';

// The alert inbox: every alert (one per fingerprint) with its state, and the suggested
// incidents a person publishes (edited or not) or dismisses. Nothing here is public until
// a suggestion is published, and then it is an ordinary incident.

type AlertRow = typeof alerts.$inferSelect;
type SuggestionRow = typeof alertSuggestions.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function alertResource(a: AlertRow) {
  return {
    id: a.id,
    source_id: a.sourceId,
    fingerprint: a.fingerprint,
    status: a.status,
    title: alertTitle(a),
    labels: a.labels,
    annotations: a.annotations,
    component_id: a.componentId,
    component_status: a.componentStatus,
    matched: a.componentId !== null,
    starts_at: a.startsAt.toISOString(),
    ends_at: iso(a.endsAt),
    generator_url: a.generatorUrl,
    dashboard_url: a.dashboardUrl,
    suggestion_id: a.suggestionId,
    first_seen_at: a.firstSeenAt.toISOString(),
    last_received_at: a.lastReceivedAt.toISOString(),
  };
}

export function suggestionResource(s: SuggestionRow) {
  return {
    id: s.id,
    source_id: s.sourceId,
    status: s.status,
    name: s.name,
    body: s.body,
    component_ids: Object.keys(s.components),
    components: s.components,
    incident_id: s.incidentId,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    decided_at: iso(s.decidedAt),
    version: s.version,
  };
}

/** The inbox: alerts newest first (at most 500), open suggestions, and the last 20 decided. */
export async function readInbox(db: Queryable) {
  const [alertRows, open, decided, sources] = await Promise.all([
    db.select().from(alerts).orderBy(desc(alerts.lastReceivedAt)).limit(500),
    db
      .select()
      .from(alertSuggestions)
      .where(eq(alertSuggestions.status, 'open'))
      .orderBy(desc(alertSuggestions.createdAt)),
    db
      .select()
      .from(alertSuggestions)
      .where(inArray(alertSuggestions.status, ['published', 'dismissed']))
      .orderBy(desc(alertSuggestions.decidedAt))
      .limit(20),
    db.select({ id: alertSources.id, name: alertSources.name }).from(alertSources),
  ]);
  return {
    alerts: alertRows.map(alertResource),
    suggestions: [...open, ...decided].map(suggestionResource),
    sources: sources.map((s) => ({ id: s.id, name: s.name })),
  };
}

/** What a person may change before publishing; absent fields keep the suggestion's. */
export const PublishSuggestionInput = z.strictObject({
  name: text(200, { required: true }).optional(),
  body: text(10_000, { required: true }).optional(),
  components: z
    .record(
      z.string().regex(/^[0-9a-z]{12}$/, 'must be a 12-character component id'),
      z.enum(COMPONENT_STATUSES, { error: `must be one of ${COMPONENT_STATUSES.join(', ')}` }),
    )
    .optional(),
  deliver_notifications: z.boolean().optional(),
  version: z.number().int().positive().optional(),
});
export type PublishSuggestionInput = z.infer<typeof PublishSuggestionInput>;

async function openSuggestion(db: Queryable, id: string, version: number | undefined): Promise<SuggestionRow> {
  const missing = new HttpError(404, 'not_found', `no suggested incident has the id "${id}"`);
  if (!isId(id)) throw missing;
  const [row] = await db.select().from(alertSuggestions).where(eq(alertSuggestions.id, id));
  if (!row) throw missing;
  if (row.status !== 'open') throw new HttpError(409, 'already_decided', `the suggestion was ${row.status} already`);
  if (version !== undefined && row.version !== version)
    throw new HttpError(
      409,
      'version_conflict',
      'the suggestion changed since you read it (more alerts joined it); reload it',
      {
        headers: { etag: `"${row.version}"` },
      },
    );
  return row;
}

/**
 * Publishes the suggestion as an ordinary incident (the person's edits over it); its components
 * that are gone since are left out. The suggestion is claimed first, so two people publishing
 * it at once make one incident; if the incident is refused, the suggestion is open again.
 */
export async function publishSuggestion(ctx: ChangeContext, id: string, input: PublishSuggestionInput) {
  const suggestion = await openSuggestion(ctx.db, id, input.version);
  const wanted = input.components ?? suggestion.components;
  const existing = await existingComponentIds(ctx.db, Object.keys(wanted));
  const incidentInput = IncidentCreateInput.parse({
    name: input.name ?? suggestion.name,
    body: input.body ?? suggestion.body,
    components: Object.fromEntries(Object.entries(wanted).filter(([componentId]) => existing.has(componentId))),
    deliver_notifications: input.deliver_notifications ?? true,
  });
  // Claimed at the version read: alerts that joined since make the claim fail, not vanish.
  const claim = (status: 'open' | 'published', from: 'open' | 'published') =>
    ctx.db
      .update(alertSuggestions)
      .set({ status, decidedBy: ctx.actor.id, decidedAt: status === 'open' ? null : ctx.now, updatedAt: ctx.now })
      .where(
        and(
          eq(alertSuggestions.id, id),
          eq(alertSuggestions.status, from),
          eq(alertSuggestions.version, suggestion.version),
        ),
      )
      .returning({ id: alertSuggestions.id });
  if ((await claim('published', 'open')).length === 0)
    throw new HttpError(
      409,
      'version_conflict',
      'the suggestion changed meanwhile (more alerts joined it, or it was decided); reload it',
    );
  let committed;
  try {
    committed = await createIncident(ctx, incidentInput);
  } catch (error) {
    await claim('open', 'published');
    throw error;
  }
  const incidentId = committed.value.id;
  await runChange(ctx, async (tx) => {
    const [row] = await tx.update(alertSuggestions).set({ incidentId }).where(eq(alertSuggestions.id, id)).returning();
    return {
      value: null,
      audit: [
        {
          action: 'alert_suggestion.publish',
          entityType: 'alert_suggestion',
          entityId: id,
          after: suggestionResource(row!),
        },
      ],
    };
  });
  return committed;
}

/** Dismisses the suggestion: its alerts stay in the inbox and do not suggest again until they fire anew. */
export async function dismissSuggestion(ctx: ChangeContext, id: string, version: number | undefined) {
  const suggestion = await openSuggestion(ctx.db, id, version);
  return runChange(ctx, async (tx) => {
    const [row] = await tx
      .update(alertSuggestions)
      .set({ status: 'dismissed', decidedBy: ctx.actor.id, decidedAt: ctx.now, updatedAt: ctx.now })
      .where(
        and(
          eq(alertSuggestions.id, id),
          eq(alertSuggestions.status, 'open'),
          eq(alertSuggestions.version, suggestion.version),
        ),
      )
      .returning();
    if (!row) throw new HttpError(409, 'already_decided', 'the suggestion was decided meanwhile');
    const value = suggestionResource(row);
    return {
      value,
      audit: [{ action: 'alert_suggestion.dismiss', entityType: 'alert_suggestion', entityId: id, after: value }],
    };
  });
}
