import { apiRoute } from '../../../../../../server/api/api-route.ts';
import { reenableWebhook } from '../../../../../../server/webhooks/manage-webhooks.ts';

/** Lifts a quarantine; new events reach the endpoint again. */
export const POST = apiRoute({ role: 'admin' }, ({ change, params }) => reenableWebhook(change, params.id!));
