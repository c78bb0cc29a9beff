import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import { incidents, incidentUpdates, siteState } from '../../src/db/schema.ts';
import { Distribution } from '../../src/publish/distribution.ts';
import { Publisher } from '../../src/publish/publisher.ts';
import {
  cloudflarePurger,
  cloudfrontPurger,
  fastlyPurger,
  httpPurger,
  parsePurgers,
  PurgeQueue,
} from '../../src/publish/purge.ts';
import { loadConfig } from '../../src/infra/config.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { StartupError } from '../../src/infra/startup-error.ts';
import { freePort } from '../helpers/ports.ts';
import { signIn, startHerald } from '../helpers/process.ts';
import { builtHandler, DIST_DIR, SITE_URL, startTestSite, type TestSite, addIncident } from '../helpers/site.ts';
import { startVarnish, type Varnish } from '../helpers/varnish.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
const SITE_HOST = new URL(SITE_URL).host;

describe('CDN purge through a real Varnish in front of Herald', () => {
  let site: TestSite;
  let varnish: Varnish;
  let publisher: Publisher;
  let distribution: Distribution;
  let olderIncident: string;

  beforeAll(async () => {
    site = await startTestSite('pglite', { now: () => NOW });
    const data = generateDataset({
      now: NOW,
      componentCount: 4,
      incidentCount: 6,
      maintenanceCount: 0,
      spanDays: 30,
      withCurrentEvents: false,
    });
    await insertDataset(site.database.db, data);
    olderIncident = data.incidents[0]!.id;
    varnish = await startVarnish(site.url, SITE_HOST);
    distribution = new Distribution({ mirrors: [], purgers: [httpPurger(varnish.url, SITE_URL)], log: silentLogger });
    // The site's server serves whatever is published into its data directory: this publisher's.
    publisher = new Publisher({
      db: site.database.db,
      handler: await builtHandler(),
      dataDir: site.dataDir,
      distDir: DIST_DIR,
      siteUrl: SITE_URL,
      log: silentLogger,
      renderThread: false,
      now: () => NOW,
      onPublished: distribution.published,
    });
    await publisher.publishAll();
    await distribution.idle();
  }, 60_000);

  afterAll(async () => {
    await publisher?.close();
    await distribution?.close();
    await varnish?.close();
    await site?.close();
  });

  const warm = async (...paths: string[]) => {
    for (const pathname of paths) await varnish.get(pathname);
    for (const pathname of paths) expect((await varnish.get(pathname)).cache, pathname).toBe('HIT');
  };

  it('purges the URLs a change wrote, its deferred ones after, and leaves the others cached', async () => {
    const incidentPage = `/incidents/${olderIncident}/`;
    await warm('/', '/api/v2/summary.json', '/history/', incidentPage, '/embed-docs/');

    await addIncident(site, NOW, 'purged000001', 'Queue backlog');
    await publisher.publishChange({ incidentIds: ['purged000001'] });
    await publisher.idle();
    await distribution.idle();

    for (const pathname of ['/', '/api/v2/summary.json', '/history/']) {
      const fresh = await varnish.get(pathname);
      expect(fresh.cache, pathname).toBe('MISS');
      expect(fresh.body, pathname).toContain('Queue backlog');
    }
    // Untouched by the change: still served from the cache.
    expect((await varnish.get(incidentPage)).cache).toBe('HIT');
    expect((await varnish.get('/embed-docs/')).cache).toBe('HIT');
  });

  it('purges only what a full publish changed, and nothing when nothing did', async () => {
    await warm('/', '/api/v2/summary.json', `/incidents/${olderIncident}/`);
    await publisher.publishAll();
    await distribution.idle();
    expect((await varnish.get('/')).cache).toBe('HIT');
    expect((await varnish.get('/api/v2/summary.json')).cache).toBe('HIT');

    // A change nobody published by itself (another instance's, say): the full publish finds it.
    await site.database.db
      .update(incidents)
      .set({ name: 'Renamed while away' })
      .where(eq(incidents.id, 'purged000001'));
    await site.database.db
      .update(siteState)
      .set({ revision: sql`${siteState.revision} + 1` })
      .where(eq(siteState.id, 1));
    await publisher.publishAll();
    await distribution.idle();
    const index = await varnish.get('/');
    expect(index.cache).toBe('MISS');
    expect(index.body).toContain('Renamed while away');
    expect((await varnish.get(`/incidents/${olderIncident}/`)).cache).toBe('HIT');
  });
});

