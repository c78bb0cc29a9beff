import type { APIRoute } from 'astro';
import { json, services } from '../../../../server/api/api-route.ts';
import { receiveAlerts } from '../../../../server/alerts/receive-alerts.ts';
import { errorResponse } from '../../../../infra/errors.ts';

// Alertmanager, Grafana, PagerDuty or a script posts its alerts here (see README, "Alerts").
// The answer says what was taken; what it changed publishes before it is sent.
export const POST: APIRoute = async ({ request, locals, params }) => {
  const herald = services(locals);
  try {
    // At most BODY_LIMITS.alerts: the server refuses a larger body before this runs.
    const result = await receiveAlerts(herald, params.id ?? '', {
      authorization: request.headers.get('authorization'),
      pagerDutySignature: request.headers.get('x-pagerduty-signature'),
      body: await request.text(),
    });
    if (result.scope) await herald.publisher.publishChange(result.scope);
    return json({ received: result.received, changed: result.changed, suggestions: result.suggestions }, 202);
  } catch (error) {
    const response = errorResponse(error);
    // Logged once, without the body or the token.
    herald.log[response.status >= 500 ? 'error' : 'warn']('alert post refused', {
      source: params.id,
      status: response.status,
      error: error instanceof Error ? error.message : String(error),
    });
    return response;
  }
};
