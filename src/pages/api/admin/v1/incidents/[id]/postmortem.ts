import { apiRoute } from '../../../../../../server/api/api-route.ts';
import { PostmortemInput, savePostmortem, unpublishPostmortem } from '../../../../../../server/incidents/postmortem.ts';

export const PUT = apiRoute(
  { role: 'editor', body: PostmortemInput, wrapper: 'postmortem' },
  ({ change, params, input }) => savePostmortem(change, params.id!, input),
);

export const DELETE = apiRoute({ role: 'editor' }, ({ change, params, ifMatch }) =>
  unpublishPostmortem(change, params.id!, ifMatch),
);
