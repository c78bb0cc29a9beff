import { defaultPostmortem } from '../../domain/postmortem.ts';
import { allowedNextStatuses, isClosedStatus } from '../../domain/incident-lifecycle.ts';
import { languageOr } from '../../domain/i18n/translator.ts';
import type { IncidentView } from '../../domain/snapshot.ts';
import { COMPONENT_STATUSES, type Language } from '../../domain/vocabulary.ts';
import { deliveryCountsByUpdate } from '../../notify/enqueue.ts';
import { notFound } from '../../infra/errors.ts';
import { isId } from '../../infra/ids.ts';
import { eventKindOf, incidentFormFacts } from '../incidents/incident-queries.ts';
import { deleteIncident, editUpdate, patchIncident, postUpdate } from '../incidents/manage-incidents.ts';
import { IncidentPatch } from '../incidents/incident-input.ts';
import { staffChoices } from '../users/manage-users.ts';
import { addNote, listNotes, NoteInput } from '../incidents/notes.ts';
import { savePostmortem } from '../incidents/postmortem.ts';
import type { HeraldServices } from '../services.ts';
import { listTemplates } from '../templates/manage-templates.ts';
import type { AdminViewer, FormAction, PostedForm } from './admin-form.ts';
import { textOf, versionOf } from './form-fields.ts';
import { formToDeletion, formToUpdateEdit, formToUpdateInput } from './incident-form.ts';
import { formSettingsOf, previewUpdate, readAdminSnapshot } from './incident-preview.ts';
import { INCIDENT_IMPACTS } from './new-event-form.ts';
import { formToPostmortemInput, previewPostmortem } from './postmortem-form.ts';
import { chosenTemplate, fillRemainingVariables, templateFormValues, templateValues } from './template-fill.ts';

// The admin page of one incident or maintenance (src/pages/admin/incidents/[id].astro): what
// it shows, and the actions its forms send (post an update or preview it, resolve, correct an
// update's text, delete, and the postmortem's preview, draft and publish).

/**
 * The page, its components, the incident's own templates, and the incident as a view (null when there is none with this
 * id).
 */
async function loadSetup(herald: HeraldServices, id: string) {
  const [snapshot, templates] = await Promise.all([
    readAdminSnapshot(herald, isId(id) ? [id] : []),
    listTemplates(herald.db),
  ]);
  const { now, components, groups } = snapshot;
  const view = snapshot.incidents[0] ?? null;
  // An incident's kind never changes: the templates of its kind stay the same after a reload.
  const ownTemplates = templates.filter((t) => t.kind === view?.kind);
  return { now, settings: formSettingsOf(snapshot.page), components, groups, templates: ownTemplates, snapshot, view };
}

type Setup = Awaited<ReturnType<typeof loadSetup>>;

/** The incident an action is about; a 404 for the form when it is gone. */
function existing(setup: Setup, id: string): IncidentView {
  if (!setup.view) throw notFound('incident', id);
  return setup.view;
}

/** The template variables of an update to `view`, with the components and next-update time the form names. */
function updateValues(
  setup: Setup,
  view: IncidentView,
  changes: Record<string, string> | undefined,
  minutes: number | null | undefined,
  language: Language,
) {
  return templateValues({
    componentNames: setup.components
      .filter((c) => view.componentIds.includes(c.id) || (changes && c.id in changes))
      .map((c) => c.name),
    pageName: setup.settings.name,
    timeZone: setup.settings.time_zone,
    language,
    incidentName: view.name,
    nextUpdateAt: typeof minutes === 'number' ? new Date(setup.now.getTime() + minutes * 60_000) : null,
    startAt: view.scheduledFor ?? view.startedAt,
    endAt: view.scheduledUntil,
  });
}

