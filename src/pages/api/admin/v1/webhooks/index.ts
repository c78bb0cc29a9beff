import { apiRoute } from '../../../../../server/api/api-route.ts';
import { createWebhook, listWebhooks, WebhookInput } from '../../../../../server/webhooks/manage-webhooks.ts';

export const GET = apiRoute({ role: 'admin' }, ({ herald }) => listWebhooks(herald.db));

/** The answer carries the signing secret, once. */
export const POST = apiRoute(
  { role: 'admin', body: WebhookInput, wrapper: 'webhook', status: 201 },
  ({ herald, change, input }) =>
    createWebhook(change, input, {
      allowPrivate: herald.notify.webhooksAllowPrivate,
      chatAnyHost: herald.notify.chatAnyHost,
    }),
);
