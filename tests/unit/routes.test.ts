import { describe, expect, it } from 'vitest';
import { splitLanguagePrefix } from '../../src/domain/i18n/translator.ts';
import { affectedRoutes, allPublicRoutes } from '../../src/publish/routes.ts';

const routeLanguage = (path: string) => splitLanguagePrefix(path).language;
import {
  makeComponent,
  makeGroup,
  makeIncident,
  makeMaintenance,
  makePage,
  makeSnapshot,
  makeUpdate,
} from './fixtures.ts';

// Which files a publish writes. A route left out of a change is a stale file on the site.

const snapshot = makeSnapshot({
  groups: [makeGroup({ id: 'hiddengroup', hidden: true })],
  components: [
    makeComponent({ id: 'api' }),
    makeComponent({ id: 'web' }),
    makeComponent({ id: 'secret', hidden: true }),
    makeComponent({ id: 'ingroup', groupId: 'hiddengroup' }),
  ],
  incidents: [
    makeIncident({
      id: 'apiinc',
      componentIds: ['api', 'secret'],
      updates: [makeUpdate({ id: 'u1', incidentId: 'apiinc' })],
    }),
    makeIncident({ id: 'bare', updates: [makeUpdate({ id: 'u2', incidentId: 'bare' })] }),
  ],
});

const paths = (routes: Array<{ path: string }>) => routes.map((r) => r.path);
const files = (routes: Array<{ file: string }>) => routes.map((r) => r.file);

const EMBED_PATHS = ['/widget.json', '/badge.svg', '/history.rss', '/history.atom', '/embed/'];
const componentPaths = (id: string) => [
  `/components/${id}/badge.svg`,
  `/components/${id}/history.rss`,
  `/components/${id}/history.atom`,
  `/components/${id}/maintenance.ics`,
];

describe('allPublicRoutes', () => {
  it('publishes the embeds, the docs page and a badge and feeds per public component', () => {
    const routes = allPublicRoutes(snapshot);
    expect(paths(routes)).toEqual(
      expect.arrayContaining([...EMBED_PATHS, '/embed-docs/', ...componentPaths('api'), ...componentPaths('web')]),
    );
    expect(files(routes)).toEqual(
      expect.arrayContaining([
        'widget.json',
        'badge.svg',
        'history.rss',
        'history.atom',
        'embed/index.html',
        'embed-docs/index.html',
        'components/api/badge.svg',
        'components/web/history.atom',
      ]),
    );
    expect(paths(routes).filter((p) => p.includes('secret') || p.includes('ingroup'))).toEqual([]);
    expect(new Set(paths(routes)).size).toBe(routes.length);
  });
});

describe('affectedRoutes', () => {
  it('re-renders the embeds and the badge and feeds of the components the incident affects', () => {
    const routes = paths(affectedRoutes(snapshot, new Set(['apiinc'])));
    expect(routes).toEqual(expect.arrayContaining([...EMBED_PATHS, ...componentPaths('api'), '/incidents/apiinc/']));
    expect(routes.filter((p) => p.startsWith('/components/'))).toEqual(componentPaths('api'));
  });

  it('leaves the component routes alone for an incident without components', () => {
    const routes = paths(affectedRoutes(snapshot, new Set(['bare'])));
    expect(routes).toEqual(expect.arrayContaining(EMBED_PATHS));
    expect(routes.filter((p) => p.startsWith('/components/'))).toEqual([]);
  });

  it('re-renders every component feed for a deleted incident (its components are unknown)', () => {
    const routes = paths(affectedRoutes(snapshot, new Set(['deleted'])));
    expect(routes.filter((p) => p.startsWith('/components/'))).toEqual([
      ...componentPaths('api'),
      ...componentPaths('web'),
    ]);
  });
});

