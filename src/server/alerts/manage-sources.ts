import { asc, eq } from 'drizzle-orm';
import { existingComponentIds } from '../components/manage-components.ts';
import { z } from 'zod';
import { generateSecret, hashSecret } from '../../auth/crypto.ts';
import { sealSecret } from '../../auth/secret-box.ts';
import type { Queryable } from '../../db/client.ts';
import { alertSources, componentAutomation, components, templates } from '../../db/schema.ts';
import { ALERT_SOURCE_KINDS, safeRegex } from '../../domain/alerts.ts';
import { absoluteUrl } from '../../domain/site-url.ts';
import { COMPONENT_STATUSES } from '../../domain/vocabulary.ts';
import { HttpError } from '../../infra/errors.ts';
import { newId } from '../../infra/ids.ts';
import { text } from '../../infra/text-input.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { lockForChange, nextVersion } from '../versioning.ts';
import { reconcileComponents } from './process-alerts.ts';

// Alert sources: where monitoring posts (/api/webhooks/alerts/<id>, with the source's token),
// how its alerts find their component and status, and whether they change it at once.

/** Recognisable in logs and by secret scanners, like API tokens. */
export const ALERT_TOKEN_PREFIX = 'hrldal_';

const componentId = z.string().regex(/^[0-9a-z]{12}$/, 'must be a 12-character component id');
const AlertRuleInput = z.strictObject({
  label: text(200, { required: true }),
  op: z.enum(['equals', 'regex'], { error: 'must be "equals" or "regex"' }),
  value: text(500),
  component_id: componentId,
});

const sourceFields = {
  name: text(120, { required: true }),
  rules: z.array(AlertRuleInput).max(100, 'must list at most 100 rules'),
  severities: z
    .record(
      text(100, { required: true }),
      z.enum(COMPONENT_STATUSES, { error: `must be one of ${COMPONENT_STATUSES.join(', ')}` }),
    )
    .refine((map) => Object.keys(map).length <= 50, 'must map at most 50 severities'),
  automatic: z.boolean(),
  min_firing_seconds: z.number().int().min(0).max(86_400, 'must be at most a day'),
  cooldown_seconds: z.number().int().min(0).max(86_400, 'must be at most a day'),
  stale_after_minutes: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 60, 'must be at most 30 days'),
  template_id: z
    .string()
    .regex(/^[0-9a-z]{12}$/, 'must be a 12-character template id')
    .nullable(),
  /** PagerDuty only: the signing secret PagerDuty shows for the webhook subscription. */
  signing_secret: text(500, { required: true }).nullable(),
};

export const AlertSourceInput = z
  .strictObject({
    ...sourceFields,
    kind: z.enum(ALERT_SOURCE_KINDS, { error: `must be one of ${ALERT_SOURCE_KINDS.join(', ')}` }),
    rules: sourceFields.rules.default([]),
    severities: sourceFields.severities.default({}),
    automatic: sourceFields.automatic.default(false),
    min_firing_seconds: sourceFields.min_firing_seconds.default(0),
    cooldown_seconds: sourceFields.cooldown_seconds.default(0),
    stale_after_minutes: sourceFields.stale_after_minutes.default(720),
    template_id: sourceFields.template_id.optional(),
    signing_secret: sourceFields.signing_secret.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.kind === 'pagerduty' && !input.signing_secret)
      ctx.addIssue({
        code: 'custom',
        path: ['signing_secret'],
        message: "is required for PagerDuty: paste the secret PagerDuty shows for the webhook's subscription",
      });
  });
export type AlertSourceInput = z.infer<typeof AlertSourceInput>;

export const AlertSourcePatch = z
  .strictObject(sourceFields)
  .partial()
  .extend({ version: z.number().int().positive().optional() });
export type AlertSourcePatch = z.infer<typeof AlertSourcePatch>;

type SourceRow = typeof alertSources.$inferSelect;

/** Never the token or the signing secret: only whether there is one. */
export function alertSourceResource(s: SourceRow, appUrl: string) {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    url: alertWebhookUrl(appUrl, s.id),
    rules: s.rules,
    severities: s.severities,
    automatic: s.automatic,
    min_firing_seconds: s.minFiringSeconds,
    cooldown_seconds: s.cooldownSeconds,
    stale_after_minutes: s.staleAfterMinutes,
    template_id: s.templateId,
    has_signing_secret: s.signingSecret !== null,
    state: s.revokedAt ? 'revoked' : 'active',
    created_at: s.createdAt.toISOString(),
    last_received_at: s.lastReceivedAt?.toISOString() ?? null,
    revoked_at: s.revokedAt?.toISOString() ?? null,
    version: s.version,
  };
}

export const alertWebhookUrl = (appUrl: string, id: string) => absoluteUrl(appUrl, `/api/webhooks/alerts/${id}`);

export async function listAlertSources(db: Queryable, appUrl: string) {
  const rows = await db.select().from(alertSources).orderBy(asc(alertSources.createdAt));
  return rows.map((row) => alertSourceResource(row, appUrl));
}

