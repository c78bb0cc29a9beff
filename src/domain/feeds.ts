import RSS from 'rss';
import { localeFor, localizedPath, type Locale } from './i18n/translator.ts';
import { absoluteUrl, incidentUrl } from './site-url.ts';
import { escapeHtml, renderMarkdown, stripControlCharacters } from './markdown.ts';
import {
  componentNames,
  publicTransitions,
  type ComponentView,
  type IncidentView,
  type Snapshot,
  type UpdateView,
} from './snapshot.ts';
import type { EventStatus, Language } from './vocabulary.ts';

// RSS 2.0 and Atom 1.0 feeds of incident and maintenance updates, for the whole page or
// one component. Both are built from the same entries, and every text that reaches the
// XML passes xmlSafe first: a feed that does not parse is dropped by readers silently.

export const FEED_ITEM_LIMIT = 50;

export type FeedFormat = 'rss' | 'atom';

export interface FeedEntry {
  /** Stable across publishes and edits: readers use it to tell new items from seen ones. */
  id: string;
  title: string;
  link: string;
  /** Rendered, sanitized HTML. */
  html: string;
  status: EventStatus;
  /** The status in the feed's language. */
  statusLabel: string;
  published: Date;
  updated: Date;
}

export interface Feed {
  title: string;
  description: string;
  /** Absolute URL of the feed itself. */
  url: string;
  /** Absolute URL of the page the feed is about. */
  siteUrl: string;
  author: string;
  language: Language;
  updated: Date;
  entries: FeedEntry[];
}

// Everything XML 1.0 forbids (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
// [#x10000-#x10FFFF] are allowed); with the u flag a lone surrogate counts as forbidden.
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text that can go into any XML document: no control characters, no lone surrogates. */
export function xmlSafe(text: string): string {
  return stripControlCharacters(text).replace(XML_INVALID, '');
}

export function escapeXml(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function feedPath(format: FeedFormat, componentId?: string): string {
  return componentId === undefined ? `/history.${format}` : `/components/${componentId}/history.${format}`;
}

export function feedUrl(
  snapshot: Snapshot,
  format: FeedFormat,
  componentId?: string,
  language: Language = snapshot.page.defaultLanguage,
): string {
  return absoluteUrl(
    snapshot.page.siteUrl,
    localizedPath(feedPath(format, componentId), language, snapshot.page.defaultLanguage),
  );
}

const latest = (...dates: Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())));

function entryHtml(snapshot: Snapshot, locale: Locale, incident: IncidentView, update: UpdateView): string {
  const parts = [renderMarkdown(update.body)];
  const { t } = locale;
  const tz = snapshot.page.timeZone;
  if (incident.kind === 'maintenance' && incident.scheduledFor && incident.scheduledUntil) {
    parts.push(
      `<p>${escapeHtml(t('feed.scheduled', { start: locale.dateTime(incident.scheduledFor, tz), end: locale.dateTime(incident.scheduledUntil, tz) }))}</p>`,
    );
  }
  const transitions = publicTransitions(snapshot, update);
  if (transitions.length > 0) {
    const items = transitions.map(
      (c) => `<li>${escapeHtml(c.name)}: ${escapeHtml(locale.componentChange(c.oldStatus, c.newStatus))}</li>`,
    );
    parts.push(`<p>${escapeHtml(t('feed.affected'))}</p><ul>${items.join('')}</ul>`);
  } else {
    const names = componentNames(snapshot, incident.componentIds);
    if (names.length > 0) parts.push(`<p>${escapeHtml(t('feed.affectedNames', { names: names.join(', ') }))}</p>`);
  }
  return xmlSafe(parts.join('\n'));
}

interface Candidate {
  incident: IncidentView;
  update: UpdateView;
}

