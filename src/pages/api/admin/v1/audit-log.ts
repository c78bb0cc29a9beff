import { apiRoute } from '../../../../server/api/api-route.ts';
import { AuditQuery, readAuditLog } from '../../../../server/audit/read-audit-log.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, url }) =>
  readAuditLog(herald.db, AuditQuery.parse(Object.fromEntries(url.searchParams))),
);
