import { apiRoute } from '../../../../../server/api/api-route.ts';
import { GroupInput } from '../../../../../server/components/component-input.ts';
import { createGroup, listGroups } from '../../../../../server/components/manage-components.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald }) => listGroups(herald.db));

export const POST = apiRoute(
  { role: 'editor', body: GroupInput, wrapper: 'component_group', status: 201 },
  ({ change, input }) => createGroup(change, input),
);
