import { apiRoute } from '../../../../../../../server/api/api-route.ts';
import { UpdateEdit } from '../../../../../../../server/incidents/incident-input.ts';
import { editUpdate } from '../../../../../../../server/incidents/manage-incidents.ts';

export const PATCH = apiRoute(
  { role: 'editor', body: UpdateEdit, wrapper: 'incident_update' },
  ({ change, params, input }) => editUpdate(change, params.id!, params.updateId!, input),
);
export const PUT = PATCH;
