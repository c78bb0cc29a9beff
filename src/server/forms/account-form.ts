import { TokenInput } from '../tokens/manage-tokens.ts';
import { UserInput, UserPatch } from '../users/manage-users.ts';
import { RuleViolation } from '../../domain/errors.ts';
import { defined, optionalText, textOf, versionOf, type FormInput } from './form-fields.ts';
import { zonedLocalToUtc } from '../../domain/format.ts';

export function formToUserInput(form: FormInput): UserInput {
  return UserInput.parse({
    email: textOf(form, 'email').trim(),
    name: textOf(form, 'name'),
    role: textOf(form, 'role'),
    password: textOf(form, 'password'),
  });
}

/** An empty password field keeps the password. */
export function formToUserPatch(form: FormInput): UserPatch {
  return UserPatch.parse(
    defined({
      name: textOf(form, 'name'),
      role: textOf(form, 'role'),
      password: optionalText(form, 'password'),
      version: versionOf(form),
    }),
  );
}

/** The expiry is a datetime-local in the page's time zone; empty means never. */
export function formToTokenInput(form: FormInput, timeZone: string): TokenInput {
  const local = textOf(form, 'expires_at').trim();
  let expires: string | null = null;
  if (local !== '') {
    const instant = zonedLocalToUtc(local, timeZone);
    if (!instant)
      throw new RuleViolation('invalid_field', 'must be a date and time such as 2026-11-21 14:30', 'expires_at');
    expires = instant.toISOString();
  }
  return TokenInput.parse({ name: textOf(form, 'name'), role: textOf(form, 'role'), expires_at: expires });
}