/** Everything the page renders, read after any submit so it shows what is stored now. */
export async function loadIncidentPage({ herald, params, method, url }: AdminViewer) {
  const setup = await loadSetup(herald, params.id ?? '');
  const { view, settings, components, now } = setup;
  const picked = chosenTemplate(method, url, setup.templates, settings.default_language);
  const facts = view && (await incidentFormFacts(herald.db, view.id));
  if (!view || !facts) return { ...setup, picked, found: null };
  const what = view.kind === 'maintenance' ? 'maintenance' : 'incident';
  const closed = isClosedStatus(view.status);
  const affectedNames = components.filter((c) => view.componentIds.includes(c.id)).map((c) => c.name);
  // Maintenance runs to a published window; only incidents promise the next update by default.
  const updateDefaults = {
    status: view.status,
    next_update_in_minutes: what === 'maintenance' ? '' : '60',
    deliver_notifications: true,
    version: facts.version,
  };
  // Components and the next update time are filled in on submit, from what the form says then.
  const known = templateValues({
    componentNames: [],
    pageName: settings.name,
    timeZone: settings.time_zone,
    incidentName: view.name,
    language: picked.language,
  });
  const tz = settings.time_zone;
  return {
    ...setup,
    picked,
    found: {
      view,
      facts,
      what,
      closed,
      affectedNames,
      overdue: !closed && view.nextUpdateDueAt !== null && view.nextUpdateDueAt.getTime() < now.getTime(),
      statuses: allowedNextStatuses(view.kind, view.status),
      impacts: INCIDENT_IMPACTS,
      componentStatuses:
        view.kind === 'maintenance' ? COMPONENT_STATUSES : COMPONENT_STATUSES.filter((s) => s !== 'under_maintenance'),
      deliveryCounts: await deliveryCountsByUpdate(herald.db, view.id),
      notes: await listNotes(herald.db, view.id),
      staff: await staffChoices(herald.db),
      rolesValues: {
        incident_manager_id: facts.incidentManagerId ?? '',
        communications_lead_id: facts.communicationsLeadId ?? '',
        version: facts.version,
      },
      updateValues: picked.template
        ? { ...updateDefaults, ...templateFormValues(picked.template, picked.language, known) }
        : updateDefaults,
      resolveValues: {
        status: what === 'maintenance' ? 'completed' : 'resolved',
        body:
          what === 'maintenance' ? 'The scheduled maintenance has been completed.' : 'This incident has been resolved.',
        deliver_notifications: true,
        version: facts.version,
      },
      postmortemValues: {
        body:
          view.postmortemBody ??
          defaultPostmortem({
            incidentName: view.name,
            componentNames: affectedNames,
            startedAt: view.startedAt,
            resolvedAt: view.resolvedAt,
            timeZone: tz,
          }),
        version: facts.version,
      },
    },
  };
}

export type IncidentPage = Awaited<ReturnType<typeof loadIncidentPage>>;

/** What a preview shows on the page: the incident with the unsent update, or with the postmortem published. */
export type IncidentPagePreview = { of: 'update' | 'postmortem'; incident: IncidentView };

/** The form's update as the use case's input, with the template variables it left filled in. */
async function updateInput(herald: HeraldServices, id: string, fields: PostedForm) {
  const setup = await loadSetup(herald, id);
  const current = existing(setup, id);
  const parsed = formToUpdateInput(fields);
  const language = languageOr(textOf(fields, 'template_language'), setup.settings.default_language);
  return {
    setup,
    current,
    input: fillRemainingVariables(
      parsed,
      updateValues(setup, current, parsed.components, parsed.next_update_in_minutes, language),
    ),
  };
}

/** Messages name what the page is about: "this maintenance" or "this incident". */
const eventWord = async ({ herald, params }: { herald: HeraldServices; params: Record<string, string | undefined> }) =>
  (await eventKindOf(herald.db, params.id ?? '')) === 'maintenance' ? 'maintenance' : 'incident';

const backTo = (id: string, fragment = '') => `/admin/incidents/${id}/${fragment}`;

const publishUpdate: FormAction<IncidentPagePreview>['run'] = async ({ herald, change, fields, params }) => {
  const id = params.id ?? '';
  const committed = await postUpdate(change, id, (await updateInput(herald, id, fields)).input);
  return { committed, to: backTo(id) };
};

