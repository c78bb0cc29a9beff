import { feedPath } from '../domain/feeds.ts';
import { dayKey, monthKey } from '../domain/format.ts';
import { historyPageCount, historyPageOfMonth } from '../domain/history.ts';
import { findIncident, publicComponents, type IncidentView, type Snapshot } from '../domain/snapshot.ts';
import { STATUSPAGE_API_FILES } from '../domain/statuspage-json.ts';
import { LANGUAGES, type Language } from '../domain/vocabulary.ts';

/**
 * A public route and the file it is published to, relative to the site directory. A route
 * in a language other than the page's default carries it, and its path and file start
 * with it (/zh-TW/history/); the page renders the unprefixed route in that language.
 */
export interface PublicRoute {
  path: string;
  file: string;
  language?: Language;
}

/**
 * Paths served by the Astro handler per request; everything else is a published file.
 * Subscribing (a form post) and the links in subscriber emails need the database, and so
 * does the email provider's webhook.
 */
const DYNAMIC_PREFIXES = ['/admin', '/api/admin/', '/_herald/', '/subscribe', '/subscriptions/', '/api/webhooks/'];

export function isDynamicRoute(pathname: string): boolean {
  return DYNAMIC_PREFIXES.some(
    (prefix) => pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
  );
}

const page = (path: string): PublicRoute => ({
  path,
  file: path === '/' ? 'index.html' : `${path.slice(1)}index.html`,
});

export function incidentRoute(id: string): PublicRoute {
  return page(`/incidents/${id}/`);
}

export function historyRoute(pageNumber: number): PublicRoute {
  return page(pageNumber === 1 ? '/history/' : `/history/${pageNumber}/`);
}

export function apiRoutes(): PublicRoute[] {
  return Object.keys(STATUSPAGE_API_FILES).map((name) => ({ path: `/api/v2/${name}`, file: `api/v2/${name}` }));
}

const file = (path: string): PublicRoute => ({ path, file: path.slice(1) });

/** What other sites and feed readers read about the whole page: widget data, badge, feeds, card. */
export function embedRoutes(): PublicRoute[] {
  return [file('/widget.json'), file('/badge.svg'), file(feedPath('rss')), file(feedPath('atom')), page('/embed/')];
}

/** A component's badge, feeds and maintenance calendar. */
export function componentRoutes(componentId: string): PublicRoute[] {
  return [
    file(`/components/${componentId}/badge.svg`),
    file(feedPath('rss', componentId)),
    file(feedPath('atom', componentId)),
    file(`/components/${componentId}/maintenance.ics`),
  ];
}

/** The page's maintenance calendar. */
export const CALENDAR_ROUTE = file('/maintenance.ics');

/** One maintenance window's calendar file, beside its page. */
export function windowCalendarRoute(incidentId: string): PublicRoute {
  return file(`/incidents/${incidentId}/calendar.ics`);
}

/** Whether an incident has a calendar file: a maintenance with a window. */
const hasCalendar = (incident: IncidentView | undefined) =>
  incident?.kind === 'maintenance' && incident.scheduledFor !== null;

export const INDEX_ROUTE = page('/');
export const NOT_FOUND_ROUTE: PublicRoute = { path: '/404/', file: '404.html' };
export const EMBED_DOCS_ROUTE = page('/embed-docs/');
export const UPTIME_ROUTE = page('/uptime/');
/** The words of the index's day bars: published with the index, in each language. */
export const UPTIME_DAYS_ROUTE = file('/uptime-days.json');

/** The languages other than the page's default: each has a copy of the pages under its prefix. */
export function otherLanguages(snapshot: Snapshot): Language[] {
  return LANGUAGES.filter((language) => language !== snapshot.page.defaultLanguage);
}

// Pages and feeds have words; the Statuspage JSON, the widget data (it carries every
// language's words itself) and the badges have one copy for all languages.
// The embedding documentation is written in English only: one copy, which says so.
// The calendars are written in the page's default language: one copy each.
const LANGUAGE_NEUTRAL =
  /^\/(api\/v2\/|widget\.json$|badge\.svg$|components\/[^/]+\/badge\.svg$|embed-docs\/$|.*\.ics$)/;

/** The Astro page a route renders: its path without the language prefix. */
export function pagePathOf(route: PublicRoute): string {
  return route.language ? route.path.slice(route.language.length + 1) : route.path;
}

/**
 * Whether a route (of any language) still exists in the snapshot: an incident's page goes
 * with the incident, a history page with the months that filled it, a component's feeds
 * and badge with the component. (A change's deferred routes are checked again with it.)
 */
export function routeExists(snapshot: Snapshot, route: PublicRoute): boolean {
  const pagePath = pagePathOf(route);
  const incident = /^\/incidents\/([^/]+)\/$/.exec(pagePath);
  if (incident) return findIncident(snapshot, incident[1]) !== undefined;
  const calendar = /^\/incidents\/([^/]+)\/calendar\.ics$/.exec(pagePath);
  if (calendar) return hasCalendar(findIncident(snapshot, calendar[1]));
  const history = /^\/history\/(\d+)\/$/.exec(pagePath);
  if (history) return Number(history[1]) <= historyPageCount(snapshot);
  const component = /^\/components\/([^/]+)\//.exec(pagePath);
  if (component) return publicComponents(snapshot).some((c) => c.id === component[1]);
  return true;
}

/** The route in another language: same page, under the language's prefix. */
function inLanguage(route: PublicRoute, language: Language): PublicRoute {
  return { path: `/${language}${route.path}`, file: `${language}/${route.file}`, language };
}

