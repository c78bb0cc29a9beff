import { apiRoute } from '../../../../../../server/api/api-route.ts';
import { MoveInput, moveOccurrence } from '../../../../../../server/maintenance/manage-series.ts';

export const POST = apiRoute({ role: 'editor', body: MoveInput }, ({ change, params, input }) =>
  moveOccurrence(change, params.id!, input),
);
