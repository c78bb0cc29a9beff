import { apiRoute } from '../../../../../server/api/api-route.ts';
import { createSeries, listSeries, SeriesInput } from '../../../../../server/maintenance/manage-series.ts';
import { getSettings } from '../../../../../server/settings/manage-settings.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald }) => listSeries(herald.db, herald.now()));

/** starts_at's wall-clock time repeats in time_zone (the page's when absent). */
export const POST = apiRoute(
  { role: 'editor', body: SeriesInput, wrapper: 'maintenance_series', status: 201 },
  async ({ herald, change, input }) => createSeries(change, input, (await getSettings(herald.db)).time_zone),
);
