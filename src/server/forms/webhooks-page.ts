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
  const [settings, hooks] = await Promise.all([getSettings(herald.db), allowed ? listWebhooks(herald.db) : []]);
  const deliveries = allowed
    ? await recentDeliveries(
        herald.db,
        hooks.map((h) => h.id),
        50,
      )
    : [];
  return { settings, hooks, deliveries };
}

/** A webhook just added, with its signing secret. */
export interface NewWebhook {
  url: string;
  secret: string;
}

export const WEBHOOK_LABELS = { url: 'URL', events: 'Events', description: 'Description' };

/** Every action of the page, by the intent its submit button sends. */
export const WEBHOOKS_PAGE_ACTIONS: Record<string, FormAction<NewWebhook>> = {
  create: {
    role: 'admin',
    run: async ({ herald, change, fields }) => {
      const { value } = await createWebhook(change, formToWebhookInput(fields), {
        allowPrivate: herald.notify.webhooksAllowPrivate,
      });
      // Shown in this answer only: after this, Herald never shows the secret again.
      return { show: { url: value.url, secret: value.secret }, status: 201 };
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
