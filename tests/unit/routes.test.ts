import { describe, expect, it } from 'vitest';
import { affectedRoutes, allPublicRoutes } from '../../src/publish/routes.ts';
import { makeComponent, makeGroup, makeIncident, makeSnapshot, makeUpdate } from './fixtures.ts';

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
    makeIncident({ id: 'apiinc', componentIds: ['api', 'secret'], updates: [makeUpdate({ id: 'u1', incidentId: 'apiinc' })] }),
    makeIncident({ id: 'bare', updates: [makeUpdate({ id: 'u2', incidentId: 'bare' })] }),
  ],
});

const paths = (routes: Array<{ path: string }>) => routes.map((r) => r.path);
const files = (routes: Array<{ file: string }>) => routes.map((r) => r.file);

const EMBED_PATHS = ['/widget.json', '/badge.svg', '/history.rss', '/history.atom', '/embed/'];
const componentPaths = (id: string) => [`/components/${id}/badge.svg`, `/components/${id}/history.rss`, `/components/${id}/history.atom`];

describe('allPublicRoutes', () => {
  it('publishes the embeds, the docs page and a badge and feeds per public component', () => {
    const routes = allPublicRoutes(snapshot);
    expect(paths(routes)).toEqual(expect.arrayContaining([...EMBED_PATHS, '/embed-docs/', ...componentPaths('api'), ...componentPaths('web')]));
    expect(files(routes)).toEqual(expect.arrayContaining(['widget.json', 'badge.svg', 'history.rss', 'history.atom', 'embed/index.html', 'embed-docs/index.html', 'components/api/badge.svg', 'components/web/history.atom']));
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
    expect(routes.filter((p) => p.startsWith('/components/'))).toEqual([...componentPaths('api'), ...componentPaths('web')]);
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
