import { apiRoute } from '../../../../../server/api/api-route.ts';
import { GroupPatch } from '../../../../../server/components/component-input.ts';
import { deleteGroup, getGroup, updateGroup } from '../../../../../server/components/manage-components.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, params }) => getGroup(herald.db, params.id!));

export const PATCH = apiRoute(
  { role: 'editor', body: GroupPatch, wrapper: 'component_group' },
  ({ change, params, input }) => updateGroup(change, params.id!, input),
);
export const PUT = PATCH;

export const DELETE = apiRoute({ role: 'editor' }, ({ change, params, ifMatch }) =>
  deleteGroup(change, params.id!, ifMatch),
);