const savePostmortemAs: FormAction<IncidentPagePreview>['run'] = async ({ change, fields, params }) => {
  const id = params.id ?? '';
  const input = formToPostmortemInput(fields);
  const committed = await savePostmortem(change, id, input);
  // A draft re-renders the site too (the incident's updated_at moves), but nothing of it is public.
  return {
    committed,
    to: backTo(id, '#postmortem-heading'),
    notice: (published) => (input.publish || published === 'publish_failed' ? published : 'saved'),
  };
};

const postmortemAction = (run: FormAction<IncidentPagePreview>['run']): FormAction<IncidentPagePreview> => ({
  role: 'editor',
  what: 'incident',
  key: () => 'postmortem',
  run,
});

/** Every action of the page, by the intent its submit button sends. */
export const INCIDENT_PAGE_ACTIONS: Record<string, FormAction<IncidentPagePreview>> = {
  preview: {
    role: 'editor',
    what: eventWord,
    key: () => 'update',
    run: async ({ herald, fields, params }) => {
      const { setup, current, input } = await updateInput(herald, params.id ?? '', fields);
      return { show: { of: 'update', incident: previewUpdate(setup.snapshot, current, input) }, keepInput: true };
    },
  },
  publish: { role: 'editor', what: eventWord, key: () => 'update', run: publishUpdate },
  note: {
    role: 'editor',
    what: 'note',
    key: () => 'note',
    run: async ({ change, fields, params }) => {
      const id = params.id ?? '';
      const committed = await addNote(change, id, NoteInput.parse({ body: textOf(fields, 'body') }));
      return { committed, to: backTo(id, '#notes') };
    },
  },
  roles: {
    role: 'editor',
    what: eventWord,
    key: () => 'roles',
    run: async ({ change, fields, params }) => {
      const id = params.id ?? '';
      const holder = (name: string) => textOf(fields, name).trim() || null;
      const patch = IncidentPatch.parse({
        incident_manager_id: holder('incident_manager_id'),
        communications_lead_id: holder('communications_lead_id'),
        version: versionOf(fields),
      });
      return { committed: await patchIncident(change, id, patch), to: backTo(id, '#roles') };
    },
  },
  resolve: { role: 'editor', what: eventWord, key: () => 'resolve', run: publishUpdate },
  edit_update: {
    role: 'editor',
    what: 'update',
    key: (_id, fields) => `edit-${textOf(fields, 'update_id')}`,
    run: async ({ change, fields, params }) => {
      const id = params.id ?? '';
      const updateId = textOf(fields, 'update_id');
      return {
        committed: await editUpdate(change, id, updateId, formToUpdateEdit(fields)),
        to: backTo(id, `#update-${updateId}`),
      };
    },
  },
  delete: {
    role: 'editor',
    what: eventWord,
    key: () => 'delete',
    run: async ({ change, fields, params }) => {
      const committed = await deleteIncident(change, params.id ?? '', formToDeletion(fields).version);
      return { committed, to: '/admin/incidents/', notice: 'deleted' };
    },
  },
  postmortem_preview: postmortemAction(async ({ herald, change, fields, params }) => {
    const id = params.id ?? '';
    const current = existing(await loadSetup(herald, id), id);
    return {
      show: { of: 'postmortem', incident: previewPostmortem(current, formToPostmortemInput(fields), change.now) },
      keepInput: true,
    };
  }),
  postmortem_draft: postmortemAction(savePostmortemAs),
  postmortem_publish: postmortemAction(savePostmortemAs),
};

/**
 * After a version conflict, the form carries the version stored now: the update's for a text edit, else the incident's.
 */
export function incidentPageVersion(
  page: IncidentPage,
  refused: { intent: string; fields: PostedForm },
): number | undefined {
  const facts = page.found?.facts;
  return refused.intent === 'edit_update' ? facts?.updateVersions[textOf(refused.fields, 'update_id')] : facts?.version;
}
