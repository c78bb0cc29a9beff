import { apiRoute } from '../../../../../server/api/api-route.ts';
import { IncidentPatch } from '../../../../../server/incidents/incident-input.ts';
import { getIncident } from '../../../../../server/incidents/incident-queries.ts';
import { deleteIncident, patchIncident } from '../../../../../server/incidents/manage-incidents.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, params }) => getIncident(herald.db, params.id!));

export const PATCH = apiRoute(
  { role: 'editor', body: IncidentPatch, wrapper: 'incident' },
  ({ change, params, input }) => patchIncident(change, params.id!, input),
);
export const PUT = PATCH;

export const DELETE = apiRoute({ role: 'editor' }, ({ change, params, ifMatch }) =>
  deleteIncident(change, params.id!, ifMatch),
);
