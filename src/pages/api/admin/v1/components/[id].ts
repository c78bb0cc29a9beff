import { apiRoute } from '../../../../../server/api/api-route.ts';
import { ComponentPatch } from '../../../../../server/components/component-input.ts';
import { deleteComponent, getComponent, updateComponent } from '../../../../../server/components/manage-components.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, params }) => getComponent(herald.db, params.id!));

export const PATCH = apiRoute(
  { role: 'editor', body: ComponentPatch, wrapper: 'component' },
  ({ change, params, input }) => updateComponent(change, params.id!, input),
);
export const PUT = PATCH;

export const DELETE = apiRoute({ role: 'editor' }, ({ change, params, ifMatch }) =>
  deleteComponent(change, params.id!, ifMatch),
);
