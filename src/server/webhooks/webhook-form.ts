import type { EndpointKind } from '../../domain/chat-messages.ts';
import { listOf, textOf, type FormInput } from '../forms/form-fields.ts';
import { formErrorOf, type FormError } from '../forms/form-state.ts';
import type { HeraldServices } from '../services.ts';
import {
  activeVisitorWebhooks,
  createWebhook,
  VISITOR_ACTOR,
  visitorWebhooksEnabled,
  WebhookInput,
} from './manage-webhooks.ts';

/** A form's endpoint: a kind (webhook when not chosen), components (none ticked: every event), a language. */
export function formToWebhookInput(form: FormInput): WebhookInput {
  const components = listOf(form, 'component_ids');
  return WebhookInput.parse({
    kind: textOf(form, 'kind').trim() || 'webhook',
    url: textOf(form, 'url'),
    events: listOf(form, 'events'),
    component_ids: components.length > 0 ? components : null,
    language: textOf(form, 'language').trim() || null,
    description: textOf(form, 'description').trim() || null,
  });
}

export type VisitorWebhookResult =
  | { result: 'disabled' }
  | { result: 'created'; kind: EndpointKind; url: string; secret: string | undefined }
  | { result: 'invalid'; error: FormError }
  | { result: 'limited'; retryAfterSeconds: number };

/** Visitors' endpoints beyond this many (not quarantined) wait for some to go. */
export const MAX_VISITOR_WEBHOOKS = 200;

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
};

/**
 * A visitor's registration (when the page allows it): the same checks as the admin's, the
 * subscribe form's per-client limit keyed by the target host (so one receiver cannot be
 * registered over and over under other paths), a cap on visitors' endpoints, and never a
 * private address, whatever HERALD_WEBHOOKS_ALLOW_PRIVATE says (that is for the admins' own receivers).
 */
export async function submitVisitorWebhook(
  herald: HeraldServices,
  form: FormInput,
  clientIp: string,
): Promise<VisitorWebhookResult> {
  if (!(await visitorWebhooksEnabled(herald.db))) return { result: 'disabled' };
  const now = herald.now();
  try {
    const input = formToWebhookInput(form);
    const limit = herald.notify.limiter.check(`webhook:${hostOf(input.url)}`, clientIp, now.getTime());
    if (limit.ipBlockedForMs > 0)
      return { result: 'limited', retryAfterSeconds: Math.ceil(limit.ipBlockedForMs / 1000) };
    if (limit.addressOverLimit || (await activeVisitorWebhooks(herald.db)) >= MAX_VISITOR_WEBHOOKS)
      return { result: 'limited', retryAfterSeconds: 3600 };
    const { value } = await createWebhook({ db: herald.db, actor: VISITOR_ACTOR, now }, input, {
      allowPrivate: false,
      selfService: true,
    });
    return { result: 'created', kind: value.kind, url: value.url, secret: value.secret };
  } catch (error) {
    const formError = formErrorOf(error, 'webhook');
    if (formError.status >= 500)
      herald.log.error('visitor webhook registration failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    return { result: 'invalid', error: formError };
  }
}