/** The rules' components and patterns, and the template, must exist and compile: the field names the one that does not. */
async function checkReferences(
  db: Queryable,
  input: { rules?: z.infer<typeof AlertRuleInput>[] | undefined; template_id?: string | null | undefined },
) {
  const rules = input.rules ?? [];
  const bad = rules.findIndex((r) => r.op === 'regex' && safeRegex(r.value) === null);
  if (bad >= 0)
    throw new HttpError(422, 'invalid_field', 'is not a regular expression that compiles', {
      field: `rules.${bad}.value`,
    });
  const known = await existingComponentIds(
    db,
    rules.map((r) => r.component_id),
  );
  const missing = rules.findIndex((r) => !known.has(r.component_id));
  if (missing >= 0)
    throw new HttpError(422, 'invalid_field', `no component has the id "${rules[missing]!.component_id}"`, {
      field: `rules.${missing}.component_id`,
    });
  if (input.template_id) {
    const [template] = await db
      .select({ kind: templates.kind })
      .from(templates)
      .where(eq(templates.id, input.template_id));
    if (!template || template.kind !== 'incident')
      throw new HttpError(422, 'invalid_field', 'is not an incident template', { field: 'template_id' });
  }
}

function sealed(secretsKey: Buffer | undefined, secret: string, owner: string): string {
  if (!secretsKey)
    throw new HttpError(
      422,
      'invalid_field',
      'cannot be kept: set HERALD_SECRETS_KEY (openssl rand -hex 32) so Herald can encrypt it',
      { field: 'signing_secret' },
    );
  return sealSecret(secretsKey, secret, owner);
}

/** Creates a source; the answer carries its token, once. */
export async function createAlertSource(
  ctx: ChangeContext,
  input: AlertSourceInput,
  options: { appUrl: string; secretsKey: Buffer | undefined },
) {
  await checkReferences(ctx.db, input);
  const id = newId();
  const signingSecret = input.signing_secret ? sealed(options.secretsKey, input.signing_secret, id) : null;
  const token = `${ALERT_TOKEN_PREFIX}${generateSecret()}`;
  return runChange(ctx, async (tx) => {
    const [row] = await tx
      .insert(alertSources)
      .values({
        id,
        name: input.name,
        kind: input.kind,
        tokenHash: hashSecret(token),
        signingSecret,
        rules: input.rules,
        severities: input.severities,
        automatic: input.automatic,
        minFiringSeconds: input.min_firing_seconds,
        cooldownSeconds: input.cooldown_seconds,
        staleAfterMinutes: input.stale_after_minutes,
        templateId: input.template_id ?? null,
        createdBy: ctx.actor.id,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    const value = alertSourceResource(row!, options.appUrl);
    return {
      value: { ...value, token },
      audit: [{ action: 'alert_source.create', entityType: 'alert_source', entityId: row!.id, after: value }],
    };
  });
}

export async function updateAlertSource(
  ctx: ChangeContext,
  id: string,
  patch: AlertSourcePatch,
  options: { appUrl: string; secretsKey: Buffer | undefined },
) {
  await checkReferences(ctx.db, patch);
  const signingSecret = patch.signing_secret ? sealed(options.secretsKey, patch.signing_secret, id) : undefined;
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<SourceRow>(tx, alertSources, 'alert source', id, patch.version);
    const [row] = await tx
      .update(alertSources)
      .set({
        name: patch.name,
        rules: patch.rules,
        severities: patch.severities,
        automatic: patch.automatic,
        minFiringSeconds: patch.min_firing_seconds,
        cooldownSeconds: patch.cooldown_seconds,
        staleAfterMinutes: patch.stale_after_minutes,
        templateId: patch.template_id,
        ...(signingSecret ? { signingSecret } : {}),
        updatedAt: ctx.now,
        version: nextVersion(alertSources),
      })
      .where(eq(alertSources.id, id))
      .returning();
    const before = alertSourceResource(current, options.appUrl);
    const value = alertSourceResource(row!, options.appUrl);
    return {
      value,
      audit: [{ action: 'alert_source.update', entityType: 'alert_source', entityId: id, before, after: value }],
    };
  });
}

/** Revokes the token: the source's posts are refused from now on; its alerts stay in the inbox. */
export function revokeAlertSource(ctx: ChangeContext, id: string, appUrl: string) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<SourceRow>(tx, alertSources, 'alert source', id, undefined);
    const [row] = await tx
      .update(alertSources)
      .set({ revokedAt: current.revokedAt ?? ctx.now, version: nextVersion(alertSources) })
      .where(eq(alertSources.id, id))
      .returning();
    const value = alertSourceResource(row!, appUrl);
    return {
      value,
      audit: [{ action: 'alert_source.revoke', entityType: 'alert_source', entityId: id, after: value }],
    };
  });
}

export const AutomaticStatusInput = z.strictObject({ automatic: z.boolean({ error: 'must be true or false' }) });

/**
 * Lets alerts of every source set this component's status at once (or stops it), then brings the
 * status in line with its alerts. Answers the component's automation.
 */
export async function setAutomaticStatus(ctx: ChangeContext, componentId: string, automatic: boolean) {
  const missing = new HttpError(404, 'not_found', `no component has the id "${componentId}"`);
  const [component] = await ctx.db.select({ id: components.id }).from(components).where(eq(components.id, componentId));
  if (!component) throw missing;
  const committed = await runChange(ctx, async (tx) => {
    await tx
      .insert(componentAutomation)
      .values({ componentId, automatic })
      .onConflictDoUpdate({ target: componentAutomation.componentId, set: { automatic } });
    const value = { component_id: componentId, automatic };
    return {
      value,
      audit: [{ action: 'component.automation', entityType: 'component', entityId: componentId, after: value }],
    };
  });
  const scope = await reconcileComponents(ctx, [componentId]);
  return { ...committed, scope };
}
