import type { APIContext, APIRoute } from 'astro';
import type { z } from 'zod';
import { actorOf, type Principal } from '../../auth/principal.ts';
import { roleAllows, type Role } from '../../domain/vocabulary.ts';
import type { Actor, ChangeContext, Committed } from '../change.ts';
import { errorResponse, forbidden, HttpError, notFound, unauthorized } from '../../infra/errors.ts';
import { BODY_LIMITS } from '../../infra/body-limits.ts';
import { isId } from '../../infra/ids.ts';
import type { HeraldServices } from '../services.ts';

// Every admin API route is: authenticate -> authorise -> parse -> one use case -> JSON.
// This wrapper does all but the use case, so route files stay a few lines each.

export const MAX_BODY_BYTES = BODY_LIMITS.adminApi;

export interface ApiContext<I> {
  herald: HeraldServices;
  principal: Principal;
  actor: Actor;
  /** For use cases: database, actor and one `now` for the whole request. */
  change: ChangeContext;
  input: I;
  params: Record<string, string | undefined>;
  url: URL;
  /** The version named by If-Match, if any. */
  ifMatch: number | undefined;
}

export interface ApiRouteOptions<S extends z.ZodType | undefined> {
  /** The least role allowed to call this route. */
  role: Role;
  /** Schema of the JSON body; the route reads no body without one. */
  body?: S;
  /** Statuspage wraps bodies in an object named for the resource ({"incident": {...}}); accepted and unwrapped. */
  wrapper?: string;
  /** HTTP status of a success (default 200). */
  status?: number;
}

type Input<S> = S extends z.ZodType ? z.infer<S> : undefined;

function isCommitted(value: unknown): value is Committed<unknown> {
  return typeof value === 'object' && value !== null && 'revision' in value && 'scope' in value && 'value' in value;
}

export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as JSON with "Content-Type: application/json"');
  }
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES)
    throw new HttpError(413, 'payload_too_large', `the body must be at most ${MAX_BODY_BYTES / 1024} KB`);
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new HttpError(413, 'payload_too_large', `the body must be at most ${MAX_BODY_BYTES / 1024} KB`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'invalid_json', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

function parseIfMatch(header: string | null): number | undefined {
  if (!header) return undefined;
  const match = header.trim().match(/^(?:W\/)?"?(\d+)"?$/);
  if (!match)
    throw new HttpError(400, 'invalid_if_match', 'If-Match must name a version, like "3"', { field: 'If-Match' });
  return Number(match[1]);
}

export function requirePrincipal(locals: App.Locals, role: Role): Principal {
  if (!locals.principal) throw unauthorized();
  if (!roleAllows(locals.principal.role, role)) throw forbidden(role);
  return locals.principal;
}

export function services(locals: App.Locals): HeraldServices {
  if (!locals.herald) throw new Error('admin route reached without the server services');
  return locals.herald;
}

/** After a committed change: publish what it affects and say in a header how that went. */
export async function publishCommitted(
  herald: HeraldServices,
  committed: Committed<unknown>,
): Promise<Record<string, string>> {
  if (!committed.scope) return {};
  try {
    const result = await herald.publisher.publishChange(committed.scope);
    if (!result) return { 'herald-publish': `queued; revision=${committed.revision}` };
    return { 'herald-publish': `published; revision=${result.revision}; duration-ms=${result.durationMs}` };
  } catch (error) {
    herald.log.error('publish after change failed', { error: error instanceof Error ? error.message : String(error) });
    return { 'herald-publish': `failed; revision=${committed.revision}` };
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function apiRoute<S extends z.ZodType | undefined = undefined>(
  options: ApiRouteOptions<S>,
  handler: (ctx: ApiContext<Input<S>>) => Promise<unknown>,
): APIRoute {
  return async (context: APIContext) => {
    try {
      const principal = requirePrincipal(context.locals, options.role);
      const herald = services(context.locals);
      // Every path parameter of the API is an id: one of another shape names nothing (404), and never reaches a query.
      if (Object.values(context.params).some((value) => value !== undefined && !isId(value)))
        throw notFound('item', '');
      const ifMatch = parseIfMatch(context.request.headers.get('if-match'));
      let input: unknown;
      if (options.body) {
        let raw = await readJsonBody(context.request);
        if (
          options.wrapper &&
          typeof raw === 'object' &&
          raw !== null &&
          Object.keys(raw).length === 1 &&
          options.wrapper in raw
        ) {
          raw = (raw as Record<string, unknown>)[options.wrapper];
        }
        if (ifMatch !== undefined && typeof raw === 'object' && raw !== null && !('version' in raw))
          raw = { ...raw, version: ifMatch };
        input = options.body.parse(raw);
      }
      const actor = actorOf(principal);
      const result = await handler({
        herald,
        principal,
        actor,
        change: { db: herald.db, actor, now: herald.now(), origin: herald.publisher.instanceId },
        input: input as Input<S>,
        params: context.params,
        url: context.url,
        ifMatch,
      });
      if (isCommitted(result)) {
        const headers = await publishCommitted(herald, result);
        const status = result.value === null ? 204 : (options.status ?? 200);
        const version = (result.value as { version?: unknown } | null)?.version;
        return json(result.value, status, typeof version === 'number' ? { ...headers, etag: `"${version}"` } : headers);
      }
      const version = (result as { version?: unknown } | null)?.version;
      return json(result, options.status ?? 200, typeof version === 'number' ? { etag: `"${version}"` } : {});
    } catch (error) {
      const response = errorResponse(error);
      if (response.status === 500)
        context.locals.herald?.log.error('admin API request failed', {
          path: context.url.pathname,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      return response;
    }
  };
}