/** Newer first; ties broken by creation, then id, so the order never depends on input order. */
function newerFirst(a: Candidate, b: Candidate): number {
  return (
    b.update.displayAt.getTime() - a.update.displayAt.getTime() ||
    b.update.createdAt.getTime() - a.update.createdAt.getTime() ||
    (a.update.id < b.update.id ? 1 : a.update.id > b.update.id ? -1 : 0)
  );
}

/** A published postmortem is an item of its own, dated when it was published. */
function itemsOf(incident: IncidentView): readonly UpdateView[] {
  const at = incident.postmortemPublishedAt;
  if (!incident.postmortemBody || !at) return incident.updates;
  const postmortem: UpdateView = {
    id: `postmortem-${incident.id}`,
    incidentId: incident.id,
    status: 'postmortem',
    body: incident.postmortemBody,
    displayAt: at,
    createdAt: at,
    updatedAt: latest(at, incident.updatedAt),
    affectedComponents: [],
    deliverNotifications: false,
  };
  return [postmortem, ...incident.updates];
}

// Every change re-renders the feeds, and a page may hold tens of thousands of updates:
// keep the newest `limit` in a sorted window instead of sorting them all.
function newestUpdates(incidents: readonly IncidentView[], limit: number): Candidate[] {
  const kept: Candidate[] = [];
  for (const incident of incidents) {
    const items = itemsOf(incident);
    // When even an incident's newest update is older than the window's oldest, skip it whole.
    if (kept.length === limit) {
      let newest = -Infinity;
      for (const update of items) newest = Math.max(newest, update.displayAt.getTime());
      if (newest < kept[limit - 1]!.update.displayAt.getTime()) continue;
    }
    for (const update of items) {
      const candidate = { incident, update };
      if (kept.length === limit && newerFirst(candidate, kept[limit - 1]!) >= 0) continue;
      let low = 0;
      let high = kept.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (newerFirst(kept[middle]!, candidate) <= 0) low = middle + 1;
        else high = middle;
      }
      kept.splice(low, 0, candidate);
      if (kept.length > limit) kept.pop();
    }
  }
  return kept;
}

// The RSS and the Atom feed of one snapshot share their entries.
const entriesCache = new WeakMap<Snapshot, Map<string, FeedEntry[]>>();

/** The newest updates first, of every event or of those affecting one component, in a language. */
export function feedEntries(
  snapshot: Snapshot,
  component?: ComponentView,
  language: Language = snapshot.page.defaultLanguage,
): FeedEntry[] {
  let bySubject = entriesCache.get(snapshot);
  if (!bySubject) entriesCache.set(snapshot, (bySubject = new Map()));
  const key = `${language}|${component?.id ?? ''}`;
  let entries = bySubject.get(key);
  if (!entries)
    bySubject.set(
      key,
      (entries = computeFeedEntries(snapshot, localeFor(language, snapshot.page.defaultLanguage), component)),
    );
  return entries;
}

function computeFeedEntries(snapshot: Snapshot, locale: Locale, component?: ComponentView): FeedEntry[] {
  const incidents = component
    ? snapshot.incidents.filter((i) => i.componentIds.includes(component.id))
    : snapshot.incidents;
  return newestUpdates(incidents, FEED_ITEM_LIMIT).map(({ incident, update }) => {
    // Entry ids stay the default language's link: the same update in two feeds is one update.
    const id = `${incidentUrl(snapshot.page.siteUrl, incident.id)}#update-${update.id}`;
    const link = incidentUrl(snapshot.page.siteUrl, incident.id, locale);
    return {
      id,
      title: xmlSafe(`${incident.name} — ${locale.eventStatus(update.status)}`),
      link,
      html: entryHtml(snapshot, locale, incident, update),
      status: update.status,
      statusLabel: locale.eventStatus(update.status),
      published: update.displayAt,
      updated: latest(update.displayAt, update.updatedAt),
    };
  });
}

