import { allowedNextStatuses } from '../../domain/incident-lifecycle.ts';
import { languageOr } from '../../domain/i18n/translator.ts';
import type { IncidentView } from '../../domain/snapshot.ts';
import { TEMPLATE_VARIABLE_HELP } from '../../domain/templates.ts';
import { IMPACTS, type Language } from '../../domain/vocabulary.ts';
import { createIncident } from '../incidents/manage-incidents.ts';
import { createSeries } from '../maintenance/manage-series.ts';
import { getSettings } from '../settings/manage-settings.ts';
import { staffChoices } from '../users/manage-users.ts';
import type { HeraldServices } from '../services.ts';
import { listTemplates } from '../templates/manage-templates.ts';
import type { AdminViewer, FormAction, PostedForm } from './admin-form.ts';
import { sectionsOf } from './component-order.ts';
import { textOf } from './form-fields.ts';
import { formToIncidentInput, formToMaintenanceInput } from './incident-form.ts';
import { formSettingsOf, previewNewIncident, readAdminSnapshot } from './incident-preview.ts';
import { formToSeriesInput } from './series-form.ts';
import { chosenTemplate, fillRemainingVariables, templateFormValues, templateValues } from './template-fill.ts';

// What the "new incident" and "schedule maintenance" pages know before the user types: the
// page's settings, components and templates, and the snapshot a preview is drawn on. The same
// load serves showing the form and turning a submit into the use case's input, so the
// variables filled in on submit are the ones the form offered. Both pages' loaders and actions
// (preview, publish) are at the end.

export type NewEventKind = 'incident' | 'maintenance';

export async function loadNewEventSetup(herald: HeraldServices, kind: NewEventKind) {
  const [snapshot, all] = await Promise.all([readAdminSnapshot(herald), listTemplates(herald.db)]);
  const templates = all.filter((t) =>
    kind === 'incident' ? t.kind === 'incident' : t.kind === 'maintenance' && t.status === 'scheduled',
  );
  const { now, components, groups } = snapshot;
  return { now, settings: formSettingsOf(snapshot.page), components, groups, templates, snapshot };
}

export type NewEventSetup = Awaited<ReturnType<typeof loadNewEventSetup>>;

const namesOf = (setup: NewEventSetup, ids: (id: string) => boolean) =>
  setup.components.filter((c) => ids(c.id)).map((c) => c.name);

function incidentValues(
  setup: NewEventSetup,
  changes: Record<string, string> | undefined,
  minutes: number | null | undefined,
  language: Language,
) {
  return templateValues({
    componentNames: namesOf(setup, (id) => changes !== undefined && id in changes),
    pageName: setup.settings.name,
    timeZone: setup.settings.time_zone,
    language,
    nextUpdateAt: typeof minutes === 'number' ? new Date(setup.now.getTime() + minutes * 60_000) : null,
  });
}

function maintenanceValues(
  setup: NewEventSetup,
  ids: readonly string[],
  start: Date | undefined,
  end: Date | undefined,
  language: Language,
) {
  return templateValues({
    componentNames: namesOf(setup, (id) => ids.includes(id)),
    pageName: setup.settings.name,
    timeZone: setup.settings.time_zone,
    startAt: start,
    endAt: end,
    language,
  });
}

const FORM_DEFAULTS: Record<NewEventKind, Record<string, string | boolean>> = {
  incident: { status: 'investigating', next_update_in_minutes: '60', deliver_notifications: true },
  maintenance: {
    deliver_notifications: true,
    scheduled_auto_in_progress: true,
    scheduled_auto_completed: true,
    announce_days: '7',
  },
};

/**
 * The template a "Start from a template" link chose (or the notice that it is gone) and the
 * form's first values. Components, times and the next update are filled in on submit, from
 * what the form says then.
 */
export function newEventForm(setup: NewEventSetup, kind: NewEventKind, method: string, url: URL) {
  const picked = chosenTemplate(method, url, setup.templates, setup.settings.default_language);
  const known =
    kind === 'incident'
      ? incidentValues(setup, undefined, undefined, picked.language)
      : maintenanceValues(setup, [], undefined, undefined, picked.language);
  const values = picked.template
    ? { ...FORM_DEFAULTS[kind], ...templateFormValues(picked.template, picked.language, known) }
    : FORM_DEFAULTS[kind];
  return { picked, values };
}

