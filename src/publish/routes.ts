import { monthKey } from '../domain/format.ts';
import { historyPageCount, historyPageOfMonth } from '../domain/history.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import { STATUSPAGE_API_FILES } from '../domain/statuspage-json.ts';

/** A public route and the file it is published to, relative to the site directory. */
export interface PublicRoute {
  path: string;
  file: string;
}

/** Paths served by the Astro handler per request; everything else is a published file. */
const DYNAMIC_PREFIXES = ['/admin', '/api/admin/', '/_herald/'];

export function isPublicRoute(pathname: string): boolean {
  return !DYNAMIC_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
}

export function isDynamicRoute(pathname: string): boolean {
  return !isPublicRoute(pathname);
}

const page = (path: string): PublicRoute => ({ path, file: path === '/' ? 'index.html' : `${path.slice(1)}index.html` });

export function incidentRoute(id: string): PublicRoute {
  return page(`/incidents/${id}/`);
}

export function historyRoute(pageNumber: number): PublicRoute {
  return page(pageNumber === 1 ? '/history/' : `/history/${pageNumber}/`);
}

export function apiRoutes(): PublicRoute[] {
  return Object.keys(STATUSPAGE_API_FILES).map((name) => ({ path: `/api/v2/${name}`, file: `api/v2/${name}` }));
}

export const INDEX_ROUTE = page('/');
export const NOT_FOUND_ROUTE: PublicRoute = { path: '/404/', file: '404.html' };

/** Every public route of the site, for a full publish. */
export function allPublicRoutes(snapshot: Snapshot): PublicRoute[] {
  const routes = [INDEX_ROUTE, NOT_FOUND_ROUTE, ...apiRoutes()];
  for (let n = 1; n <= historyPageCount(snapshot); n++) routes.push(historyRoute(n));
  for (const incident of snapshot.incidents) routes.push(incidentRoute(incident.id));
  return routes;
}

/** The routes whose output can change when the given incidents change. */
export function affectedRoutes(snapshot: Snapshot, incidentIds: ReadonlySet<string>, options: { allHistory?: boolean } = {}): PublicRoute[] {
  const routes = new Map<string, PublicRoute>();
  const add = (route: PublicRoute) => routes.set(route.path, route);
  add(INDEX_ROUTE);
  apiRoutes().forEach(add);
  add(historyRoute(1));
  const pageCount = historyPageCount(snapshot);
  if (options.allHistory) for (let n = 2; n <= pageCount; n++) add(historyRoute(n));
  for (const incident of snapshot.incidents) {
    if (!incidentIds.has(incident.id)) continue;
    add(incidentRoute(incident.id));
    add(historyRoute(Math.min(pageCount, historyPageOfMonth(snapshot, monthKey(incident.startedAt, snapshot.page.timeZone)))));
  }
  return [...routes.values()];
}
