import { ID_PATTERN } from '../ids.ts';

// The incident list's GET parameters. Anything unexpected falls back to the default
// rather than failing: these are links people bookmark and edit.

export interface IncidentListQuery {
  kind: 'incident' | 'maintenance' | 'all';
  filter: 'active' | 'all';
  after: string | undefined;
}

export function incidentListQueryOf(params: URLSearchParams): IncidentListQuery {
  const kind = params.get('kind');
  const after = params.get('after') ?? '';
  return {
    kind: kind === 'maintenance' || kind === 'all' ? kind : 'incident',
    filter: params.get('filter') === 'active' ? 'active' : 'all',
    after: ID_PATTERN.test(after) ? after : undefined,
  };
}

export function incidentListHref(query: IncidentListQuery, after?: string): string {
  const params = new URLSearchParams({ kind: query.kind, filter: query.filter });
  if (after) params.set('after', after);
  return `/admin/incidents/?${params}`;
}
