import type { EndpointKind } from '../../domain/chat-messages.ts';
import { listComponents, listGroups } from '../components/manage-components.ts';
import { getSettings } from '../settings/manage-settings.ts';
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  recentDeliveries,
  reenableWebhook,
  sendTestWebhook,
} from '../webhooks/manage-webhooks.ts';
import { formToWebhookInput } from '../webhooks/webhook-form.ts';
import type { AdminViewer, FormAction } from './admin-form.ts';

// The admin page of webhooks (src/pages/admin/webhooks.astro): the endpoints and their recent
// deliveries, and the actions its forms send (add, send a test event, re-enable, remove).

/** The endpoints and their 50 latest deliveries; none of them for someone the page refuses. */
export async function loadWebhooksPage({ herald, allowed }: AdminViewer) {
  const [settings, hooks, groups, components] = await Promise.all([
    getSettings(herald.db),
    allowed ? listWebhooks(herald.db) : [],
    allowed ? listGroups(herald.db) : [],
    allowed ? listComponents(herald.db) : [],
  ]);
  // What an endpoint may narrow its events to: whole groups, then single components.
  const componentChoices: [id: string, label: string][] = [
    ...groups.map((g): [string, string] => [g.id, `${g.name} (the whole group)`]),
    ...components.map((c): [string, string] => [c.id, c.name]),
  ];
  const deliveries = allowed
    ? await recentDeliveries(
        herald.db,
        hooks.map((h) => h.id),
        50,
      )
    : [];
  return { settings, hooks, deliveries, componentChoices };
}

/** A webhook just added, with its signing secret (none for a chat destination). */
export interface NewWebhook {
  kind: EndpointKind;
  url: string;
  secret: string | undefined;
}

export const WEBHOOK_LABELS = {
  kind: 'Destination',
  url: 'URL',
  events: 'Events',
  component_ids: 'Components',
  language: 'Language',
  description: 'Description',
};

/** Every action of the page, by the intent its submit button sends. */
export const WEBHOOKS_PAGE_ACTIONS: Record<string, FormAction<NewWebhook>> = {
  create: {
    role: 'admin',
    run: async ({ herald, change, fields }) => {
      const { value } = await createWebhook(change, formToWebhookInput(fields), {
        allowPrivate: herald.notify.webhooksAllowPrivate,
        chatAnyHost: herald.notify.chatAnyHost,
      });
      // Shown in this answer only: after this, Herald never shows the secret again.
      return { show: { kind: value.kind, url: value.url, secret: value.secret }, status: 201 };
    },
  },
  delete: {
    role: 'admin',
    key: () => 'delete',
    run: async ({ change, id }) => ({ committed: await deleteWebhook(change, id), notice: 'webhook_removed' }),
  },
  reenable: {
    role: 'admin',
    key: () => 'reenable',
    run: async ({ change, id }) => ({ committed: await reenableWebhook(change, id), notice: 'webhook_reenabled' }),
  },
  test: {
    role: 'admin',
    key: () => 'test',
    run: async ({ change, id }) => ({ committed: await sendTestWebhook(change, id), notice: 'webhook_test' }),
  },
};
