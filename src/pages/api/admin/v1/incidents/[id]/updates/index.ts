import { apiRoute } from '../../../../../../../server/api/api-route.ts';
import { UpdateInput } from '../../../../../../../server/incidents/incident-input.ts';
import { postUpdate } from '../../../../../../../server/incidents/manage-incidents.ts';

export const POST = apiRoute(
  { role: 'editor', body: UpdateInput, wrapper: 'incident_update', status: 201 },
  ({ change, params, input }) => postUpdate(change, params.id!, input),
);
