import type { APIRoute } from 'astro';
import { applyResendEvent, verifyWebhookSignature } from '../../../notify/webhook.ts';
import { json, services } from '../../../server/api/api-route.ts';
import { errorResponse, HttpError } from '../../../infra/errors.ts';

// Resend calls this for bounces and complaints; the Svix signature is the only credential.
export const POST: APIRoute = async ({ request, locals }) => {
  try {
    const herald = services(locals);
    const secret = herald.notify.webhookSecret;
    if (!secret) throw new HttpError(404, 'not_configured', 'set RESEND_WEBHOOK_SECRET to receive Resend webhooks');
    // At most BODY_LIMITS.inboundWebhook: the server refuses a larger body before this runs.
    const body = await request.text();
    const header = (name: string) => request.headers.get(name);
    verifyWebhookSignature(
      secret,
      { id: header('svix-id'), timestamp: header('svix-timestamp'), signature: header('svix-signature') },
      body,
      herald.now(),
    );
    return json(await applyResendEvent(herald.db, body, herald.now()));
  } catch (error) {
    return errorResponse(error);
  }
};
