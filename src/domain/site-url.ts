// Absolute links to the site's pages are built from SITE_URL only, never from a request.
import type { Locale } from './i18n/translator.ts';
import type { PageInfo } from './snapshot.ts';

export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** `path` (absolute or relative to the site root) under the site's URL, which may itself have a path. */
export function absoluteUrl(siteUrl: string, path: string): string {
  return new URL(path.replace(/^\//, ''), withSlash(siteUrl)).toString();
}

/** An incident's page, in a language when a locale is given (`locale.path` adds its prefix). */
export function incidentUrl(siteUrl: string, incidentId: string, locale?: Locale): string {
  const path = `/incidents/${encodeURIComponent(incidentId)}/`;
  return absoluteUrl(siteUrl, locale ? locale.path(path) : path);
}

/**
 * A link from a published page to Herald itself (a form's action): relative while Herald
 * serves the site too, under HERALD_APP_URL when the site is served from elsewhere (a
 * bucket cannot answer a POST).
 */
export function appLink(page: Pick<PageInfo, 'siteUrl' | 'appUrl'>, path: string): string {
  return page.appUrl === page.siteUrl ? path : absoluteUrl(page.appUrl, path);
}