function buildFeed(
  snapshot: Snapshot,
  format: FeedFormat,
  component?: ComponentView,
  language: Language = snapshot.page.defaultLanguage,
): Feed {
  const { page } = snapshot;
  const { t } = localeFor(language, page.defaultLanguage);
  const entries = feedEntries(snapshot, component, language);
  const names = { name: page.name, component: component?.name ?? '' };
  return {
    title: xmlSafe(t(component ? 'feed.componentTitle' : 'feed.title', names)),
    description: xmlSafe(t(component ? 'feed.componentDescription' : 'feed.description', names)),
    url: feedUrl(snapshot, format, component?.id, language),
    siteUrl: absoluteUrl(page.siteUrl, localizedPath('/', language, page.defaultLanguage)),
    author: xmlSafe(page.name),
    language,
    // A component's feed changes with the component and its entries only: the page's last
    // change (any incident's, any component's) would make every component feed differ after
    // each change, though a change publish renders only the feeds of the components it touched.
    updated: latest(component ? component.updatedAt : page.updatedAt, ...entries.map((e) => e.updated)),
    entries,
  };
}

// The rss package stamps <lastBuildDate> with the clock. Its channel starts with title and
// description, then link, generator and lastBuildDate: with placeholders for the two texts,
// the first <lastBuildDate> is certainly the channel's, and the feed stays a pure function.
const TITLE_PLACEHOLDER = 'herald-feed-title-placeholder';
const DESCRIPTION_PLACEHOLDER = 'herald-feed-description-placeholder';
const cdata = (text: string) => `<![CDATA[${text.replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`;

function renderRss(feed: Feed): string {
  const rss = new RSS({
    title: TITLE_PLACEHOLDER,
    description: DESCRIPTION_PLACEHOLDER,
    feed_url: feed.url,
    site_url: feed.siteUrl,
    generator: 'Herald',
    language: feed.language,
  });
  for (const entry of feed.entries) {
    rss.item({
      title: entry.title,
      description: entry.html,
      url: entry.link,
      guid: entry.id,
      date: entry.published,
      categories: [entry.statusLabel],
    });
  }
  return rss
    .xml()
    .replace(
      /<lastBuildDate>[^<]*<\/lastBuildDate>/,
      () => `<lastBuildDate>${feed.updated.toUTCString()}</lastBuildDate>`,
    )
    .replace(cdata(TITLE_PLACEHOLDER), () => cdata(feed.title))
    .replace(cdata(DESCRIPTION_PLACEHOLDER), () => cdata(feed.description));
}

function renderAtom(feed: Feed): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${feed.language}">`,
    `<id>${escapeXml(feed.url)}</id>`,
    `<title type="text">${escapeXml(feed.title)}</title>`,
    `<subtitle type="text">${escapeXml(feed.description)}</subtitle>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(feed.url)}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(feed.siteUrl)}"/>`,
    `<updated>${feed.updated.toISOString()}</updated>`,
    `<author><name>${escapeXml(feed.author)}</name><uri>${escapeXml(feed.siteUrl)}</uri></author>`,
    '<generator>Herald</generator>',
  ];
  for (const entry of feed.entries) {
    lines.push(
      '<entry>',
      `<id>${escapeXml(entry.id)}</id>`,
      `<title type="text">${escapeXml(entry.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(entry.link)}"/>`,
      `<published>${entry.published.toISOString()}</published>`,
      `<updated>${entry.updated.toISOString()}</updated>`,
      `<category term="${entry.status}" label="${escapeXml(entry.statusLabel)}"/>`,
      `<content type="html">${escapeXml(entry.html)}</content>`,
      '</entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

/** The feed document of the page (no component) or of one public component, in a language. */
export function feedXml(
  snapshot: Snapshot,
  format: FeedFormat,
  component?: ComponentView,
  language?: Language,
): string {
  const feed = buildFeed(snapshot, format, component, language);
  return format === 'rss' ? renderRss(feed) : renderAtom(feed);
}

export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
};
