import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { templates } from '../../db/schema.ts';
import { RuleViolation } from '../../domain/errors.ts';
import { checkTemplateText } from '../../domain/templates.ts';
import { isIncidentStatus, type EventKind, type EventStatus } from '../../domain/vocabulary.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { notFound } from '../../infra/errors.ts';
import { isId, newId } from '../../infra/ids.ts';
import { lockForChange, nextVersion } from '../versioning.ts';
import type { TemplateInput, TemplatePatch, TemplateTranslations } from './template-input.ts';

type TemplateRow = typeof templates.$inferSelect;

export function templateResource(t: TemplateRow) {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    status: t.status,
    title: t.title,
    body: t.body,
    translations: t.translations as TemplateTranslations,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
    version: t.version,
  };
}

function check(
  kind: EventKind,
  status: EventStatus,
  title: string,
  body: string,
  translations: TemplateTranslations = {},
): void {
  if ((kind === 'incident') !== isIncidentStatus(status))
    throw new RuleViolation(
      'invalid_status',
      `"${status}" is not a status a${kind === 'incident' ? 'n incident' : ' maintenance'} can have`,
      'status',
    );
  checkTemplateText(title, 'title');
  checkTemplateText(body, 'body');
  for (const [language, text] of Object.entries(translations)) {
    checkTemplateText(text.title, `translations.${language}.title`);
    checkTemplateText(text.body, `translations.${language}.body`);
  }
}

export async function listTemplates(db: Queryable) {
  return (await db.select().from(templates).orderBy(asc(templates.kind), asc(templates.name))).map(templateResource);
}

export async function getTemplate(db: Queryable, id: string) {
  if (!isId(id)) throw notFound('template', id);
  const [row] = await db.select().from(templates).where(eq(templates.id, id));
  if (!row) throw notFound('template', id);
  return templateResource(row);
}

export function createTemplate(ctx: ChangeContext, input: TemplateInput) {
  const kind = input.kind ?? (isIncidentStatus(input.status) ? 'incident' : 'maintenance');
  check(kind, input.status, input.title, input.body, input.translations);
  return runChange(ctx, async (tx) => {
    const [row] = await tx
      .insert(templates)
      .values({
        id: newId(),
        name: input.name,
        kind,
        status: input.status,
        title: input.title,
        body: input.body,
        translations: input.translations ?? {},
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    const value = templateResource(row!);
    return { value, audit: [{ action: 'template.create', entityType: 'template', entityId: row!.id, after: value }] };
  });
}

export function updateTemplate(ctx: ChangeContext, id: string, patch: TemplatePatch) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<TemplateRow>(tx, templates, 'template', id, patch.version);
    const next = {
      ...current,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    } as TemplateRow;
    check(next.kind, next.status, next.title, next.body, next.translations as TemplateTranslations);
    const [row] = await tx
      .update(templates)
      .set({
        name: next.name,
        kind: next.kind,
        status: next.status,
        title: next.title,
        body: next.body,
        translations: next.translations,
        updatedAt: ctx.now,
        version: nextVersion(templates),
      })
      .where(eq(templates.id, id))
      .returning();
    const value = templateResource(row!);
    return {
      value,
      audit: [
        {
          action: 'template.update',
          entityType: 'template',
          entityId: id,
          before: templateResource(current),
          after: value,
        },
      ],
    };
  });
}

export function deleteTemplate(ctx: ChangeContext, id: string, version: number | undefined) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<TemplateRow>(tx, templates, 'template', id, version);
    await tx.delete(templates).where(eq(templates.id, id));
    return {
      value: null,
      audit: [{ action: 'template.delete', entityType: 'template', entityId: id, before: templateResource(current) }],
    };
  });
}

const DEFAULT_TEMPLATES: Array<Omit<TemplateInput, 'kind'> & { kind: EventKind }> = [
  {
    name: 'Investigating',
    kind: 'incident',
    status: 'investigating',
    title: 'Degraded performance of {{component}}',
    body: 'We are investigating reports of problems with {{components}}. We will post an update by {{next_update}}.',
  },
  {
    name: 'Identified',
    kind: 'incident',
    status: 'identified',
    title: 'Problems with {{component}}',
    body: 'We have identified the cause of the problems with {{components}} and are working on a fix. Next update by {{next_update}}.',
  },
  {
    name: 'Monitoring',
    kind: 'incident',
    status: 'monitoring',
    title: 'Problems with {{component}}',
    body: 'A fix has been applied and {{components}} is recovering. We are monitoring the results.',
  },
  {
    name: 'Resolved',
    kind: 'incident',
    status: 'resolved',
    title: 'Problems with {{component}}',
    body: 'This incident has been resolved. {{components}} is working normally again. We apologise for the disruption.',
  },
  {
    name: 'Scheduled maintenance',
    kind: 'maintenance',
    status: 'scheduled',
    title: 'Scheduled maintenance of {{component}}',
    body: 'We will carry out maintenance on {{components}} from {{start_time}} to {{end_time}}. Short interruptions are possible during this window.',
  },
  {
    name: 'Maintenance in progress',
    kind: 'maintenance',
    status: 'in_progress',
    title: 'Scheduled maintenance of {{component}}',
    body: 'Maintenance on {{components}} is in progress.',
  },
  {
    name: 'Maintenance completed',
    kind: 'maintenance',
    status: 'completed',
    title: 'Scheduled maintenance of {{component}}',
    body: 'Maintenance on {{components}} has been completed.',
  },
];

/** Seeds the default wording into an empty template list. */
export async function seedDefaultTemplates(db: Queryable, now: Date): Promise<void> {
  const [any] = await db.select({ id: templates.id }).from(templates).limit(1);
  if (any) return;
  await db
    .insert(templates)
    .values(DEFAULT_TEMPLATES.map((t) => ({ id: newId(), ...t, createdAt: now, updatedAt: now })));
}
