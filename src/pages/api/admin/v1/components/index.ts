import { apiRoute } from '../../../../../server/api/api-route.ts';
import { ComponentInput } from '../../../../../server/components/component-input.ts';
import { createComponent, listComponents } from '../../../../../server/components/manage-components.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald }) => listComponents(herald.db));

export const POST = apiRoute(
  { role: 'editor', body: ComponentInput, wrapper: 'component', status: 201 },
  ({ change, input }) => createComponent(change, input),
);
