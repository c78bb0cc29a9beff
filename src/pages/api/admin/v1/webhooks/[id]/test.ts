import { apiRoute } from '../../../../../../server/api/api-route.ts';
import { sendTestWebhook } from '../../../../../../server/webhooks/manage-webhooks.ts';

/** Queues a "test" event for the endpoint. */
export const POST = apiRoute({ role: 'admin', status: 202 }, ({ change, params }) =>
  sendTestWebhook(change, params.id!),
);
