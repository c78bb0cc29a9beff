import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyOfPage, PUBLIC_PAGE_POLICY, scriptHashSource } from '../../src/publish/content-security-policy.ts';
import { writeFileAtomic } from '../../src/publish/site-directory.ts';
import { isKept, keepPublishedFiles } from '../../src/infra/static-files.ts';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

/** A GET as sent on the wire: its body not decoded. */
function rawGet(
  url: string,
  acceptEncoding: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { 'accept-encoding': acceptEncoding, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

describe('serving the published site', () => {
  let site: TestSite;

  beforeAll(async () => {
    site = await startTestSite('pglite', { now: () => NOW });
    const data = generateDataset({
      now: NOW,
      componentCount: 6,
      incidentCount: 5,
      maintenanceCount: 1,
      spanDays: 30,
      withCurrentEvents: true,
    });
    await insertDataset(site.database.db, data);
    await site.publisher.publishAll();
  });
  afterAll(() => site.close());

  it.each([
    ['/', 'text/html; charset=utf-8', 'public, max-age=0, s-maxage=10, must-revalidate'],
    ['/history/', 'text/html; charset=utf-8', 'public, max-age=0, s-maxage=10, must-revalidate'],
    ['/api/v2/summary.json', 'application/json; charset=utf-8', 'public, max-age=0, s-maxage=10, must-revalidate'],
  ])('serves %s as %s with short caching and an ETag', async (path, type, cache) => {
    const response = await fetch(`${site.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('cache-control')).toBe(cache);
    expect(response.headers.get('etag')).toMatch(/^W\/".+"$/);
    // The URL path, by which Fastly (Surrogate-Key) and Cloudflare (Cache-Tag) purge it.
    expect(response.headers.get('surrogate-key')).toBe(path);
    expect(response.headers.get('cache-tag')).toBe(path);
  });

  it('serves each file whole while a publish keeps replacing it', async () => {
    const file = path.join(site.dataDir, 'site', 'replaced.txt');
    const versions = ['a'.repeat(5_000), 'b'.repeat(40_000)];
    let writes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        writeFileAtomic(file, versions[writes++ % 2]!);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      writeFileAtomic(file, versions[0]!);
      for (let n = 0; n < 300; n++) {
        // As sent (fetch would decode a compressed body and keep its compressed length).
        const response = await fetch(`${site.url}/replaced.txt`, {
          headers: { 'accept-encoding': n % 3 === 0 ? 'gzip' : n % 3 === 1 ? 'br' : 'identity' },
        });
        const body = await response.text();
        expect(versions).toContain(body);
        const encoding = response.headers.get('content-encoding');
        const sent = (await rawGet(`${site.url}/replaced.txt`, n % 2 === 0 ? 'gzip' : 'br')).headers['content-length'];
        expect(sent).toMatch(/^\d+$/);
        if (!encoding) expect(response.headers.get('content-length')).toBe(String(body.length));
      }
      expect(writes).toBeGreaterThan(100);
    } finally {
      writing = false;
      await writer;
    }
  });

  it.each(['/', '/api/v2/summary.json', '/history.atom', '/uptime/', '/zh-TW/'])(
    'sends %s gzip, brotli or as it is by Accept-Encoding, the same bytes once decoded',
    async (pathname) => {
      const plain = await rawGet(`${site.url}${pathname}`, '');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      expect(plain.headers['content-length']).toBe(String(plain.body.length));
      const gz = await rawGet(`${site.url}${pathname}`, 'gzip, deflate');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers['content-length']).toBe(String(gz.body.length));
      expect(gz.body.length).toBeLessThan(plain.body.length / 2);
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
      const br = await rawGet(`${site.url}${pathname}`, 'gzip, deflate, br, zstd');
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
      // Not accepted (q=0) is not sent.
      expect((await rawGet(`${site.url}${pathname}`, 'br;q=0, gzip')).headers['content-encoding']).toBe('gzip');
      expect((await rawGet(`${site.url}${pathname}`, 'gzip;q=0')).headers['content-encoding']).toBeUndefined();
      // Each encoding is its own representation: its own ETag, and a 304 for it alone.
      const etags = new Set([plain, gz, br].map((r) => r.headers.etag));
      expect(etags.size).toBe(3);
      expect((await rawGet(`${site.url}${pathname}`, 'br', { 'if-none-match': String(br.headers.etag) })).status).toBe(
        304,
      );
      expect(
        (await rawGet(`${site.url}${pathname}`, 'gzip', { 'if-none-match': String(br.headers.etag) })).status,
      ).toBe(200);
    },
  );

  it('sends a file replaced by a publish at once, not the bytes it kept', async () => {
    const file = path.join(site.dataDir, 'site', 'kept.json');
    writeFileAtomic(file, JSON.stringify({ v: 1, pad: 'x'.repeat(2000) }));
    const first = await rawGet(`${site.url}/kept.json`, 'br');
    expect(JSON.parse(brotliDecompressSync(first.body).toString()).v).toBe(1);
    writeFileAtomic(file, JSON.stringify({ v: 2, pad: 'y'.repeat(2000) }));
    const second = await rawGet(`${site.url}/kept.json`, 'br');
    expect(JSON.parse(brotliDecompressSync(second.body).toString()).v).toBe(2);
    expect(second.headers.etag).not.toBe(first.headers.etag);
    expect((await rawGet(`${site.url}/kept.json`, 'br', { 'if-none-match': String(first.headers.etag) })).status).toBe(
      200,
    );
  });

  it('sends what another process published (shared storage) within a quarter second, checking a kept file at most that often', async () => {
    const file = path.join(site.dataDir, 'site', 'shared.json');
    const write = (v: number) => {
      // As another instance does on shared storage: nothing in this process hears of it.
      writeFileSync(`${file}.tmp`, JSON.stringify({ v, pad: 'z'.repeat(2000) }));
      renameSync(`${file}.tmp`, file);
    };
    write(1);
    expect(JSON.parse((await rawGet(`${site.url}/shared.json`, 'identity')).body.toString()).v).toBe(1);
    write(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(JSON.parse((await rawGet(`${site.url}/shared.json`, 'identity')).body.toString()).v).toBe(2);
  });

  it('compresses what a publish wrote into memory at once (a change: its files; a full publish: the front files)', async () => {
    const root = path.join(site.dataDir, 'site');
    writeFileAtomic(path.join(root, 'fresh.json'), JSON.stringify({ pad: 'q'.repeat(3000) }));
    expect(isKept(path.join(root, 'fresh.json'))).toBe(false);
    await keepPublishedFiles(root, { kind: 'files', written: ['fresh.json'] });
    expect(isKept(path.join(root, 'fresh.json'))).toBe(true);
    // Served from memory, compressed, byte for byte.
    const br = await rawGet(`${site.url}/fresh.json`, 'br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(JSON.stringify({ pad: 'q'.repeat(3000) }));

    await keepPublishedFiles(root, { kind: 'full', written: [] });
    for (const file of ['index.html', 'zh-TW/index.html', 'uptime-days.json', 'api/v2/summary.json', 'widget.json'])
      expect(isKept(path.join(root, file)), file).toBe(true);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(`${site.url}/`);
    const again = await fetch(`${site.url}/`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('caches hashed assets forever', async () => {
    const html = await (await fetch(`${site.url}/`)).text();
    const css = html.match(/href="(\/_astro\/[^"]+\.css)"/)?.[1];
    expect(css).toBeDefined();
    const response = await fetch(`${site.url}${css}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('allows any origin to read the public JSON, and only that', async () => {
    const json = await fetch(`${site.url}/api/v2/status.json`);
    expect(json.headers.get('access-control-allow-origin')).toBe('*');
    expect(json.headers.get('access-control-allow-credentials')).toBeNull();
    const html = await fetch(`${site.url}/`);
    expect(html.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['/widget.js', 'text/javascript; charset=utf-8'],
    ['/widget.json', 'application/json; charset=utf-8'],
    ['/badge.svg', 'image/svg+xml; charset=utf-8'],
    ['/history.rss', 'application/rss+xml; charset=utf-8'],
    ['/history.atom', 'application/atom+xml; charset=utf-8'],
  ])('lets any origin read %s (%s), never with credentials', async (path, type) => {
    const response = await fetch(`${site.url}${path}`, { headers: { origin: 'https://elsewhere.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets any origin read each component badge and feeds', async () => {
    const { components } = await (await fetch(`${site.url}/api/v2/components.json`)).json();
    const component = components.find((c: { group: boolean }) => !c.group);
    for (const [file, type] of [
      ['badge.svg', 'image/svg+xml'],
      ['history.rss', 'application/rss+xml'],
      ['history.atom', 'application/atom+xml'],
    ]) {
      const response = await fetch(`${site.url}/components/${component.id}/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    const badge = await (await fetch(`${site.url}/components/${component.id}/badge.svg`)).text();
    expect(badge).toContain(`aria-label="${component.name}: `);
  });

  it('answers a widget poll with 304 while nothing changed, readable from any origin', async () => {
    const first = await fetch(`${site.url}/widget.json`);
    const again = await fetch(`${site.url}/widget.json`, {
      headers: { 'if-none-match': first.headers.get('etag')!, origin: 'https://elsewhere.example' },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('lets other sites frame the status card under /embed/, and no other page', async () => {
    const card = await fetch(`${site.url}/embed/`);
    expect(card.status).toBe(200);
    expect(card.headers.get('x-frame-options')).toBeNull();
    expect(card.headers.get('content-security-policy')).toBe(`${PUBLIC_PAGE_POLICY}; frame-ancestors *`);
    expect(card.headers.get('access-control-allow-origin')).toBeNull();
    for (const path of ['/', '/history/', '/embed-docs/', '/embed/..%2findex.html', '/embed/%2e%2e/history/']) {
      const response = await fetch(`${site.url}${path}`);
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('content-security-policy'), path).toBe(
        `${PUBLIC_PAGE_POLICY}; frame-ancestors 'none'`,
      );
    }
  });

  it.each([
    '/no-such-page',
    '/incidents/doesnotexist/',
    '/.herald',
    '/..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
  ])('answers %s with the 404 page', async (path) => {
    const response = await fetch(`${site.url}${path}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('Page not found');
  });

  it.each(['/api/v2/nothing.json', '/api/v2/incidents/nothing.json', '/api/v2/', '/api/v2'])(
    'answers %s, not an endpoint, with a JSON 404 any origin may read',
    async (path) => {
      const response = await fetch(`${site.url}${path}`, { headers: { origin: 'https://elsewhere.example' } });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({ error: expect.stringMatching(/^Not found/) });
    },
  );

  it('publishes every page with its policy in a meta tag, and no inline script without its hash', async () => {
    const pages = readdirSync(path.join(site.dataDir, 'site'), { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.html'),
    );
    expect(pages.length).toBeGreaterThan(20);
    for (const page of pages) {
      const html = readFileSync(path.join(site.dataDir, 'site', page), 'utf8');
      const policy = policyOfPage(Buffer.from(html));
      expect(policy, page).not.toBeNull();
      for (const [, attributes, text] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
        if (!/\bsrc=/.test(attributes!)) expect(policy, page).toContain(scriptHashSource(text!));
      }
    }
  });

  it('redirects a folder without its trailing slash', async () => {
    const response = await fetch(`${site.url}/history`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/history/');
  });

  it('answers HEAD without a body and refuses other methods on public files', async () => {
    const head = await fetch(`${site.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${site.url}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('reports health, and keeps serving the public files when the database goes away', async () => {
    const healthy = await fetch(`${site.url}/healthz`);
    expect(healthy.status).toBe(200);
    const body = await healthy.json();
    expect(body).toMatchObject({ status: 'ok', database: 'up', publish: { revision: 1, error: null, backlog: 0 } });
    expect(Date.parse(body.publish.published_at)).not.toBeNaN();

    // An unexpected driver error: /healthz is public, so its message (it may name hosts or users) stays in the log.
    const ping = site.database.ping;
    site.database.ping = () => Promise.reject(new Error('password authentication failed for user "herald_secret"'));
    const failing = await fetch(`${site.url}/healthz`);
    site.database.ping = ping;
    expect(failing.status).toBe(503);
    const failure = await failing.text();
    expect(failure).not.toContain('herald_secret');
    expect(JSON.parse(failure)).toMatchObject({
      database: 'down',
      reason: expect.stringMatching(/answered the health check with an error/),
    });

    await site.database.close();
    const degraded = await fetch(`${site.url}/healthz`);
    expect(degraded.status).toBe(503);
    expect(await degraded.json()).toMatchObject({ status: 'degraded', database: 'down' });
    const page = await fetch(`${site.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Partially Degraded Service');
  });
});