/** A default-language route and its copies in the other languages (one, if it has words in none). */
export function inEveryLanguage(snapshot: Snapshot, route: PublicRoute): PublicRoute[] {
  return LANGUAGE_NEUTRAL.test(route.path)
    ? [route]
    : [route, ...otherLanguages(snapshot).map((language) => inLanguage(route, language))];
}

/** The default language's routes first, then their copies in each other language. */
function withLanguages(snapshot: Snapshot, routes: PublicRoute[]): PublicRoute[] {
  const translatable = routes.filter((route) => !LANGUAGE_NEUTRAL.test(route.path));
  return [
    ...routes,
    ...otherLanguages(snapshot).flatMap((language) => translatable.map((route) => inLanguage(route, language))),
  ];
}

/** Every public route of the site, for a full publish. */
export function allPublicRoutes(snapshot: Snapshot): PublicRoute[] {
  const routes = [
    INDEX_ROUTE,
    UPTIME_DAYS_ROUTE,
    NOT_FOUND_ROUTE,
    EMBED_DOCS_ROUTE,
    UPTIME_ROUTE,
    ...apiRoutes(),
    ...embedRoutes(),
  ];
  for (let n = 1; n <= historyPageCount(snapshot); n++) routes.push(historyRoute(n));
  routes.push(CALENDAR_ROUTE);
  for (const incident of snapshot.incidents) {
    routes.push(incidentRoute(incident.id));
    if (hasCalendar(incident)) routes.push(windowCalendarRoute(incident.id));
  }
  for (const component of publicComponents(snapshot)) routes.push(...componentRoutes(component.id));
  return withLanguages(snapshot, routes);
}

/** The components of the recurring windows that differ between two snapshots, or null when none does. */
function changedSeriesComponents(previous: Snapshot, snapshot: Snapshot): string[] | null {
  if (previous.series === snapshot.series) return null;
  const stamp = (s: Snapshot['series'][number]) => `${s.id} ${s.updatedAt.getTime()}`;
  const before = new Map(previous.series.map((s) => [stamp(s), s]));
  const after = new Map(snapshot.series.map((s) => [stamp(s), s]));
  const differing = [
    ...previous.series.filter((s) => !after.has(stamp(s))),
    ...snapshot.series.filter((s) => !before.has(stamp(s))),
  ];
  return differing.length === 0 ? null : differing.flatMap((s) => s.componentIds);
}

/**
 * The routes whose output can change when the given incidents change: the default
 * language's first, then the same pages in the other languages (see PublicRoute).
 */
export function affectedRoutes(
  snapshot: Snapshot,
  incidentIds: ReadonlySet<string>,
  options: { allHistory?: boolean; componentIds?: ReadonlySet<string>; previous?: Snapshot } = {},
): PublicRoute[] {
  const routes = new Map<string, PublicRoute>();
  const add = (route: PublicRoute) => routes.set(route.path, route);
  add(INDEX_ROUTE);
  add(UPTIME_DAYS_ROUTE);
  // Uptime follows component statuses, which incidents change; a new day moves it too.
  add(UPTIME_ROUTE);
  apiRoutes().forEach(add);
  embedRoutes().forEach(add);
  add(historyRoute(1));
  const pageCount = historyPageCount(snapshot);
  if (options.allHistory) for (let n = 2; n <= pageCount; n++) add(historyRoute(n));
  const changed = [...incidentIds].map((id) => findIncident(snapshot, id)).filter((incident) => incident !== undefined);
  // A recurring window added, edited, skipped into or removed: the calendars that list it.
  const seriesChanged = options.previous ? changedSeriesComponents(options.previous, snapshot) : null;
  // A new day moves the calendars' 90-day edge: windows that ended before it leave them.
  const newDay =
    options.previous !== undefined &&
    dayKey(options.previous.now, snapshot.page.timeZone) !== dayKey(snapshot.now, snapshot.page.timeZone);
  if (
    changed.some((incident) => incident.kind === 'maintenance') ||
    changed.length < incidentIds.size ||
    seriesChanged ||
    newDay
  )
    add(CALENDAR_ROUTE);
  for (const incident of changed) {
    add(incidentRoute(incident.id));
    if (hasCalendar(incident)) add(windowCalendarRoute(incident.id));
    add(
      historyRoute(
        Math.min(pageCount, historyPageOfMonth(snapshot, monthKey(incident.startedAt, snapshot.page.timeZone))),
      ),
    );
  }
  // The page that listed it before: a deleted incident, or one moved to another month, leaves it.
  for (const id of incidentIds) {
    const before = options.previous && findIncident(options.previous, id);
    if (before)
      add(
        historyRoute(
          Math.min(pageCount, historyPageOfMonth(snapshot, monthKey(before.startedAt, snapshot.page.timeZone))),
        ),
      );
  }
  // Badges and feeds of the components the incidents affect. A deleted incident is gone
  // from the snapshot, and so is the list of components whose feeds showed it: all then.
  const anyDeleted = changed.length < incidentIds.size;
  const touched = new Set([...changed.flatMap((i) => i.componentIds), ...(seriesChanged ?? [])]);
  for (const component of publicComponents(snapshot)) {
    if (anyDeleted || newDay || touched.has(component.id) || options.componentIds?.has(component.id))
      componentRoutes(component.id).forEach(add);
  }
  return withLanguages(snapshot, [...routes.values()]);
}
