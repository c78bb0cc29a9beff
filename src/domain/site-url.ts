// Absolute links are built from SITE_URL only, never from a request: one way to join them.

export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** `path` (absolute or relative to the site root) under the site's URL, which may itself have a path. */
export function absoluteUrl(siteUrl: string, path: string): string {
  return new URL(path.replace(/^\//, ''), withSlash(siteUrl)).toString();
}
