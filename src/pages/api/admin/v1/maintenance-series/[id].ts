import { apiRoute } from '../../../../../server/api/api-route.ts';
import { deleteSeries, getSeries, SeriesPatch, updateSeries } from '../../../../../server/maintenance/manage-series.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, params }) => getSeries(herald.db, params.id!, herald.now()));

export const PATCH = apiRoute(
  { role: 'editor', body: SeriesPatch, wrapper: 'maintenance_series' },
  ({ change, params, input }) => updateSeries(change, params.id!, input),
);
export const PUT = PATCH;

export const DELETE = apiRoute({ role: 'editor' }, ({ change, params, ifMatch }) =>
  deleteSeries(change, params.id!, ifMatch),
);
