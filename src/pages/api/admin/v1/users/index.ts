import { apiRoute } from '../../../../../server/api/api-route.ts';
import { createUser, listUsers, UserInput } from '../../../../../server/users/manage-users.ts';

export const GET = apiRoute({ role: 'admin' }, ({ herald }) => listUsers(herald.db));

export const POST = apiRoute({ role: 'admin', body: UserInput, wrapper: 'user', status: 201 }, ({ change, input }) =>
  createUser(change, input),
);
