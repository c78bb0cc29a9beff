import { apiRoute } from '../../../../../server/api/api-route.ts';
import { deleteWebhook } from '../../../../../server/webhooks/manage-webhooks.ts';

export const DELETE = apiRoute({ role: 'admin' }, ({ change, params }) => deleteWebhook(change, params.id!));
