import { apiRoute } from '../../../../../server/api/api-route.ts';
import { deleteUser, updateUser, UserPatch } from '../../../../../server/users/manage-users.ts';

export const PATCH = apiRoute({ role: 'admin', body: UserPatch, wrapper: 'user' }, ({ change, params, input }) =>
  updateUser(change, params.id!, input),
);
export const PUT = PATCH;

export const DELETE = apiRoute({ role: 'admin' }, ({ change, params, ifMatch }) =>
  deleteUser(change, params.id!, ifMatch),
);
