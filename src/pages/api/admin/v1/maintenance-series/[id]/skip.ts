import { apiRoute } from '../../../../../../server/api/api-route.ts';
import { OccurrenceInput, skipOccurrence } from '../../../../../../server/maintenance/manage-series.ts';

export const POST = apiRoute({ role: 'editor', body: OccurrenceInput }, ({ change, params, input }) =>
  skipOccurrence(change, params.id!, input.occurrence),
);
