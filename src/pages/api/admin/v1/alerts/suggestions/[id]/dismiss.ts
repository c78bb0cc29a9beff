import { apiRoute } from '../../../../../../../server/api/api-route.ts';
import { dismissSuggestion } from '../../../../../../../server/alerts/alert-inbox.ts';

export const POST = apiRoute({ role: 'editor' }, ({ change, params, ifMatch }) =>
  dismissSuggestion(change, params.id!, ifMatch),
);
