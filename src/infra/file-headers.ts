import path from 'node:path';

// The headers a published file is sent with, by Herald's own server and by every publish
// target (a bucket stores them with each object, see src/publish/targets/).

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.rss': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.ics': 'text/calendar; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The Content-Type of a published file, by its name. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
}

/** Whether a file's bytes are text, worth compressing. */
export function isCompressible(contentType: string): boolean {
  return /^(text\/|application\/(json|xml|rss\+xml|atom\+xml)|image\/svg\+xml)/.test(contentType);
}

/** The Cache-Control of a published file at `pathname` (its URL path), answered with `status`. */
export function cacheControlOf(pathname: string, status: number): string {
  // Hashed build assets never change under the same name.
  if (status === 200 && pathname.startsWith('/_astro/')) return 'public, max-age=31536000, immutable';
  // A visitor who reloads must see an update the moment it is published: browsers always
  // revalidate (a 304 when nothing changed); shared caches (CDNs) may keep it 10 seconds.
  return 'public, max-age=0, s-maxage=10, must-revalidate';
}
