import { apiRoute } from '../../../../../server/api/api-route.ts';
import { revokeToken } from '../../../../../server/tokens/manage-tokens.ts';

/** Revokes the token; it stops working at once. */
export const DELETE = apiRoute({ role: 'admin' }, ({ change, params }) => revokeToken(change, params.id!));
