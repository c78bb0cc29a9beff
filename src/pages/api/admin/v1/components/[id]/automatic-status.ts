import { apiRoute } from '../../../../../../server/api/api-route.ts';
import { AutomaticStatusInput, setAutomaticStatus } from '../../../../../../server/alerts/manage-sources.ts';

/** {"automatic": true}: alerts of any source set this component's status at once, without notifying anyone. */
export const PUT = apiRoute({ role: 'editor', body: AutomaticStatusInput }, ({ change, params, input }) =>
  setAutomaticStatus(change, params.id!, input.automatic),
);
