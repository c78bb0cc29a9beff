import { apiRoute } from '../../../../../server/api/api-route.ts';
import { readInbox } from '../../../../../server/alerts/alert-inbox.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald }) => readInbox(herald.db));
