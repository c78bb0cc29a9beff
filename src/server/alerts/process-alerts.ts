import { and, asc, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { staffUsers } from '../users/manage-users.ts';
import type { Database, Queryable } from '../../db/client.ts';
import {
  alerts,
  alertSources,
  alertSuggestions,
  componentAutomation,
  components,
  componentStatusChanges,
  incidentComponents,
  incidents,
  pageSettings,
  templates,
} from '../../db/schema.ts';
import { applies, matchComponent, severityStatus, worseStatus, type NormalizedAlert } from '../../domain/alerts.ts';
import { renderTemplate } from '../../domain/templates.ts';
import type { ComponentStatus } from '../../domain/vocabulary.ts';
import { newId } from '../../infra/ids.ts';
import { enqueueStaffEmails } from '../../notify/staff-messages.ts';
import type { ChangeScope } from '../../publish/publisher.ts';
import { runChange, type Actor, type ChangeContext } from '../change.ts';

// What alerts do, once a source's post is authenticated and read: each alert is kept (one row
// per fingerprint, changed only by a newer notification), then the components they are about
// either get a suggested incident (the default) or, where automation is on and no person's
// incident or maintenance is open on them, their public status set at once (never notifying
// anyone) and returned to operational when every alert for them has resolved.

type SourceRow = typeof alertSources.$inferSelect;
type AlertRow = typeof alerts.$inferSelect;

export interface IngestResult {
  /** Alerts in the post, and how many changed something (replays and late arrivals change nothing). */
  received: number;
  changed: number;
  /** Suggestions created or joined. */
  suggestions: string[];
  /** What the public site must re-render (automatic status changes); none when nothing public changed. */
  scope: ChangeScope | undefined;
}

/** The actor of automatic changes: the source, by name, in the audit log. */
export const sourceActor = (source: Pick<SourceRow, 'id' | 'name'>): Actor => ({
  type: 'system',
  id: null,
  label: `Alert source "${source.name}"`,
  role: 'editor',
});

/**
 * Keeps one alert: the stored row of its fingerprint is locked, so notifications of one
 * alert are applied one at a time, and one older than what is stored changes nothing.
 * Returns the row as it is now and whether it changed.
 */
async function keepAlert(
  db: Database,
  source: SourceRow,
  alert: NormalizedAlert,
  componentList: ReadonlyArray<{ id: string; name: string }>,
  now: Date,
): Promise<{ row: AlertRow; changed: boolean }> {
  return db.transaction(async (tx) => {
    const where = and(eq(alerts.sourceId, source.id), eq(alerts.fingerprint, alert.fingerprint));
    let [stored] = await tx.select().from(alerts).where(where).for('update');
    if (!stored) {
      const inserted = await tx
        .insert(alerts)
        .values({
          id: newId(),
          sourceId: source.id,
          fingerprint: alert.fingerprint,
          status: alert.status,
          labels: alert.labels,
          annotations: alert.annotations,
          componentId: matchComponent(alert.labels, source.rules, componentList),
          componentStatus: severityStatus(alert.labels, source.severities),
          startsAt: alert.startsAt,
          endsAt: alert.endsAt,
          generatorUrl: alert.generatorUrl,
          dashboardUrl: alert.dashboardUrl,
          firstSeenAt: now,
          lastReceivedAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning();
      if (inserted[0]) return { row: inserted[0], changed: true };
      // Another request made it meanwhile: wait for it, then apply this one on top.
      [stored] = await tx.select().from(alerts).where(where).for('update');
    }
    if (!applies(stored!, alert)) {
      const [row] = await tx.update(alerts).set({ lastReceivedAt: now }).where(eq(alerts.id, stored!.id)).returning();
      return { row: row!, changed: false };
    }
    // A new firing episode: after a resolve, or one that started later (a stale alert heard of
    // again with its old start is the same episode, its suggestion and all).
    const newEpisode =
      alert.status === 'firing' && (stored!.status === 'resolved' || alert.startsAt > stored!.startsAt);
    const [row] = await tx
      .update(alerts)
      .set({
        status: alert.status,
        labels: alert.labels,
        annotations: alert.annotations,
        componentId: matchComponent(alert.labels, source.rules, componentList),
        componentStatus: severityStatus(alert.labels, source.severities),
        startsAt: alert.status === 'firing' && !newEpisode ? stored!.startsAt : alert.startsAt,
        // (A resolve keeps the episode's start: the row says when it began and when it ended.)
        endsAt: alert.endsAt,
        generatorUrl: alert.generatorUrl,
        dashboardUrl: alert.dashboardUrl,
        // A new firing episode may need a new suggestion.
        ...(newEpisode ? { suggestionId: null } : {}),
        lastReceivedAt: now,
        updatedAt: now,
      })
      .where(eq(alerts.id, stored!.id))
      .returning();
    const changed =
      stored!.status !== row!.status ||
      stored!.componentId !== row!.componentId ||
      stored!.componentStatus !== row!.componentStatus;
    return { row: row!, changed };
  });
}

/** Applies a source's alerts, in the order they came. */
export async function ingestAlerts(
  ctx: ChangeContext,
  source: SourceRow,
  incoming: readonly NormalizedAlert[],
): Promise<IngestResult> {
  const componentList = await ctx.db.select({ id: components.id, name: components.name }).from(components);
  let changed = 0;
  const touched = new Set<string>();
  for (const alert of incoming) {
    const kept = await keepAlert(ctx.db, source, alert, componentList, ctx.now);
    if (kept.changed) changed++;
    if (kept.row.componentId) touched.add(kept.row.componentId);
  }
  await ctx.db.update(alertSources).set({ lastReceivedAt: ctx.now }).where(eq(alertSources.id, source.id));
  const scope = await reconcileComponents(ctx, [...touched]);
  const suggestions = await suggestIncidents(ctx, [...touched]);
  return { received: incoming.length, changed, suggestions, scope };
}

/** Components under a person's care: an open incident, or a maintenance under way, names them. */
async function personOwned(db: Queryable, componentIds: readonly string[]): Promise<Set<string>> {
  if (componentIds.length === 0) return new Set();
  const rows = await db
    .select({ id: incidentComponents.componentId })
    .from(incidentComponents)
    .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
    .where(
      and(
        inArray(incidentComponents.componentId, [...componentIds]),
        isNull(incidents.resolvedAt),
        or(eq(incidents.kind, 'incident'), inArray(incidents.status, ['in_progress', 'verifying'])),
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/**
 * The alerts still open on these components (firing, or stale: not heard of, not resolved either),
 * with what their sources say about automation and timing.
 */
async function openAlertsOn(db: Queryable, componentIds: readonly string[]) {
  if (componentIds.length === 0) return [];
  return db
    .select({
      alert: alerts,
      automatic: alertSources.automatic,
      minFiringSeconds: alertSources.minFiringSeconds,
      cooldownSeconds: alertSources.cooldownSeconds,
      sourceName: alertSources.name,
    })
    .from(alerts)
    .innerJoin(alertSources, eq(alertSources.id, alerts.sourceId))
    .where(and(inArray(alerts.componentId, [...componentIds]), inArray(alerts.status, ['firing', 'stale'])));
}

/**
 * Brings the automatic status of these components in line with their alerts: the worst status
 * of the firing alerts that automation may act on (firing for at least their source's minimum),
 * or operational again once none fires, but only if automation's last status still stands (a
 * person's change wins). Never while a person's incident or maintenance is open on the component,
 * and at most once per cooldown. Returns the publish scope, if anything changed.
 */
export async function reconcileComponents(
  ctx: ChangeContext,
  componentIds: readonly string[],
): Promise<ChangeScope | undefined> {
  if (componentIds.length === 0) return undefined;
  const [firing, owned, automation, current, cooldowns] = await Promise.all([
    openAlertsOn(ctx.db, componentIds),
    personOwned(ctx.db, componentIds),
    ctx.db
      .select()
      .from(componentAutomation)
      .where(inArray(componentAutomation.componentId, [...componentIds])),
    ctx.db
      .select({ id: components.id, name: components.name, status: components.status })
      .from(components)
      .where(inArray(components.id, [...componentIds])),
    ctx.db.select({ id: alertSources.id, seconds: alertSources.cooldownSeconds }).from(alertSources),
  ]);
  const cooldownOf = new Map(cooldowns.map((c) => [c.id, c.seconds * 1000]));
  const changedIds: string[] = [];
  for (const component of current) {
    if (owned.has(component.id)) continue;
    const state = automation.find((a) => a.componentId === component.id);
    const mine = firing.filter(
      (f) => f.alert.componentId === component.id && (f.automatic || state?.automatic === true),
    );
    // A stale alert holds the status where it is (nobody said it resolved), but sets none.
    const due = mine.filter(
      (f) => f.alert.status === 'firing' && ctx.now.getTime() - f.alert.startsAt.getTime() >= f.minFiringSeconds * 1000,
    );
    let desired: ComponentStatus | undefined;
    for (const f of due) desired = worseStatus(desired, f.alert.componentStatus ?? 'partial_outage');
    // The cooldown of the sources acting now, and of the one whose change it would follow.
    const cooldownMs = Math.max(
      0,
      ...mine.map((f) => f.cooldownSeconds * 1000),
      (state?.setBy && cooldownOf.get(state.setBy)) || 0,
    );
    const cooling = state?.changedAt && ctx.now.getTime() - state.changedAt.getTime() < cooldownMs;
    let next: ComponentStatus | null = null;
    let by: (typeof mine)[number] | undefined;
    if (desired && desired !== component.status) {
      next = desired;
      by = due.find((f) => f.alert.componentStatus === desired) ?? due[0];
    } else if (!desired && mine.length === 0 && state?.setStatus && state.setStatus === component.status) {
      next = 'operational';
    }
    if (!next || cooling) continue;
    const actor: Actor = by
      ? sourceActor({ id: by.alert.sourceId, name: by.sourceName })
      : { type: 'system', id: null, label: 'Alerts (all resolved)', role: 'editor' };
    const to = next;
    await runChange({ ...ctx, actor }, async (tx) => {
      const [locked] = await tx.select().from(components).where(eq(components.id, component.id)).for('update');
      if (!locked || locked.status === to) return { value: null, audit: [] };
      await tx
        .update(components)
        .set({ status: to, updatedAt: ctx.now, version: sql`${components.version} + 1` })
        .where(eq(components.id, component.id));
      // The uptime history counts it like any status; no subscriber or webhook hears of it.
      await tx.insert(componentStatusChanges).values({ componentId: component.id, status: to, changedAt: ctx.now });
      await tx
        .insert(componentAutomation)
        .values({
          componentId: component.id,
          setStatus: to === 'operational' ? null : to,
          setBy: by?.alert.sourceId ?? null,
          changedAt: ctx.now,
        })
        .onConflictDoUpdate({
          target: componentAutomation.componentId,
          set: { setStatus: to === 'operational' ? null : to, setBy: by?.alert.sourceId ?? null, changedAt: ctx.now },
        });
      return {
        value: null,
        scope: { componentIds: [component.id] },
        audit: [
          {
            action: 'component.automatic_status',
            entityType: 'component',
            entityId: component.id,
            before: { status: locked.status },
            after: { status: to, alert: by ? by.alert.fingerprint : null },
          },
        ],
      };
    });
    changedIds.push(component.id);
  }
  return changedIds.length > 0 ? { componentIds: changedIds } : undefined;
}

const DEFAULT_NAME = 'Problems with {{components}}';
const DEFAULT_BODY =
  'We are investigating reports of problems with {{components}}. We will post an update as soon as we know more.';

/** An alert's line in the staff email and the inbox: its name, else its labels. */
export function alertTitle(alert: Pick<AlertRow, 'labels' | 'annotations'>): string {
  const name = alert.labels.alertname ?? alert.annotations.summary;
  if (name) return name;
  return Object.entries(alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')
    .slice(0, 200);
}

/**
 * Firing alerts on these components that no automation acts on (or whose component a person
 * looks after) join their source's open suggestion, or start one: prefilled from the source's
 * template, with the components and the statuses their severities stand for. A new suggestion
 * is emailed to the staff on call (admins and editors). Returns the suggestions touched.
 */
async function suggestIncidents(ctx: ChangeContext, componentIds: readonly string[]): Promise<string[]> {
  if (componentIds.length === 0) return [];
  const [firing, owned, automation] = await Promise.all([
    openAlertsOn(ctx.db, componentIds),
    personOwned(ctx.db, componentIds),
    ctx.db
      .select()
      .from(componentAutomation)
      .where(inArray(componentAutomation.componentId, [...componentIds])),
  ]);
  const automatic = new Set(automation.filter((a) => a.automatic).map((a) => a.componentId));
  const waiting = firing.filter(
    (f) =>
      f.alert.status === 'firing' &&
      f.alert.suggestionId === null &&
      (owned.has(f.alert.componentId!) || !(f.automatic || automatic.has(f.alert.componentId!))),
  );
  const bySource = new Map<string, typeof waiting>();
  for (const f of waiting) bySource.set(f.alert.sourceId, [...(bySource.get(f.alert.sourceId) ?? []), f]);
  const touched: string[] = [];
  for (const [sourceId, list] of bySource) touched.push(await joinSuggestion(ctx, sourceId, list));
  return touched;
}

async function joinSuggestion(
  ctx: ChangeContext,
  sourceId: string,
  list: Awaited<ReturnType<typeof openAlertsOn>>,
): Promise<string> {
  return ctx.db.transaction(async (tx) => {
    // One open suggestion per source at a time: its row (or the source's) is the lock.
    const [source] = await tx.select().from(alertSources).where(eq(alertSources.id, sourceId)).for('update');
    // Locked: a publish or dismissal claims it with its version, so alerts never join one that is being decided.
    const [open] = await tx
      .select()
      .from(alertSuggestions)
      .where(and(eq(alertSuggestions.sourceId, sourceId), eq(alertSuggestions.status, 'open')))
      .orderBy(asc(alertSuggestions.createdAt))
      .limit(1)
      .for('update');
    const statuses: Record<string, ComponentStatus> = { ...(open?.components ?? {}) };
    for (const f of list)
      statuses[f.alert.componentId!] = worseStatus(
        statuses[f.alert.componentId!],
        f.alert.componentStatus ?? 'partial_outage',
      );
    const names = await tx
      .select({ id: components.id, name: components.name })
      .from(components)
      .where(inArray(components.id, Object.keys(statuses)));
    const componentNames = Object.keys(statuses).map((id) => names.find((n) => n.id === id)?.name ?? id);
    const values = { component: componentNames[0] ?? '', components: componentNames.join(', ') };
    let id: string;
    if (open) {
      id = open.id;
      await tx
        .update(alertSuggestions)
        .set({ components: statuses, updatedAt: ctx.now, version: sql`${alertSuggestions.version} + 1` })
        .where(eq(alertSuggestions.id, id));
    } else {
      const [template] = source?.templateId
        ? await tx.select().from(templates).where(eq(templates.id, source.templateId))
        : [];
      id = newId();
      await tx.insert(alertSuggestions).values({
        id,
        sourceId,
        name: renderTemplate(template?.title ?? DEFAULT_NAME, values),
        body: renderTemplate(template?.body ?? DEFAULT_BODY, values),
        components: statuses,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      });
      await notifyStaff(tx, { id, name: renderTemplate(template?.title ?? DEFAULT_NAME, values) }, source, {
        components: componentNames,
        alerts: list.map((f) => alertTitle(f.alert)),
        now: ctx.now,
      });
    }
    await tx
      .update(alerts)
      .set({ suggestionId: id })
      .where(
        inArray(
          alerts.id,
          list.map((f) => f.alert.id),
        ),
      );
    return id;
  });
}

async function notifyStaff(
  tx: Parameters<Parameters<Database['transaction']>[0]>[0],
  suggestion: { id: string; name: string },
  source: SourceRow | undefined,
  facts: { components: string[]; alerts: string[]; now: Date },
): Promise<void> {
  const [settings] = await tx.select().from(pageSettings).where(eq(pageSettings.id, 1));
  // The staff list chosen in the settings, else every admin and editor.
  const staff = await staffUsers(tx, settings?.alertStaff ?? []);
  await enqueueStaffEmails(
    tx,
    staff.map((s) => ({
      userId: s.id,
      to: s.email,
      incidentId: null,
      message: {
        kind: 'alert_suggestion',
        page: {
          name: settings?.name ?? 'Herald',
          brandColor: settings?.brandColor ?? '#2563eb',
          timeZone: settings?.timeZone ?? 'Etc/UTC',
        },
        suggestion,
        source: source?.name ?? 'Monitoring',
        components: facts.components,
        alerts: [...new Set(facts.alerts)].slice(0, 20),
        at: facts.now.toISOString(),
      },
    })),
    facts.now,
  );
}

/**
 * The minute tick's part: firing alerts not heard of for longer than their source allows are
 * marked stale (not resolved: nobody said so), and every component with alerts or automation
 * is reconciled (a minimum firing time or a cooldown may have passed). Returns the publish scope.
 */
export async function tickAlerts(ctx: ChangeContext): Promise<{ stale: number; scope: ChangeScope | undefined }> {
  const stale = await ctx.db
    .update(alerts)
    .set({ status: 'stale', updatedAt: ctx.now })
    .where(
      and(
        eq(alerts.status, 'firing'),
        sql`${alerts.lastReceivedAt} < ${ctx.now.toISOString()}::timestamptz - (select ${alertSources.staleAfterMinutes} from ${alertSources} where ${alertSources.id} = ${alerts.sourceId}) * interval '1 minute'`,
      ),
    )
    .returning({ componentId: alerts.componentId });
  const rows = await ctx.db
    .selectDistinct({ id: alerts.componentId })
    .from(alerts)
    .where(and(isNotNull(alerts.componentId), eq(alerts.status, 'firing')));
  const automated = await ctx.db
    .select({ id: componentAutomation.componentId })
    .from(componentAutomation)
    .where(isNotNull(componentAutomation.setStatus));
  const ids = [
    ...new Set([
      ...rows.map((r) => r.id!),
      ...automated.map((a) => a.id),
      ...stale.flatMap((s) => (s.componentId ? [s.componentId] : [])),
    ]),
  ];
  const scope = await reconcileComponents(ctx, ids);
  await suggestIncidents(ctx, ids);
  await forgetOldAlerts(ctx.db, ctx.now);
  return { stale: stale.length, scope };
}

/** Drops alerts resolved long ago from the inbox (30 days), so it stays an inbox. */
export async function forgetOldAlerts(db: Queryable, now: Date): Promise<void> {
  await db
    .delete(alerts)
    .where(and(eq(alerts.status, 'resolved'), lt(alerts.updatedAt, new Date(now.getTime() - 30 * 86_400_000))));
}