/**
 * A submitted form as the create use case's input, with the template variables it left filled
 * in; a repeating window keeps {{start_time}} and {{end_time}}, filled in for each occurrence.
 */
export async function newEventInput(herald: HeraldServices, kind: NewEventKind, form: PostedForm) {
  const setup = await loadNewEventSetup(herald, kind);
  const language = languageOr(textOf(form, 'template_language'), setup.settings.default_language);
  if (kind === 'incident') {
    const parsed = formToIncidentInput(form);
    return {
      setup,
      input: fillRemainingVariables(
        parsed,
        incidentValues(setup, parsed.components, parsed.next_update_in_minutes, language),
      ),
    };
  }
  const parsed = formToMaintenanceInput(form, setup.settings.time_zone);
  const repeats = textOf(form, 'repeat').trim() !== '';
  return {
    setup,
    input: fillRemainingVariables(
      parsed,
      maintenanceValues(
        setup,
        parsed.component_ids ?? [],
        repeats ? undefined : parsed.scheduled_for,
        repeats ? undefined : parsed.scheduled_until,
        language,
      ),
    ),
  };
}

/** The "new incident" page (src/pages/admin/incidents/new.astro): its setup and the form's first values. */
export async function loadNewIncidentPage({ herald, method, url }: AdminViewer) {
  const [setup, settings, staff] = await Promise.all([
    loadNewEventSetup(herald, 'incident'),
    getSettings(herald.db),
    staffChoices(herald.db),
  ]);
  return {
    ...setup,
    severityLevels: settings.severity_levels,
    staff,
    ...newEventForm(setup, 'incident', method, url),
  };
}

/** The "schedule maintenance" page (src/pages/admin/maintenances/new.astro), with its components in the order shown. */
export async function loadNewMaintenancePage({ herald, method, url }: AdminViewer) {
  const setup = await loadNewEventSetup(herald, 'maintenance');
  return {
    ...setup,
    ...newEventForm(setup, 'maintenance', method, url),
    sections: sectionsOf(setup.groups, setup.components),
  };
}

/** Preview the event as its public page would show it, or publish it and go to its admin page. */
function newEventActions(kind: NewEventKind): Record<string, FormAction<IncidentView>> {
  return {
    preview: {
      role: 'editor',
      key: () => kind,
      run: async ({ herald, fields }) => {
        const { setup, input } = await newEventInput(herald, kind, fields);
        return { show: previewNewIncident(setup.snapshot, input), keepInput: true };
      },
    },
    publish: {
      role: 'editor',
      key: () => kind,
      run: async ({ herald, change, fields }) => {
        const { setup, input } = await newEventInput(herald, kind, fields);
        if (kind === 'maintenance' && textOf(fields, 'repeat').trim() !== '') {
          const timeZone = setup.settings.time_zone;
          const committed = await createSeries(change, formToSeriesInput(input, fields, timeZone), timeZone);
          return { committed, to: `/admin/maintenances/recurring#series-${committed.value.id}` };
        }
        const committed = await createIncident(change, input);
        return { committed, to: `/admin/incidents/${committed.value.id}/` };
      },
    },
  };
}

export const NEW_INCIDENT_ACTIONS = newEventActions('incident');
export const NEW_MAINTENANCE_ACTIONS = newEventActions('maintenance');

/** A new incident starts in one of these statuses, and may override its impact with any but "maintenance". */
export const NEW_INCIDENT_STATUSES = allowedNextStatuses('incident', null);
export const INCIDENT_IMPACTS = IMPACTS.filter((i) => i !== 'maintenance');

/** The template variables, as the new-incident form's hint lists them. */
export const TEMPLATE_VARIABLE_LIST = Object.keys(TEMPLATE_VARIABLE_HELP)
  .map((v) => `{{${v}}}`)
  .join(', ');

export const NEW_INCIDENT_LABELS = {
  name: 'Name',
  severity: 'Severity',
  incident_manager_id: 'Incident manager',
  communications_lead_id: 'Communications lead',
  status: 'Status',
  impact_override: 'Impact',
  next_update_in_minutes: 'Next update in',
  body: 'Message',
  deliver_notifications: 'Notify subscribers',
};

export const NEW_MAINTENANCE_LABELS = {
  name: 'Name',
  scheduled_for: 'Start',
  scheduled_until: 'End',
  component_ids: 'Components',
  body: 'Message',
  repeat: 'Repeat',
  rrule: 'Custom rule',
  repeat_until: 'Repeat until',
  announce_days: 'Announce',
};
