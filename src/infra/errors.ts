import { z } from 'zod';
import { databaseUnavailableReason } from '../db/unavailable.ts';
import { isRefusedValue } from '../db/refused-value.ts';
import { isRuleViolation } from '../domain/errors.ts';
import { isId } from './ids.ts';

// Every failure a client can cause is one of these, mapped to HTTP in errorBody() and
// nowhere else. Branded rather than `instanceof`-checked: the Astro bundle and the server
// each load their own copy of this module.

const BRAND = Symbol.for('herald.http-error');

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;
  readonly [BRAND] = true;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { field?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.headers = options.headers ?? {};
  }
}

export function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && BRAND in error;
}

/** A malformed id is not repeated back (it may be any text, of any length). */
export const notFound = (what: string, id: string) =>
  new HttpError(
    404,
    'not_found',
    isId(id) ? `no ${what} with id "${id}"` : `no ${what} has that id (ids are 12 lowercase letters and digits)`,
  );
export const unauthorized = () => new HttpError(401, 'unauthorized', 'sign in or send "Authorization: Bearer <token>"');
export const forbidden = (role: string) => new HttpError(403, 'forbidden', `this needs the ${role} role`);
export const staleVersion = (what: string, current: number) =>
  new HttpError(
    409,
    'version_conflict',
    `the ${what} was changed by someone else (now at version ${current}); reload it and apply your change again`,
    { field: 'version' },
  );

/** The code of a value only the database refused: the boundary schemas should have named its field. */
export const UNSTORABLE_VALUE = 'unstorable_value';

export interface ErrorBody {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: string; message: string; field: string | null } };
}

/** The one place where errors become HTTP answers. Unknown errors are 500s and say nothing more. */
export function errorBody(error: unknown): ErrorBody {
  const shape = (
    status: number,
    code: string,
    message: string,
    field: string | undefined,
    headers: Record<string, string> = {},
  ): ErrorBody => ({
    status,
    headers,
    body: { error: { code, message, field: field ?? null } },
  });
  const named = (message: string, field: string | undefined) =>
    field && !message.startsWith(`${field}:`) ? `${field}: ${message}` : message;
  if (isHttpError(error))
    return shape(
      error.status,
      error.code,
      error.status === 422 ? named(error.message, error.field) : error.message,
      error.field,
      error.headers,
    );
  if (isRuleViolation(error)) return shape(422, error.code, named(error.message, error.field), error.field);
  if (error instanceof z.ZodError) {
    const issue = error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : issue.path.join('.');
    const message = issue.code === 'unrecognized_keys' ? `unknown field "${issue.keys[0]}"` : issue.message;
    return shape(
      422,
      issue.code === 'unrecognized_keys' ? 'unknown_field' : 'invalid_field',
      field ? `${field}: ${message}` : message,
      field || undefined,
    );
  }
  if (isRefusedValue(error))
    return shape(
      422,
      UNSTORABLE_VALUE,
      'a value is not one the database can store (such as text with a NUL character); nothing was changed',
      undefined,
    );
  const unavailable = databaseUnavailableReason(error);
  if (unavailable)
    return shape(503, 'database_unavailable', `${unavailable}; try again in a moment`, undefined, {
      'retry-after': '5',
    });
  return shape(500, 'internal_error', 'something went wrong on our side; the change was not made', undefined);
}

export function errorResponse(error: unknown): Response {
  const { status, headers, body } = errorBody(error);
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
