import { apiRoute } from '../../../../../server/api/api-route.ts';
import { AlertSourceInput, createAlertSource, listAlertSources } from '../../../../../server/alerts/manage-sources.ts';

export const GET = apiRoute({ role: 'admin' }, ({ herald }) => listAlertSources(herald.db, herald.appUrl));

/** The answer carries the source's token, once. */
export const POST = apiRoute(
  { role: 'admin', body: AlertSourceInput, wrapper: 'alert_source', status: 201 },
  ({ herald, change, input }) =>
    createAlertSource(change, input, { appUrl: herald.appUrl, secretsKey: herald.alerts.secretsKey }),
);