/** A stand-in for a CDN's purge API: records each call, answers as told. */
async function startPurgeApi(
  answer: (
    req: IncomingMessage,
    body: string,
    n: number,
  ) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const calls: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const reply = answer(req, body, calls.length);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? JSON.stringify({ success: reply.status === 200 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('purge APIs', () => {
  const paths = Array.from({ length: 70 }, (_, i) => `/incidents/i${i}/`);

  it('Cloudflare: purges by URL, 30 a request, with the token as a bearer; retries after a 429 as told', async () => {
    const api = await startPurgeApi((_req, _body, n) =>
      n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    try {
      const queue = new PurgeQueue(
        cloudflarePurger({ zoneId: 'zone123', token: 'cf-secret', siteUrl: SITE_URL, apiUrl: api.url }),
        silentLogger,
      );
      queue.push(paths);
      await queue.idle();
      expect(
        api.calls.every(
          (c) =>
            c.method === 'POST' &&
            c.url === '/zones/zone123/purge_cache' &&
            c.headers.authorization === 'Bearer cf-secret',
        ),
      ).toBe(true);
      // The refused batch is sent again, the others once.
      const files = api.calls.filter((c) => c !== api.calls[1]).flatMap((c) => JSON.parse(c.body).files as string[]);
      expect(api.calls.map((c) => JSON.parse(c.body).files.length)).toEqual([30, 30, 30, 10]);
      expect(files).toHaveLength(70);
      expect(new Set(files)).toEqual(new Set(paths.map((p) => `${SITE_URL}${p}`)));
      expect(queue.status).toMatchObject({
        cache: 'Cloudflare zone zone123',
        pending: 0,
        failingSince: null,
        lastError: { message: expect.stringContaining('429') },
      });
      expect(JSON.stringify(queue.status)).not.toContain('cf-secret');
      queue.push('all');
      await queue.idle();
      expect(JSON.parse(api.calls.at(-1)!.body)).toEqual({ purge_everything: true });
    } finally {
      await api.close();
    }
  });

  it('Cloudflare by cache tag: the URL paths Herald tags each file with', async () => {
    const api = await startPurgeApi(() => ({ status: 200 }));
    try {
      const queue = new PurgeQueue(
        cloudflarePurger({ zoneId: 'zone123', token: 'cf-secret', siteUrl: SITE_URL, apiUrl: api.url, byTag: true }),
        silentLogger,
      );
      queue.push(['/', '/incidents/a,b/']);
      await queue.idle();
      expect(JSON.parse(api.calls[0]!.body)).toEqual({ tags: ['/', '/incidents/a%2Cb/'] });
      expect(
        parsePurgers(
          { HERALD_CLOUDFLARE_ZONE_ID: 'z', HERALD_CLOUDFLARE_API_TOKEN: 't', HERALD_CLOUDFLARE_PURGE_BY: 'tags' },
          SITE_URL,
        ),
      ).toHaveLength(1);
      expect(() =>
        parsePurgers(
          { HERALD_CLOUDFLARE_ZONE_ID: 'z', HERALD_CLOUDFLARE_API_TOKEN: 't', HERALD_CLOUDFLARE_PURGE_BY: 'keys' },
          SITE_URL,
        ),
      ).toThrow(/HERALD_CLOUDFLARE_PURGE_BY: "keys" must be urls or tags/);
    } finally {
      await api.close();
    }
  });

  it('Fastly: purges by surrogate key (the URL path Herald tags each file with), 256 a request', async () => {
    const api = await startPurgeApi(() => ({ status: 200 }));
    try {
      const queue = new PurgeQueue(
        fastlyPurger({ serviceId: 'svc9', token: 'fastly-secret', apiUrl: api.url }),
        silentLogger,
      );
      const many = Array.from({ length: 300 }, (_, i) => `/incidents/i${i}/`);
      queue.push(many);
      await queue.idle();
      expect(api.calls.map((c) => [c.url, c.headers['fastly-key'], JSON.parse(c.body).surrogate_keys.length])).toEqual([
        ['/service/svc9/purge', 'fastly-secret', 256],
        ['/service/svc9/purge', 'fastly-secret', 44],
      ]);
      queue.push('all');
      await queue.idle();
      expect(api.calls.at(-1)!.url).toBe('/service/svc9/purge_all');
    } finally {
      await api.close();
    }
  });

  it('CloudFront: gathers paths into one invalidation through the real SDK, and a wildcard past 15 paths (billed as one)', async () => {
    const invalidation = (paths: string[]) =>
      `<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>I1</Id><Status>InProgress</Status><CreateTime>2026-12-07T00:00:00Z</CreateTime><InvalidationBatch><Paths><Quantity>${paths.length}</Quantity><Items>${paths.map((p) => `<Path>${p}</Path>`).join('')}</Items></Paths><CallerReference>r</CallerReference></InvalidationBatch></Invalidation>`;
    const pathsOf = (body: string) => [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((m) => m[1]!);
    const api = await startPurgeApi((_req, body) => ({
      status: 201,
      headers: { 'content-type': 'text/xml', location: 'https://cloudfront/x' },
      body: invalidation(pathsOf(body)),
    }));
    try {
      const queue = new PurgeQueue(
        cloudfrontPurger({
          distributionId: 'EDFDVBD6EXAMPLE',
          gatherMs: 200,
          endpoint: api.url,
          credentials: { accessKeyId: 'AKIACF', secretAccessKey: 'cf-secret-key' },
        }),
        silentLogger,
      );
      queue.push(['/', '/api/v2/summary.json']);
      queue.push(['/history/']);
      await queue.idle();
      expect(api.calls).toHaveLength(1);
      expect(api.calls[0]!.url).toBe('/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation');
      expect(api.calls[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIACF\//);
      expect(new Set(pathsOf(api.calls[0]!.body))).toEqual(new Set(['/', '/api/v2/summary.json', '/history/']));
      queue.push(Array.from({ length: 16 }, (_, i) => `/incidents/i${i}/`));
      await queue.idle();
      expect(pathsOf(api.calls[1]!.body)).toEqual(['/*']);
    } finally {
      await api.close();
    }
  });

  it('keeps paths asked for while a cache fails, and purges them all once it answers', async () => {
    let down = true;
    const api = await startPurgeApi(() => (down ? { status: 503 } : { status: 200 }));
    try {
      const queue = new PurgeQueue(
        cloudflarePurger({ zoneId: 'z', token: 't', siteUrl: SITE_URL, apiUrl: api.url }),
        silentLogger,
      );
      queue.push(['/']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      queue.push(['/history/']);
      expect(queue.status.failingSince).toBeInstanceOf(Date);
      expect(queue.status.pending).toBe(2);
      down = false;
      await queue.idle();
      expect(new Set(JSON.parse(api.calls.at(-1)!.body).files)).toEqual(
        new Set([`${SITE_URL}/`, `${SITE_URL}/history/`]),
      );
      expect(queue.status.failingSince).toBeNull();
    } finally {
      await api.close();
    }
  });

  it('refuses a bad purge setting at start with one line naming it', () => {
    expect(() => loadConfig({ HERALD_PURGE_URLS: 'varnish:6081' }, '/tmp')).toThrow(
      new StartupError('invalid configuration: HERALD_PURGE_URLS: "varnish:6081" must start with http:// or https://'),
    );
    expect(loadConfig({ HERALD_PURGE_URLS: 'http://127.0.0.1:6081' }, '/tmp').purgers.map((p) => p.name)).toEqual([
      'PURGE http://127.0.0.1:6081',
    ]);
  });

  it('reads its caches from the environment, and names the variable that is wrong', () => {
    expect(parsePurgers({}, SITE_URL)).toEqual([]);
    expect(
      parsePurgers(
        {
          HERALD_PURGE_URLS: 'http://127.0.0.1:6081 http://10.0.0.2:80',
          HERALD_CLOUDFLARE_ZONE_ID: 'z',
          HERALD_CLOUDFLARE_API_TOKEN: 't',
          HERALD_FASTLY_SERVICE_ID: 's',
          HERALD_FASTLY_API_TOKEN: 'k',
        },
        SITE_URL,
      ).map((p) => p.name),
    ).toEqual(['PURGE http://127.0.0.1:6081', 'PURGE http://10.0.0.2', 'Cloudflare zone z', 'Fastly service s']);
    expect(
      parsePurgers({ HERALD_CLOUDFRONT_DISTRIBUTION_ID: 'E1' }, SITE_URL).map((p) => [p.name, p.gatherMs]),
    ).toEqual([['CloudFront distribution E1', 5000]]);
    expect(() =>
      parsePurgers({ HERALD_CLOUDFRONT_DISTRIBUTION_ID: 'E1', HERALD_CLOUDFRONT_GATHER_SECONDS: 'soon' }, SITE_URL),
    ).toThrow(/HERALD_CLOUDFRONT_GATHER_SECONDS: "soon" is not a number/);
    expect(() => parsePurgers({ HERALD_PURGE_URLS: 'varnish:6081' }, SITE_URL)).toThrow(
      /HERALD_PURGE_URLS: "varnish:6081" must start with http/,
    );
    expect(() => parsePurgers({ HERALD_PURGE_URLS: 'not a url' }, SITE_URL)).toThrow(
      /HERALD_PURGE_URLS: "not" is not a URL|must start with/,
    );
    expect(() => parsePurgers({ HERALD_CLOUDFLARE_API_TOKEN: 't' }, SITE_URL)).toThrow(
      'HERALD_CLOUDFLARE_API_TOKEN is set but HERALD_CLOUDFLARE_ZONE_ID is not',
    );
    expect(() => parsePurgers({ HERALD_FASTLY_SERVICE_ID: 's' }, SITE_URL)).toThrow(
      'HERALD_FASTLY_SERVICE_ID is set but HERALD_FASTLY_API_TOKEN is not',
    );
  });
});

describe('a running Herald with HERALD_PURGE_URLS', () => {
  it('purges the whole site after its first publish, then the URLs each change wrote', async () => {
    const purges: Array<{ method: string; url: string; host: string }> = [];
    const cache = await startPurgeApi((req) => {
      purges.push({ method: req.method!, url: req.url!, host: req.headers.host! });
      return { status: 200 };
    });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-purge-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const herald = startHerald({
      PORT: String(port),
      SITE_URL: 'https://status.example.com',
      HERALD_DATA_DIR: dataDir,
      HERALD_PURGE_URLS: cache.url,
      HERALD_ADMIN_EMAIL: 'lead@example.com',
      HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
    });
    try {
      await herald.waitFor('Herald is running', 60_000);
      await eventually(() => purges.some((p) => p.url === '/*'));
      expect(purges[0]).toEqual({ method: 'PURGE', url: '/*', host: 'status.example.com' });
      const cookie = await signIn(base);
      const created = await fetch(`${base}/api/admin/v1/incidents`, {
        method: 'POST',
        headers: { cookie, origin: 'https://status.example.com', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Purged at once', body: 'Looking into it.' }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await eventually(() =>
        ['/', `/incidents/${id}/`, '/api/v2/summary.json', '/history/'].every((url) =>
          purges.some((p) => p.url === url),
        ),
      );
      expect(purges.filter((p) => p.url === '/*')).toHaveLength(1);
    } finally {
      herald.child.kill('SIGTERM');
      await herald.exited;
      await cache.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

async function eventually(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
