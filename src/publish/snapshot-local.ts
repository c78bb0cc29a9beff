import { localeFor, type Locale } from '../domain/i18n/translator.ts';
import type { Snapshot } from '../domain/snapshot.ts';

/** The snapshot a public route renders from; the middleware guarantees it is there. */
export function snapshotOf(locals: App.Locals): Snapshot {
  if (!locals.snapshot) throw new Error('public route rendered without a snapshot');
  return locals.snapshot;
}

/**
 * The language a page renders in: the publisher's choice for a route under a language
 * prefix, else the page's default. Admin pages (no snapshot) are English.
 */
export function localeOf(locals: App.Locals): Locale {
  const defaultLanguage = locals.snapshot?.page.defaultLanguage ?? 'en';
  return localeFor(locals.language ?? defaultLanguage, defaultLanguage);
}
