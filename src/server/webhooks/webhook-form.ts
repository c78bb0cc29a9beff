import { listOf, textOf, type FormInput } from '../forms/form-fields.ts';
import { formErrorOf, type FormError } from '../forms/form-state.ts';
import type { HeraldServices } from '../services.ts';
import { createWebhook, VISITOR_ACTOR, visitorWebhooksEnabled, WebhookInput } from './manage-webhooks.ts';

export function formToWebhookInput(form: FormInput): WebhookInput {
  return WebhookInput.parse({ url: textOf(form, 'url'), events: listOf(form, 'events'), description: textOf(form, 'description').trim() || null });
}

export type VisitorWebhookResult =
  | { result: 'disabled' }
  | { result: 'created'; url: string; secret: string }
  | { result: 'invalid'; error: FormError }
  | { result: 'limited'; retryAfterSeconds: number };

/**
 * A visitor's registration (when the page allows it): the same checks as the admin's,
 * and the subscribe form's per-client limit, keyed by the URL instead of an address.
 */
export async function submitVisitorWebhook(herald: HeraldServices, form: FormInput, clientIp: string): Promise<VisitorWebhookResult> {
  if (!(await visitorWebhooksEnabled(herald.db))) return { result: 'disabled' };
  const now = herald.now();
  try {
    const input = formToWebhookInput(form);
    const limit = herald.notify.limiter.check(`webhook:${input.url.toLowerCase()}`, clientIp, now.getTime());
    if (limit.ipBlockedForMs > 0) return { result: 'limited', retryAfterSeconds: Math.ceil(limit.ipBlockedForMs / 1000) };
    if (limit.addressOverLimit) return { result: 'limited', retryAfterSeconds: 3600 };
    const { value } = await createWebhook({ db: herald.db, actor: VISITOR_ACTOR, now }, input, { allowPrivate: herald.notify.webhooksAllowPrivate, selfService: true });
    return { result: 'created', url: value.url, secret: value.secret };
  } catch (error) {
    return { result: 'invalid', error: formErrorOf(error, 'webhook') };
  }
}
