import { eq } from 'drizzle-orm';
import { componentAutomation } from '../../db/schema.ts';
import { COMPONENT_STATUSES } from '../../domain/vocabulary.ts';
import { dismissSuggestion, publishSuggestion, PublishSuggestionInput, readInbox } from '../alerts/alert-inbox.ts';
import {
  AlertSourceInput,
  createAlertSource,
  listAlertSources,
  revokeAlertSource,
  setAutomaticStatus,
} from '../alerts/manage-sources.ts';
import { listComponents } from '../components/manage-components.ts';
import { getSettings } from '../settings/manage-settings.ts';
import { listTemplates } from '../templates/manage-templates.ts';
import type { AdminViewer, FormAction } from './admin-form.ts';
import { integerOf, isChecked, prefixedEntries, textOf, versionOf, type FormInput } from './form-fields.ts';

// The alert inbox page (src/pages/admin/alerts.astro): suggested incidents to publish or
// dismiss, the alerts, the components whose status alerts set at once, and (for admins) the
// sources monitoring posts to.

export async function loadAlertsPage({ herald, allowed, principal }: AdminViewer) {
  const [settings, inbox, components, templates, automation] = await Promise.all([
    getSettings(herald.db),
    allowed ? readInbox(herald.db) : { alerts: [], suggestions: [], sources: [] },
    allowed ? listComponents(herald.db) : [],
    allowed ? listTemplates(herald.db) : [],
    allowed ? herald.db.select().from(componentAutomation).where(eq(componentAutomation.automatic, true)) : [],
  ]);
  const sources = allowed && principal?.role === 'admin' ? await listAlertSources(herald.db, herald.appUrl) : [];
  return {
    settings,
    ...inbox,
    components,
    incidentTemplates: templates.filter((t) => t.kind === 'incident'),
    automatic: new Set(automation.map((a) => a.componentId)),
    sourceDetails: sources,
  };
}

/** A source just made: its URL and token, shown once. */
export interface NewAlertSource {
  name: string;
  kind: string;
  url: string;
  token: string;
}

export const ALERT_SOURCE_LABELS = {
  name: 'Name',
  kind: 'Sends',
  automatic: 'Automatic status',
  min_firing_seconds: 'Minimum firing time',
  cooldown_seconds: 'Cooldown',
  stale_after_minutes: 'Stale after',
  template_id: 'Template',
  signing_secret: 'Signing secret',
};

export function formToAlertSourceInput(form: FormInput): AlertSourceInput {
  const secret = textOf(form, 'signing_secret').trim();
  return AlertSourceInput.parse({
    name: textOf(form, 'name'),
    kind: textOf(form, 'kind'),
    automatic: isChecked(form, 'automatic'),
    min_firing_seconds: integerOf(form, 'min_firing_seconds') ?? 0,
    cooldown_seconds: integerOf(form, 'cooldown_seconds') ?? 0,
    stale_after_minutes: integerOf(form, 'stale_after_minutes') ?? 720,
    template_id: textOf(form, 'template_id').trim() || null,
    signing_secret: secret || null,
  });
}

/** The publish form: name, message, each component's status ("" leaves it out), notify or not. */
export function formToPublishInput(form: FormInput & Pick<FormData, 'keys'>): PublishSuggestionInput {
  const statuses = Object.fromEntries(
    Object.entries(prefixedEntries(form, 'components')).filter(([, status]) =>
      (COMPONENT_STATUSES as readonly string[]).includes(status),
    ),
  );
  return PublishSuggestionInput.parse({
    name: textOf(form, 'name'),
    body: textOf(form, 'body'),
    components: statuses,
    deliver_notifications: isChecked(form, 'deliver_notifications'),
    version: versionOf(form),
  });
}

export const ALERTS_PAGE_ACTIONS: Record<string, FormAction<NewAlertSource>> = {
  create_source: {
    role: 'admin',
    what: 'alert source',
    run: async ({ herald, change, fields }) => {
      const { value } = await createAlertSource(change, formToAlertSourceInput(fields), {
        appUrl: herald.appUrl,
        secretsKey: herald.alerts.secretsKey,
      });
      // Shown in this answer only: Herald keeps a hash of the token.
      return { show: { name: value.name, kind: value.kind, url: value.url, token: value.token }, status: 201 };
    },
  },
  revoke_source: {
    role: 'admin',
    what: 'alert source',
    key: () => 'revoke_source',
    run: async ({ herald, change, id }) => ({
      committed: await revokeAlertSource(change, id, herald.appUrl),
      notice: 'saved',
    }),
  },
  publish: {
    role: 'editor',
    what: 'suggested incident',
    key: (id) => `publish-${id}`,
    run: async ({ change, id, fields }) => {
      const committed = await publishSuggestion(change, id, formToPublishInput(fields));
      return { committed, to: `/admin/incidents/${committed.value.id}/` };
    },
  },
  dismiss: {
    role: 'editor',
    what: 'suggested incident',
    key: (id) => `publish-${id}`,
    run: async ({ change, id, fields }) => ({
      committed: await dismissSuggestion(change, id, versionOf(fields)),
      notice: 'saved',
    }),
  },
  automatic: {
    role: 'editor',
    what: 'component',
    key: () => 'automatic',
    run: async ({ change, id, fields }) => ({
      committed: await setAutomaticStatus(change, id, textOf(fields, 'automatic') === 'on'),
      notice: 'saved',
      to: '/admin/alerts#automatic',
    }),
  },
};
