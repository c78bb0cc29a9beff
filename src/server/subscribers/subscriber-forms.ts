import { isChecked, listOf, textOf, type FormInput } from '../forms/form-fields.ts';
import { formErrorOf, type FormError } from '../forms/form-state.ts';
import { Preferences, SubscribeInput } from './manage-subscriptions.ts';

// The subscribe and manage forms, read into the same shapes a JSON client would send.

export function formToPreferences(form: FormInput): Preferences {
  return Preferences.parse({
    scope: textOf(form, 'scope') === 'some' ? 'some' : 'all',
    component_ids: listOf(form, 'component_ids'),
    group_ids: listOf(form, 'group_ids'),
    maintenance: isChecked(form, 'maintenance'),
  });
}

/**
 * The manage form's choice, or why it was refused (values no page of ours sends, such as a malformed id): a 4xx, never
 * a 500.
 */
export function readPreferences(
  form: FormInput,
): { ok: true; preferences: Preferences } | { ok: false; error: FormError } {
  try {
    return { ok: true, preferences: formToPreferences(form) };
  } catch (error) {
    return { ok: false, error: formErrorOf(error, 'choice') };
  }
}

export function formToSubscribeInput(form: FormInput): SubscribeInput {
  const language = textOf(form, 'language');
  return SubscribeInput.parse({
    ...formToPreferences(form),
    email: textOf(form, 'email'),
    ...(language ? { language } : {}),
  });
}

/** A submitted form as values to show again. */
export function subscribeValues(form: FormInput) {
  return {
    email: textOf(form, 'email'),
    scope: textOf(form, 'scope'),
    component_ids: listOf(form, 'component_ids'),
    group_ids: listOf(form, 'group_ids'),
    maintenance: isChecked(form, 'maintenance'),
  };
}
