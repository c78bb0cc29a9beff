import { apiRoute } from '../../../../../server/api/api-route.ts';
import { AlertSourcePatch, revokeAlertSource, updateAlertSource } from '../../../../../server/alerts/manage-sources.ts';

export const PATCH = apiRoute(
  { role: 'admin', body: AlertSourcePatch, wrapper: 'alert_source' },
  ({ herald, change, params, input }) =>
    updateAlertSource(change, params.id!, input, { appUrl: herald.appUrl, secretsKey: herald.alerts.secretsKey }),
);
export const PUT = PATCH;

/** Revokes the source's token; its alerts stay in the inbox. */
export const DELETE = apiRoute({ role: 'admin' }, ({ herald, change, params }) =>
  revokeAlertSource(change, params.id!, herald.appUrl),
);
