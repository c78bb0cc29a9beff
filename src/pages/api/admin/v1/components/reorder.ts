import { apiRoute } from '../../../../../server/api/api-route.ts';
import { ReorderInput } from '../../../../../server/components/component-input.ts';
import { reorderTopLevel } from '../../../../../server/components/manage-components.ts';

export const POST = apiRoute({ role: 'editor', body: ReorderInput }, ({ change, input }) =>
  reorderTopLevel(change, input.order),
);