describe('the maintenance calendars', () => {
  const window = makeMaintenance({
    id: 'mwindow',
    componentIds: ['web'],
    scheduledFor: new Date('2026-03-20T02:00:00Z'),
    scheduledUntil: new Date('2026-03-20T04:00:00Z'),
  });
  const withWindow = makeSnapshot({ ...snapshot, page: {}, incidents: [...snapshot.incidents, window] });

  it("are published once (in the page's language): the page's, each component's and each window's", () => {
    const all = paths(allPublicRoutes(withWindow));
    expect(all.filter((p) => p.endsWith('.ics')).sort()).toEqual([
      '/components/api/maintenance.ics',
      '/components/web/maintenance.ics',
      '/incidents/mwindow/calendar.ics',
      '/maintenance.ics',
    ]);
    expect(files(allPublicRoutes(withWindow))).toContain('incidents/mwindow/calendar.ics');
  });

  it('are re-rendered when a window changes or goes, and not for an incident', () => {
    const changed = paths(affectedRoutes(withWindow, new Set(['mwindow'])));
    expect(changed).toEqual(
      expect.arrayContaining([
        '/maintenance.ics',
        '/incidents/mwindow/calendar.ics',
        '/components/web/maintenance.ics',
      ]),
    );
    expect(paths(affectedRoutes(withWindow, new Set(['gone'])))).toContain('/maintenance.ics');
    expect(paths(affectedRoutes(withWindow, new Set(['bare'])))).not.toContain('/maintenance.ics');
  });

  it('are re-rendered at a new day (the 90-day edge moves) and when a recurring window changes', () => {
    const sameDay = { ...withWindow, now: new Date(withWindow.now.getTime() - 60_000) };
    expect(paths(affectedRoutes(withWindow, new Set(), { previous: sameDay }))).not.toContain('/maintenance.ics');
    const dayBefore = { ...withWindow, now: new Date(withWindow.now.getTime() - 86_400_000) };
    const newDay = paths(affectedRoutes(withWindow, new Set(), { previous: dayBefore }));
    expect(newDay).toEqual(
      expect.arrayContaining([
        '/maintenance.ics',
        '/components/api/maintenance.ics',
        '/components/web/maintenance.ics',
      ]),
    );
    const series = {
      id: 's1',
      name: 'Weekly',
      body: 'Patching.',
      componentIds: ['api'],
      rrule: 'FREQ=WEEKLY',
      startsAtLocal: '2026-03-22T02:00',
      timeZone: 'Etc/UTC',
      durationMinutes: 60,
      skipped: [],
      createdAt: withWindow.now,
      updatedAt: withWindow.now,
    };
    const withSeries = { ...withWindow, series: [series] };
    const added = paths(affectedRoutes(withSeries, new Set(), { previous: sameDay }));
    expect(added).toContain('/maintenance.ics');
    expect(added).toContain('/components/api/maintenance.ics');
    expect(added).not.toContain('/components/web/maintenance.ics');
    const edited = { ...withSeries, series: [{ ...series, updatedAt: new Date(series.updatedAt.getTime() + 1000) }] };
    expect(paths(affectedRoutes(edited, new Set(), { previous: { ...withSeries, now: sameDay.now } }))).toContain(
      '/maintenance.ics',
    );
    expect(
      paths(affectedRoutes(withSeries, new Set(), { previous: { ...withSeries, now: sameDay.now } })),
    ).not.toContain('/maintenance.ics');
  });
});

describe('the uptime page', () => {
  it('is published with the site and re-rendered on every incident change and every new day', () => {
    expect(paths(allPublicRoutes(snapshot))).toContain('/uptime/');
    expect(files(allPublicRoutes(snapshot))).toContain('uptime/index.html');
    expect(paths(affectedRoutes(snapshot, new Set(['bare'])))).toContain('/uptime/');
    // The day rollover republishes with no incident named.
    expect(paths(affectedRoutes(snapshot, new Set()))).toContain('/uptime/');
  });
});

describe('routes per language', () => {
  it('publishes every page and feed again under each other language, and the JSON, widget data and badges once', () => {
    const all = allPublicRoutes(snapshot);
    for (const language of ['zh-TW', 'zh-CN']) {
      expect(paths(all)).toEqual(
        expect.arrayContaining([
          `/${language}/`,
          `/${language}/404/`,
          `/${language}/uptime/`,
          `/${language}/history/`,
          `/${language}/incidents/apiinc/`,
          `/${language}/embed/`,
          `/${language}/history.rss`,
          `/${language}/components/api/history.atom`,
        ]),
      );
      expect(files(all)).toEqual(
        expect.arrayContaining([
          `${language}/index.html`,
          `${language}/404.html`,
          `${language}/incidents/apiinc/index.html`,
          `${language}/history.atom`,
        ]),
      );
    }
    expect(
      paths(all).filter((p) =>
        /^\/(zh-TW|zh-CN|en)\/(api\/|widget\.json|badge\.svg|components\/[^/]+\/badge\.svg)/.test(p),
      ),
    ).toEqual([]);
    expect(paths(all).filter((p) => p.startsWith('/en/'))).toEqual([]);
    expect(all.find((r) => r.path === '/zh-TW/history/')).toEqual({
      path: '/zh-TW/history/',
      file: 'zh-TW/history/index.html',
      language: 'zh-TW',
    });
    expect(new Set(paths(all)).size).toBe(all.length);
  });

  it("lists a change's default-language routes first, then the same pages in the other languages", () => {
    const routes = affectedRoutes(snapshot, new Set(['apiinc']));
    const firstOther = routes.findIndex((r) => routeLanguage(r.path) !== null);
    expect(firstOther).toBeGreaterThan(0);
    expect(
      routes.slice(firstOther).every((r) => routeLanguage(r.path) !== null && r.language === routeLanguage(r.path)),
    ).toBe(true);
    expect(routes.slice(0, firstOther).every((r) => r.language === undefined)).toBe(true);
    expect(paths(routes)).toEqual(
      expect.arrayContaining([
        '/zh-TW/incidents/apiinc/',
        '/zh-CN/incidents/apiinc/',
        '/zh-CN/',
        '/zh-TW/components/api/history.rss',
      ]),
    );
  });

  it("moves English under /en/ when the page's default language is Traditional Chinese", () => {
    const chinese = makeSnapshot({ ...snapshot, page: makePage({ defaultLanguage: 'zh-TW' }) });
    const all = paths(allPublicRoutes(chinese));
    expect(all).toEqual(expect.arrayContaining(['/', '/en/', '/en/incidents/apiinc/', '/zh-CN/']));
    expect(all.filter((p) => p.startsWith('/zh-TW/'))).toEqual([]);
  });

  it.each([
    ['/zh-TW/incidents/a/', 'zh-TW'],
    ['/en/', 'en'],
    ['/incidents/a/', null],
    ['/api/v2/summary.json', null],
  ] as const)('routeLanguage(%s) is %s', (path, language) => {
    expect(routeLanguage(path)).toBe(language);
  });
});
