import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { DatabaseHandle } from '../db/client.ts';
import { databaseUnavailableReason } from '../db/unavailable.ts';
import type { AstroHandler } from '../publish/astro-handler.ts';
import type { Publisher } from '../publish/publisher.ts';
import { isDynamicRoute } from '../publish/routes.ts';
import { siteRoot } from '../publish/site-directory.ts';
import { admitBody, bodyLimitOf } from './body-limits.ts';
import { clientAddressOf, TrustedProxies } from './client-address.ts';
import type { Logger } from './log.ts';
import type { HeraldServices } from '../server/services.ts';
import { isControlToken } from './control.ts';
import { errorBody } from './errors.ts';
import { serveStatic } from './static-files.ts';

export interface ServerDeps {
  handler: AstroHandler;
  database: DatabaseHandle;
  publisher: Publisher;
  dataDir: string;
  log: Logger;
  /** Token that local commands present to /_herald/* (see control.ts); unset disables them. */
  controlToken?: string;
  /** Runs a user command posted to /_herald/user (npm run user), its body parsed from JSON; unset, there is none. */
  userCommand?: (body: unknown) => Promise<unknown>;
  /** Handed to admin routes as Astro.locals.herald. */
  services: HeraldServices;
  /** HERALD_TRUSTED_PROXIES: whose X-Forwarded-For names the client (none by default). */
  trustedProxies?: TrustedProxies;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function health(deps: ServerDeps, res: ServerResponse): Promise<void> {
  const reason = await Promise.race([
    deps.database.ping().then(() => null),
    new Promise<string>((resolve) =>
      setTimeout(() => resolve('the database did not answer within 2 seconds'), 2000).unref(),
    ),
  ]).catch((error: unknown) => {
    const known = databaseUnavailableReason(error);
    if (known) return known;
    // /healthz is public: an unexpected driver message (it may name hosts or users) goes to the log only.
    deps.log.warn('health check: the database ping failed', {
      error: error instanceof Error ? error.message : String(error),
    });
    return 'the database answered the health check with an error (see the log)';
  });
  const database = reason === null ? 'up' : 'down';
  const publish = deps.services.publisher.status;
  const distribution = deps.services.distribution?.();
  // A lagging target or cache is a degraded detail, never a 503: a load balancer would take
  // this instance out, though it serves the site as well as ever.
  const lagging =
    distribution !== undefined &&
    [...distribution.targets, ...distribution.caches].some((d) => d.failingSince !== null);
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  const failure = (error: { message: string; at: Date } | null) =>
    error ? { message: error.message, at: error.at.toISOString() } : null;
  sendJson(res, database === 'up' ? 200 : 503, {
    status: database === 'up' && !lagging ? 'ok' : 'degraded',
    database,
    ...(reason === null ? {} : { reason }),
    driver: deps.database.client.kind,
    publish: {
      revision: publish.revision,
      published_at: publish.publishedAt?.toISOString() ?? null,
      duration_ms: publish.durationMs,
      error: failure(publish.error),
      // Pages of a rename or settings change still being re-rendered in the background.
      backlog: publish.backlog,
    },
    ...(distribution && {
      targets: distribution.targets.map((t) => ({
        target: t.target,
        revision: t.revision,
        behind: t.behind,
        last_error: failure(t.lastError),
        failing_since: iso(t.failingSince),
      })),
      caches: distribution.caches.map((c) => ({
        cache: c.cache,
        pending: Number.isFinite(c.pending) ? c.pending : 'all',
        last_error: failure(c.lastError),
        failing_since: iso(c.failingSince),
      })),
    }),
  });
}

async function control(deps: ServerDeps, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = req.headers.authorization?.replace(/^Bearer /, '');
  if (!deps.controlToken || !isControlToken(deps.controlToken, token)) {
    sendJson(res, 401, { error: { code: 'unauthorized', message: 'a local control token is required' } });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'control commands are POSTs' } });
    return;
  }
  try {
    if (pathname === '/_herald/publish') return sendJson(res, 200, await deps.publisher.publishAll());
    if (pathname === '/_herald/user' && deps.userCommand)
      return sendJson(res, 200, await deps.userCommand(JSON.parse(await readBody(req))));
    sendJson(res, 404, { error: { code: 'not_found', message: 'no such control command' } });
  } catch (error) {
    const { status, body } = errorBody(error);
    sendJson(
      res,
      status === 500 ? 500 : status,
      status === 500 ? { error: { code: 'failed', message: (error as Error).message } } : body,
    );
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  // A body of unknown length was already read, within its limit, by admitBody.
  const admitted = (req as IncomingMessage & { body?: Buffer }).body;
  if (admitted) return admitted.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Astro's checkOrigin compares the Origin header with the URL Astro sees, which behind a
 * TLS-terminating proxy is http://, never the https:// origin browsers send. Four kinds of
 * request are translated into Astro's terms before that check:
 * - an Origin equal to HERALD_APP_URL's: the admin's own pages, whatever the proxy did;
 * - SITE_URL's Origin on the public form routes only (`/subscribe`, `/subscriptions/*`):
 *   the published pages' forms, when the site is served from elsewhere (a bucket, a CDN);
 *   an admin route posted from there is refused like any other site's;
 * - no Origin but an Authorization header: browsers never attach one on their own, so it
 *   cannot be a forged cross-site submission (the middleware authenticates such requests
 *   by the token alone, never the cookie);
 * - the RFC 8058 one-click unsubscribe POST, which mail providers send without an Origin:
 *   its token is its only credential (no cookie is read), so a cross-site POST can do no
 *   more than the link itself.
 * Any other origin reaches the check unchanged and is refused.
 */
function alignOriginForAstro(req: IncomingMessage, pathname: string, origins: { app: string; site: string }): void {
  if (!req.headers.host) return;
  const origin = req.headers.origin;
  const fromOwnPages = origin === origins.app || (origin === origins.site && isPublicFormPath(pathname));
  const oneClickUnsubscribe = req.method === 'POST' && /^\/subscriptions\/unsubscribe\/?$/.test(pathname);
  if (fromOwnPages || (!origin && req.headers.authorization) || oneClickUnsubscribe)
    req.headers.origin = `http://${req.headers.host}`;
}

/** Where the published pages' forms post (and the subscriber pages behind email links). */
const isPublicFormPath = (pathname: string) =>
  /^\/subscribe\/?$/.test(pathname) || pathname.startsWith('/subscriptions/');

/**
 * Public paths are answered from the published files alone (they keep working while the
 * database is down); admin paths go to the Astro handler.
 */
export function createRequestListener(deps: ServerDeps): RequestListener {
  const root = siteRoot(deps.dataDir);
  const origins = { app: new URL(deps.services.appUrl).origin, site: new URL(deps.services.siteUrl).origin };
  const trustedProxies = deps.trustedProxies ?? new TrustedProxies();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let pathname: string;
    try {
      // Decoded before routing, so /%61dmin is routed exactly like /admin.
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://herald.invalid').pathname);
    } catch {
      sendJson(res, 400, { error: { code: 'bad_request', message: 'the request path is not valid URL encoding' } });
      return;
    }
    if (!(await admitBody(req, res, bodyLimitOf(pathname)))) return;
    if (pathname === '/healthz') return health(deps, res);
    if (pathname.startsWith('/_herald/')) return control(deps, pathname, req, res);
    if (isDynamicRoute(pathname)) {
      alignOriginForAstro(req, pathname, origins);
      const clientAddress = clientAddressOf(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
      return deps.handler(req, res, undefined, { herald: deps.services, clientAddress });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed\n');
      return;
    }
    await serveStatic(root, pathname, req, res);
  };
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.log.error('request failed', {
        path: req.url,
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal server error\n');
      } else res.destroy();
    });
  };
}

/** What the server answers while the database opens and the first publish runs. */
export const startingListener: RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '2', 'cache-control': 'no-store' });
  res.end('Herald is starting\n');
};
