import { z } from 'zod';
import { EVENT_KINDS } from '../../../../../domain/vocabulary.ts';
import { apiRoute } from '../../../../../server/api/api-route.ts';
import { IncidentCreateInput } from '../../../../../server/incidents/incident-input.ts';
import { listIncidents } from '../../../../../server/incidents/incident-queries.ts';
import { createIncident } from '../../../../../server/incidents/manage-incidents.ts';

const ListQuery = z.strictObject({
  kind: z.enum(EVENT_KINDS).optional(),
  unresolved: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  after: z.string().regex(/^[0-9a-z]{12}$/).optional(),
});

export const GET = apiRoute({ role: 'viewer' }, ({ herald, url }) => listIncidents(herald.db, ListQuery.parse(Object.fromEntries(url.searchParams))));

export const POST = apiRoute({ role: 'editor', body: IncidentCreateInput, wrapper: 'incident', status: 201 }, ({ change, input }) => createIncident(change, input));
