import { apiRoute } from '../../../../../server/api/api-route.ts';
import { IncidentCreateInput, IncidentQuery } from '../../../../../server/incidents/incident-input.ts';
import { listIncidents } from '../../../../../server/incidents/incident-queries.ts';
import { createIncident } from '../../../../../server/incidents/manage-incidents.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, url }) =>
  listIncidents(herald.db, IncidentQuery.parse(Object.fromEntries(url.searchParams))),
);

export const POST = apiRoute(
  { role: 'editor', body: IncidentCreateInput, wrapper: 'incident', status: 201 },
  ({ change, input }) => createIncident(change, input),
);
