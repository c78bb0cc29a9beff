import { errorBody } from '../../infra/errors.ts';

// What an admin form shows: the values to fill in (from the database, or as the user typed
// them when a submit failed) and the error, placed beside the field it names.

export interface FormError {
  status: number;
  code: string;
  /** The form field the error is about (same names as the JSON API), or null. */
  field: string | null;
  /** Said without the field name, which the label beside it already gives. */
  message: string;
  headers: Record<string, string>;
}

/** Any error a use case or schema throws, as a form shows it. Unknown errors are 500s. */
export function formErrorOf(error: unknown, what = 'item'): FormError {
  const { status, headers, body } = errorBody(error);
  const { code, field } = body.error;
  let message = body.error.message;
  if (field && message.startsWith(`${field}: `)) message = message.slice(field.length + 2);
  if (code === 'version_conflict') {
    const subject = /^(this|these) /.test(what) ? what : `this ${what}`;
    message = `Someone else changed ${subject}; reload to see their change. Your text is kept: the page now shows their change, so check it and submit again.`;
  }
  return { status, code, field, message, headers };
}

type Values = Record<string, string | string[] | number | boolean | null | undefined>;

/** An id usable in HTML (and CSS selectors) for a field name such as "components.abc". */
export const fieldId = (formKey: string, name: string) => `${formKey}-${name}`.replace(/[^A-Za-z0-9_-]/g, '-');

export class FormState {
  readonly key: string;
  readonly #values: Values;
  readonly error: FormError | null;

  /**
   * `key` tells forms on one page apart (ids, and which form a submit came from);
   * `values` are strings as the form sent them, or data to show before any submit.
   */
  constructor(key: string, values: Values = {}, error: FormError | null = null) {
    this.key = key;
    this.#values = values;
    this.error = error;
  }

  value(name: string, fallback = ''): string {
    const v = this.#values[name];
    if (v === undefined || v === null) return fallback;
    if (Array.isArray(v)) return v[0] ?? fallback;
    return String(v);
  }

  list(name: string): string[] {
    const v = this.#values[name];
    if (v === undefined || v === null || v === '') return [];
    return Array.isArray(v) ? v : [String(v)];
  }

  /** Checkboxes: true/false data, or "present" when the form sent it. */
  checked(name: string): boolean {
    const v = this.#values[name];
    return v === true || (typeof v === 'string' && v !== '' && v !== 'false') || (Array.isArray(v) && v.length > 0);
  }

  /** The same form with some values replaced (e.g. the version, after a conflict was shown). */
  with(values: Values): FormState {
    return new FormState(this.key, { ...this.#values, ...values }, this.error);
  }

  has(name: string): boolean {
    return this.#values[name] !== undefined;
  }

  id(name: string): string {
    return fieldId(this.key, name);
  }

  errorId(name: string): string {
    return `${this.id(name)}-error`;
  }

  /** The message for this field, if the error is about it. */
  errorFor(name: string): string | null {
    return this.error && this.error.field === name ? this.error.message : null;
  }

  /** id, name and the ARIA wiring of an input: spread onto <input>, <select> or <textarea>. */
  field(name: string, describedBy?: string): Record<string, string> {
    const invalid = this.errorFor(name) !== null;
    const described = [invalid ? this.errorId(name) : null, describedBy ?? null].filter(Boolean).join(' ');
    return {
      id: this.id(name),
      name,
      ...(invalid ? { 'aria-invalid': 'true' } : {}),
      ...(described ? { 'aria-describedby': described } : {}),
    };
  }
}
