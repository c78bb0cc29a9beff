import type { MiddlewareHandler } from 'astro';
import { defineMiddleware } from 'astro:middleware';
import { validateApiToken } from './auth/api-tokens.ts';
import type { Principal } from './auth/principal.ts';
import { SESSION_COOKIE, sessionCookie, validateSessionToken } from './auth/sessions.ts';
import { isDatabaseUnavailable } from './db/unavailable.ts';
import { errorResponse, HttpError, unauthorized } from './infra/errors.ts';

// Public routes render only for the publisher (which hands them a snapshot). Admin routes
// need a principal: a session cookie or an API token. Routes are classified by the
// pattern Astro matched, so an encoded path (/%61pi/admin/...) cannot slip past.

const isAdminPattern = (pattern: string) =>
  pattern === '/admin' || pattern.startsWith('/admin/') || pattern.startsWith('/api/admin/');
const OPEN_ADMIN_ROUTES = new Set(['/admin/login', '/api/admin/v1/session', '/api/admin/v1/openapi.json']);

const ADMIN_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

async function authenticate(
  request: Request,
  locals: App.Locals,
  cookieToken: string | undefined,
): Promise<{ principal?: Principal; renewCookie?: string }> {
  const herald = locals.herald!;
  const now = herald.now();
  const authorization = request.headers.get('authorization');
  if (authorization) {
    // "OAuth" is how Statuspage clients send their key; Herald accepts it for them.
    const token = authorization.match(/^(?:Bearer|OAuth)\s+(\S+)$/i)?.[1];
    const principal = token ? await validateApiToken(herald.db, token, now) : null;
    // A bad token never falls back to the cookie: scripts must learn that it is bad.
    if (!principal) throw new HttpError(401, 'invalid_token', 'the API token is unknown, revoked or expired');
    return { principal: { kind: 'token', ...principal } };
  }
  if (!cookieToken) return {};
  const session = await validateSessionToken(herald.db, cookieToken, now);
  if (!session) return {};
  return {
    principal: { kind: 'user', ...session.user, sessionToken: cookieToken },
    ...(session.renewed ? { renewCookie: sessionCookie(cookieToken, session.expiresAt, herald.secureCookies) } : {}),
  };
}

/**
 * Cookie-authenticated writes must come from the admin itself, at HERALD_APP_URL (a token
 * proves intent by itself). SITE_URL's origin is not the admin's when the site is served
 * from elsewhere: its pages may post to the public forms only (see http-server.ts).
 */
function checkSameOrigin(request: Request, url: URL, appUrl: string): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const origin = request.headers.get('origin');
  const fetchSite = request.headers.get('sec-fetch-site');
  const allowed = new Set([url.origin, new URL(appUrl).origin]);
  if ((origin && !allowed.has(origin)) || fetchSite === 'cross-site') {
    throw new HttpError(
      403,
      'cross_origin',
      'this request did not come from the Herald admin; use an API token for scripts',
    );
  }
}

// Subscriber pages (the subscribe form's POST, the links in emails) and the email
// provider's webhook are answered per request, for anyone: the token in the link, or the
// webhook's signature, is their only credential; they read no cookie.
const isSubscriberPattern = (pattern: string) =>
  pattern === '/subscribe' || pattern.startsWith('/subscriptions/') || pattern.startsWith('/api/webhooks/');
// "same-origin" keeps the tokens in these URLs from other sites ("no-referrer" would make
// browsers send "Origin: null" with the pages' own form posts, which Astro refuses).
const SUBSCRIBER_HEADERS = ADMIN_HEADERS;

/**
 * What a page or route that failed because the database is away answers: 503 with a plain
 * message (JSON for the API), no stack trace. Any other error is thrown on, to Astro's 500.
 */
function unavailableResponse(error: unknown, isApi: boolean): Response {
  if (!isDatabaseUnavailable(error)) throw error;
  if (isApi) return errorResponse(error);
  const message =
    'Herald cannot reach its database right now, so the admin is unavailable. The public status page is still served. Try again in a moment.\n';
  return new Response(message, {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' },
  });
}

