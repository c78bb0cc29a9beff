import { z } from 'zod';

// Every free-text field of every boundary schema is a text(): text the database can store
// and every output can show. PostgreSQL refuses NUL in text and jsonb (22021, 22P05); a lone
// surrogate is not Unicode (drivers turn it into U+FFFD or refuse it); other control
// characters hide text and break the XML feeds. Such input is refused with 422 naming the
// field, never stripped silently and never left for the database to refuse with a 500.

// C0 and C1 controls except tab, line feed and carriage return (which multi-line text keeps).
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Why a string cannot be stored as text, or null when it can. */
export function unstorableText(value: string): string | null {
  if (CONTROL_CHARACTER.test(value)) return 'must not contain control characters such as NUL';
  if (!value.isWellFormed()) return 'must be valid Unicode text (it contains a lone surrogate)';
  return null;
}

/** A check to add to any string schema that is stored or matched against the database. */
export const storable = z.refine<string>((value) => unstorableText(value) === null, {
  error: (issue) => unstorableText(issue.input as string) ?? 'is not valid text',
});

/**
 * Free text: trimmed (unless `trim: false`, as for passwords), at most `max` characters,
 * and storable. `required` refuses the empty string.
 */
export function text(max: number, options: { required?: boolean; min?: number; trim?: boolean } = {}) {
  let schema = z.string({ error: 'must be text' });
  if (options.trim !== false) schema = schema.trim();
  if (options.required) schema = schema.min(1, 'is required');
  if (options.min) schema = schema.min(options.min, `must be at least ${options.min} characters`);
  return schema.max(max, `must be at most ${max.toLocaleString('en')} characters`).check(storable);
}
