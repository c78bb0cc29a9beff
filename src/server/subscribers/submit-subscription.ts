import { normalizeEmail } from '../../domain/subscriptions.ts';
import { formErrorOf } from '../forms/form-state.ts';
import type { FormInput } from '../forms/form-fields.ts';
import type { HeraldServices } from '../services.ts';
import { requestSubscription } from './manage-subscriptions.ts';
import { formToSubscribeInput, subscribeValues } from './subscriber-forms.ts';

export type SubmitResult =
  | { result: 'accepted' }
  | {
      result: 'invalid';
      status: number;
      message: string;
      field: string | null;
      values: ReturnType<typeof subscribeValues>;
    }
  | { result: 'limited'; retryAfterSeconds: number };

/**
 * The subscribe form's POST. "accepted" is the answer for every valid address, whether it
 * was new, pending, confirmed, or over its own limit; only the client's address limit shows.
 */
export async function submitSubscription(
  herald: HeraldServices,
  form: FormInput,
  clientIp: string,
): Promise<SubmitResult> {
  let input;
  try {
    input = formToSubscribeInput(form);
  } catch (error) {
    const formError = formErrorOf(error, 'subscription');
    return {
      result: 'invalid',
      status: formError.status,
      message: formError.message,
      field: formError.field,
      values: subscribeValues(form),
    };
  }
  const now = herald.now();
  const limit = herald.notify.limiter.check(normalizeEmail(input.email), clientIp, now.getTime());
  if (limit.ipBlockedForMs > 0) return { result: 'limited', retryAfterSeconds: Math.ceil(limit.ipBlockedForMs / 1000) };
  if (!limit.addressOverLimit) await requestSubscription(herald.db, input, now);
  return { result: 'accepted' };
}
