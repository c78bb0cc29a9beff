import { LANGUAGE_NAMES } from '../../domain/i18n/translator.ts';
import { INCIDENT_STATUSES, LANGUAGES, type Language } from '../../domain/vocabulary.ts';
import { getSettings } from '../settings/manage-settings.ts';
import { createTemplate, deleteTemplate, listTemplates, updateTemplate } from '../templates/manage-templates.ts';
import type { AdminViewer, FormAction } from './admin-form.ts';
import { versionOf } from './form-fields.ts';
import { formToTemplateInput, formToTemplatePatch, translationField } from './template-form.ts';

// The admin page of templates (src/pages/admin/templates.astro): what it shows, and the
// actions its forms send (add, edit, delete).

type Template = Awaited<ReturnType<typeof listTemplates>>[number];

export async function loadTemplatesPage({ herald }: AdminViewer) {
  const [templates, settings] = await Promise.all([listTemplates(herald.db), getSettings(herald.db)]);
  // The main wording is in the page's default language; the others are optional.
  const otherLanguages = LANGUAGES.filter((l) => l !== settings.default_language);
  return { templates, settings, otherLanguages };
}

export type TemplatesPage = Awaited<ReturnType<typeof loadTemplatesPage>>;

/** A template's edit form as stored, with a title and message field for each of `languages`. */
export function templateEditValues(t: Template, languages: readonly Language[]) {
  return {
    name: t.name,
    status: t.status,
    title: t.title,
    body: t.body,
    version: t.version,
    ...Object.fromEntries(
      languages.flatMap((l) => [
        [translationField(l, 'title'), t.translations[l]?.title ?? ''],
        [translationField(l, 'body'), t.translations[l]?.body ?? ''],
      ]),
    ),
  };
}

/** The form that opens a new event from the template; null for a maintenance template that words a later update. */
export function newEventHref(t: Template): string | null {
  if (t.kind === 'incident') return `/admin/incidents/new?template=${t.id}`;
  return t.status === 'scheduled' ? `/admin/maintenances/new?template=${t.id}` : null;
}

/** The incident statuses the template forms offer: a postmortem has its own form on the incident's page. */
export const TEMPLATE_INCIDENT_STATUSES = INCIDENT_STATUSES.filter((s) => s !== 'postmortem');

export const TEMPLATE_LABELS = {
  name: 'Name',
  status: 'Status',
  title: 'Incident name',
  body: 'Message',
  ...Object.fromEntries(
    LANGUAGES.flatMap((l) => [
      [translationField(l, 'title'), `Incident name (${LANGUAGE_NAMES[l]})`],
      [translationField(l, 'body'), `Message (${LANGUAGE_NAMES[l]})`],
    ]),
  ),
};

/** Every action of the page, by the intent its submit button sends. */
export const TEMPLATES_PAGE_ACTIONS: Record<string, FormAction<never>> = {
  create: {
    role: 'editor',
    run: async ({ change, fields }) => ({ committed: await createTemplate(change, formToTemplateInput(fields)) }),
  },
  update: {
    role: 'editor',
    run: async ({ change, fields, id }) => ({
      committed: await updateTemplate(change, id, formToTemplatePatch(fields)),
      to: `/admin/templates#template-${id}`,
    }),
  },
  delete: {
    role: 'editor',
    run: async ({ change, fields, id }) => ({
      committed: await deleteTemplate(change, id, versionOf(fields)),
      notice: 'deleted',
    }),
  },
};

/** After a version conflict, the form carries the version stored now of the template it edits. */
export function templatesPageVersion({ templates }: TemplatesPage, refused: { id: string }) {
  return templates.find((t) => t.id === refused.id)?.version;
}