const DEADLINE_MS = 8_000;
const PING_MS = 2_000;

/**
 * A request waiting on a database that stopped answering without refusing (a network that
 * drops packets) would hang until TCP gives up, minutes later. After DEADLINE_MS Herald
 * pings the database itself; when the ping does not answer either, the visitor gets a 503
 * now. A slow request on a database that answers (an import, a full publish) goes on.
 */
async function answerInTime(ping: () => Promise<void>, isApi: boolean, work: Promise<Response>): Promise<Response> {
  const late = Symbol('late');
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      work,
      new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), DEADLINE_MS))),
    ]);
    clearTimeout(timer);
    if (outcome !== late) return outcome;
    const answered = await Promise.race([
      ping().then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), PING_MS)),
    ]);
    if (answered) continue;
    work.catch(() => {}); // it fails later, when TCP gives up; nobody waits for it then
    const timedOut = Object.assign(new Error('the database did not answer'), { code: 'DATABASE_TIMEOUT' });
    const response = unavailableResponse(timedOut, isApi);
    for (const [name, value] of Object.entries(ADMIN_HEADERS)) response.headers.set(name, value);
    return response;
  }
}

export const onRequest = defineMiddleware((context, next) => {
  const pattern = context.routePattern;
  const ping = context.locals.herald?.pingDatabase;
  if (!ping || !(isAdminPattern(pattern) || isSubscriberPattern(pattern))) return handleRequest(context, next);
  return answerInTime(ping, pattern.startsWith('/api/'), handleRequest(context, next));
});

const handleRequest = async (...[context, next]: Parameters<MiddlewareHandler>): Promise<Response> => {
  const pattern = context.routePattern;
  if (isSubscriberPattern(pattern)) {
    if (!context.locals.herald)
      return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const response = await next().catch((error: unknown) => unavailableResponse(error, pattern.startsWith('/api/')));
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(SUBSCRIBER_HEADERS)) copy.headers.set(name, value);
    return copy;
  }
  if (!isAdminPattern(pattern)) {
    if (!context.locals.snapshot)
      return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    return next();
  }
  const isApi = pattern.startsWith('/api/');
  const withHeaders = (response: Response, extra: Record<string, string> = {}) => {
    for (const [name, value] of Object.entries({ ...ADMIN_HEADERS, ...extra })) response.headers.set(name, value);
    return response;
  };
  if (!context.locals.herald) return withHeaders(new Response('Herald admin is not available here', { status: 503 }));

  let renewCookie: string | undefined;
  try {
    const auth = await authenticate(context.request, context.locals, context.cookies.get(SESSION_COOKIE)?.value);
    if (auth.principal) context.locals.principal = auth.principal;
    renewCookie = auth.renewCookie;
    if (auth.principal?.kind === 'user' && isApi)
      checkSameOrigin(context.request, context.url, context.locals.herald.appUrl);
  } catch (error) {
    if (isDatabaseUnavailable(error)) return withHeaders(unavailableResponse(error, isApi));
    return withHeaders(isApi ? errorResponse(error) : new Response('Forbidden', { status: 403 }));
  }

  if (!context.locals.principal && !OPEN_ADMIN_ROUTES.has(pattern)) {
    if (isApi) return withHeaders(errorResponse(unauthorized()));
    const target = context.url.pathname + context.url.search;
    return withHeaders(
      new Response(null, { status: 303, headers: { location: `/admin/login?next=${encodeURIComponent(target)}` } }),
    );
  }
  const response = await next().catch((error: unknown) => unavailableResponse(error, isApi));
  // Responses from endpoints may be immutable; copy before adding headers.
  const copy = new Response(response.body, response);
  if (renewCookie) copy.headers.append('set-cookie', renewCookie);
  return withHeaders(copy);
};
