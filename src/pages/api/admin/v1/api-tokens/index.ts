import { apiRoute } from '../../../../../server/api/api-route.ts';
import { createToken, listTokens, TokenInput } from '../../../../../server/tokens/manage-tokens.ts';

export const GET = apiRoute({ role: 'admin' }, ({ herald }) => listTokens(herald.db));

export const POST = apiRoute(
  { role: 'admin', body: TokenInput, wrapper: 'api_token', status: 201 },
  ({ change, input }) => createToken(change, input),
);
