import { z } from 'zod';
import { ID_PATTERN } from '../../infra/ids.ts';

// The incident list's GET parameters. A value outside a parameter's fixed set is refused
// (422, named beside its filter) rather than read as the default: a bookmarked link that
// asks for something that does not exist says so instead of showing something else.

const IncidentListParams = z.object({
  kind: z
    .enum(['incident', 'maintenance', 'all'], { error: 'must be one of incident, maintenance, all' })
    .default('incident'),
  filter: z.enum(['active', 'all'], { error: 'must be active or all' }).default('all'),
  after: z.string().regex(ID_PATTERN, 'must be a 12-character incident id').optional(),
});

export interface IncidentListQuery {
  kind: 'incident' | 'maintenance' | 'all';
  filter: 'active' | 'all';
  after: string | undefined;
}

/** The list's query; throws (a 422 naming the parameter) for a value outside its set. Empty values are absent. */
export function incidentListQueryOf(params: URLSearchParams): IncidentListQuery {
  const given = (name: string) => params.get(name) || undefined;
  const { kind, filter, after } = IncidentListParams.parse({
    kind: given('kind'),
    filter: given('filter'),
    after: given('after'),
  });
  return { kind, filter, after };
}

export function incidentListHref(query: IncidentListQuery, after?: string): string {
  const params = new URLSearchParams({ kind: query.kind, filter: query.filter });
  if (after) params.set('after', after);
  return `/admin/incidents/?${params}`;
}
