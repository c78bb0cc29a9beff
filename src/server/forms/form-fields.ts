import { RuleViolation } from '../../domain/errors.ts';

// Reading HTML form posts: every value arrives as a string (or not at all, for an
// unticked checkbox). These helpers turn them into the shapes the zod schemas expect; the
// schema then checks them and names the field when one is wrong.

export type FormInput = Pick<FormData, 'get' | 'getAll' | 'has'>;

/** The text of a field; absent and file fields read as "". */
export function textOf(form: FormInput, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** The text, or undefined when the field is empty: "not given" for optional schema fields. */
export function optionalText(form: FormInput, name: string): string | undefined {
  const value = textOf(form, name);
  return value.trim() === '' ? undefined : value;
}

/** The text, or null when the field is empty: "cleared" for nullable schema fields. */
export function nullableText(form: FormInput, name: string): string | null {
  const value = textOf(form, name);
  return value.trim() === '' ? null : value;
}

/** The text of an uploaded file, or of the text field `text` when no file was chosen. */
export async function uploadOrText(form: FormInput, file: string, text: string): Promise<string> {
  const value = form.get(file);
  return value instanceof File && value.size > 0 ? value.text() : textOf(form, text);
}

/** An unticked checkbox is not sent at all. */
export function isChecked(form: FormInput, name: string): boolean {
  return form.has(name);
}

const INTEGER = /^\s*-?\d+\s*$/;

/** A whole number, undefined when empty; the schema checks its range. */
export function integerOf(form: FormInput, name: string): number | undefined {
  const value = textOf(form, name);
  if (value.trim() === '') return undefined;
  if (!INTEGER.test(value)) throw new RuleViolation('invalid_field', 'must be a whole number', name);
  return Number(value);
}

/** Like integerOf, but an empty field means null ("none"). */
export function nullableIntegerOf(form: FormInput, name: string): number | null {
  return integerOf(form, name) ?? null;
}

/** Every non-empty value of a repeated field (checkboxes with one name). */
export function listOf(form: FormInput, name: string): string[] {
  return form.getAll(name).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * Fields named `prefix.<key>` with a non-empty value, as { key: value }: one select per
 * component, "" meaning "leave alone".
 */
export function prefixedEntries(form: FormInput & Pick<FormData, 'keys'>, prefix: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of new Set(form.keys())) {
    if (!name.startsWith(`${prefix}.`)) continue;
    const value = textOf(form, name);
    if (value !== '') entries[name.slice(prefix.length + 1)] = value;
  }
  return entries;
}

/** Drops undefined members, so strict schemas see only what the form gave. */
export function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The version the form was rendered with (a hidden field); required for edits made in the admin form. */
export function versionOf(form: FormInput): number {
  const version = integerOf(form, 'version');
  if (typeof version !== 'number' || version < 1)
    throw new RuleViolation(
      'invalid_field',
      'the form is missing the version it was made from; reload the page',
      'version',
    );
  return version;
}

/** What a form sent, to show it again after an error. Repeated names keep every value. */
export function submittedValues(form: FormInput & Pick<FormData, 'keys'>): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const name of new Set(form.keys())) {
    const all = form.getAll(name).filter((v): v is string => typeof v === 'string');
    values[name] = all.length === 1 ? all[0]! : all;
  }
  return values;
}
