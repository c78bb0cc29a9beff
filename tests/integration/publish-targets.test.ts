import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePublishTargets } from '../../src/publish/targets/config.ts';
import { TargetMirror, type PublishedChange, type TargetMirrorOptions } from '../../src/publish/targets/mirror.ts';
import { createLogger } from '../../src/infra/log.ts';
import { startS3StandIn, type S3StandIn, type StoredObject } from '../helpers/s3-stand-in.ts';

// The real AWS SDK against the S3 stand-in on 127.0.0.1 (tests/helpers/s3-stand-in.ts).

const ACCESS_KEY_ID = 'AKIDSTANDINTEST01';
const SECRET = 'stand-in-secret-key-that-must-never-show';
const PREFIX = 'status/';

const PAGE = (title: string, links: string[] = []) =>
  `<!doctype html><html><head><title>${title}</title><link rel="stylesheet" href="/_astro/app.D3adB33f.css"><script type="module" src="/_astro/app.C0ffee12.js"></script></head><body>${links
    .map((href) => `<a href="${href}">${href}</a>`)
    .join('')}</body></html>`;

/** A small published tree with one file of every kind the site has. */
function writeSite(dir: string): void {
  const files: Record<string, string | Buffer> = {
    '_astro/app.D3adB33f.css': 'body{color:#111}',
    '_astro/app.C0ffee12.js': 'console.log("status")',
    'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'widget.js': '(()=>{})()',
    'images/logo.png': randomBytes(3000),
    'index.html': PAGE('Status', ['/incidents/a/', '/incidents/b/', '/history/']),
    'zh-CN/index.html': PAGE('状态', ['/zh-CN/incidents/a/']),
    'zh-CN/incidents/a/index.html': PAGE('事件 A'),
    'incidents/a/index.html': PAGE('Incident A'),
    'incidents/b/index.html': PAGE('Incident B'),
    'history/index.html': PAGE('History', ['/incidents/a/', '/incidents/b/']),
    '404.html': PAGE('Not found'),
    'api/v2/summary.json': '{"status":{"indicator":"none"}}',
    'api/v2/status.json': '{"status":{"indicator":"none"}}',
    'widget.json': '{"indicator":"none"}',
    'uptime-days.json': '[]',
    'badge.svg': '<svg xmlns="http://www.w3.org/2000/svg"><text>ok</text></svg>',
    'components/c1/badge.svg': '<svg xmlns="http://www.w3.org/2000/svg"><text>c1</text></svg>',
    'history.rss': '<?xml version="1.0"?><rss/>',
    // Not part of the site: the tree's revision marker and an atomic write in progress.
    '.herald-revision': '1',
    'index.html.0123456789ab.tmp': 'half written',
  };
  for (const [file, content] of Object.entries(files)) writeFile(dir, file, content);
}

function writeFile(dir: string, file: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), content);
}

function siteFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith('.herald') && !f.endsWith('.tmp'))
    .sort();
}

/** The site's objects in the bucket, by site-relative path (the record under .herald/ left out). */
function siteObjects(s3: S3StandIn): Map<string, StoredObject> {
  return new Map(
    [...s3.bucket('site')]
      .filter(([key]) => key.startsWith(PREFIX) && !key.startsWith(`${PREFIX}.herald/`))
      .map(([key, object]) => [key.slice(PREFIX.length), object]),
  );
}

/** The bucket holds exactly the tree: same paths, same bytes. */
function expectBucketEqualsTree(s3: S3StandIn, dir: string): void {
  const objects = siteObjects(s3);
  expect([...objects.keys()].sort()).toEqual(siteFiles(dir));
  for (const file of siteFiles(dir))
    expect(objects.get(file)!.body.equals(readFileSync(path.join(dir, file))), file).toBe(true);
}

function heldRevision(s3: S3StandIn): number | undefined {
  const record = s3.bucket('site').get(`${PREFIX}.herald/revision.json`);
  return record ? (JSON.parse(record.body.toString('utf8')) as { revision: number }).revision : undefined;
}

/** Site files PutObject stored since request number `from`. */
function putsSince(s3: S3StandIn, from: number): string[] {
  return s3.requests
    .slice(from)
    .filter((r) => r.operation === 'PutObject' && r.status === 200 && !r.key.startsWith(`${PREFIX}.herald/`))
    .map((r) => r.key.slice(PREFIX.length));
}

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits for the mirror to finish; a target that keeps failing fails the test with its error. */
async function synced(mirror: TargetMirror, timeoutMs = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the target did not catch up: ${mirror.status.lastError?.message ?? 'no error'}`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([mirror.idle(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let s3: S3StandIn;
let dir: string;
let logLines: string[];
const mirrors: TargetMirror[] = [];

function startMirror(options: Partial<TargetMirrorOptions> & { endpoint?: string } = {}): TargetMirror {
  const [target] = parsePublishTargets(
    `s3://site/${PREFIX}?endpoint=${options.endpoint ?? s3.endpoint}&region=us-east-1&path_style=true`,
    {
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
    },
  );
  const mirror = new TargetMirror({
    target: target!,
    log: createLogger({ json: true, write: (line) => logLines.push(line) }),
    retry: { firstDelayMs: 20, maxDelayMs: 200 },
    timeouts: { connectMs: 1_000, requestMs: 2_000 },
    ...options,
  });
  mirrors.push(mirror);
  return mirror;
}

const full = (revision: number): PublishedChange => ({
  revision,
  siteDir: dir,
  kind: 'full',
  written: [],
  removed: [],
});
const files = (revision: number, written: string[], removed: string[] = []): PublishedChange => ({
  revision,
  siteDir: dir,
  kind: 'files',
  written,
  removed,
});

beforeEach(async () => {
  s3 = await startS3StandIn({ buckets: ['site'], accessKeyIds: [ACCESS_KEY_ID], maxKeys: 7 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'herald-target-'));
  writeSite(dir);
  logLines = [];
});

afterEach(async () => {
  await Promise.all(mirrors.splice(0).map((m) => m.close()));
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a full sync', () => {
  it('uploads every file with its bytes, Content-Type and Cache-Control, and records the revision', async () => {
    const mirror = startMirror();
    mirror.push(full(3));
    await synced(mirror);

    expectBucketEqualsTree(s3, dir);
    const objects = siteObjects(s3);
    expect(objects.get('index.html')).toMatchObject({
      contentType: 'text/html; charset=utf-8',
      cacheControl: 'public, max-age=0, s-maxage=10, must-revalidate',
    });
    expect(objects.get('_astro/app.D3adB33f.css')).toMatchObject({
      contentType: 'text/css; charset=utf-8',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(objects.get('api/v2/summary.json')).toMatchObject({
      contentType: 'application/json; charset=utf-8',
      cacheControl: 'public, max-age=0, s-maxage=10, must-revalidate',
    });
    expect(objects.get('images/logo.png')).toMatchObject({ contentType: 'image/png' });
    expect(objects.get('badge.svg')).toMatchObject({ contentType: 'image/svg+xml; charset=utf-8' });
    expect(heldRevision(s3)).toBe(3);
    expect(mirror.status).toMatchObject({ revision: 3, behind: 0, lastError: null, failingSince: null });
  });

  it('against an unchanged target uploads nothing, from the same mirror or a restarted one', async () => {
    const first = startMirror();
    first.push(full(1));
    await synced(first);
    const before = s3.requests.length;

    first.push(full(2));
    await synced(first);
    await first.close();
    const restarted = startMirror();
    restarted.push(full(2));
    await synced(restarted);

    expect(putsSince(s3, before)).toEqual([]);
    expect(s3.requests.slice(before).filter((r) => r.operation === 'DeleteObject')).toEqual([]);
    expect(heldRevision(s3)).toBe(2);
  });

  it('uploads only what changed and deletes what the tree no longer has, outside .herald/', async () => {
    const mirror = startMirror();
    mirror.push(full(1));
    await synced(mirror);
    writeFile(dir, 'index.html', PAGE('Status, changed'));
    rmSync(path.join(dir, 'incidents/b'), { recursive: true });
    s3.bucket('site').set(`${PREFIX}.herald/keep.json`, {
      body: Buffer.from('{}'),
      contentType: undefined,
      cacheControl: undefined,
      etag: 'x',
    });
    const before = s3.requests.length;

    mirror.push(full(2));
    await synced(mirror);

    expect(putsSince(s3, before)).toEqual(['index.html']);
    expectBucketEqualsTree(s3, dir);
    expect(s3.bucket('site').has(`${PREFIX}.herald/keep.json`)).toBe(true);
  });

  it('of a tree without an index fails and leaves the bucket alone', async () => {
    const mirror = startMirror();
    mirror.push(full(1));
    await synced(mirror);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'herald-empty-'));
    try {
      mirror.push({ ...full(2), siteDir: empty });
      await waitFor(() => mirror.status.failingSince !== null);
      expect(mirror.status.lastError!.message).toContain('has no index.html');
      expectBucketEqualsTree(s3, dir);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('a change', () => {
  it('uploads exactly the files written and deletes the removed ones, directories included', async () => {
    const mirror = startMirror();
    mirror.push(full(1));
    await synced(mirror);
    writeFile(dir, 'index.html', PAGE('Status, changed', ['/incidents/a/', '/incidents/c/']));
    writeFile(dir, 'incidents/c/index.html', PAGE('Incident C'));
    writeFile(dir, 'api/v2/summary.json', '{"status":{"indicator":"minor"}}');
    rmSync(path.join(dir, 'incidents/b'), { recursive: true });
    rmSync(path.join(dir, 'history.rss'));
    // An object under the removed directory that the change's file list does not name.
    s3.bucket('site').set(`${PREFIX}incidents/b/old.json`, {
      body: Buffer.from('{}'),
      contentType: undefined,
      cacheControl: undefined,
      etag: 'x',
    });
    const before = s3.requests.length;

    mirror.push(
      files(2, ['index.html', 'incidents/c/index.html', 'api/v2/summary.json'], ['incidents/b/', 'history.rss']),
    );
    await synced(mirror);

    expect(putsSince(s3, before).sort()).toEqual(['api/v2/summary.json', 'incidents/c/index.html', 'index.html']);
    expectBucketEqualsTree(s3, dir);
    expect(heldRevision(s3)).toBe(2);
    expect(s3.requests.at(-1)).toMatchObject({ operation: 'PutObject', key: `${PREFIX}.herald/revision.json` });
  });

  it('is uploaded assets first, then incident pages, other pages, the index, API and widget data; deletions last', async () => {
    const mirror = startMirror();
    mirror.push(full(1));
    await synced(mirror);
    // A new build: new hashed assets that every page refers to, the old ones removed.
    const newPage = (title: string, links: string[] = []) =>
      PAGE(title, links).replaceAll('D3adB33f', 'N3wCss00').replaceAll('C0ffee12', 'N3wJs000');
    const written = {
      '_astro/app.N3wCss00.css': 'body{color:#222}',
      '_astro/app.N3wJs000.js': 'console.log("v2")',
      'index.html': newPage('Status', ['/incidents/a/', '/incidents/d/']),
      'zh-CN/index.html': newPage('状态', ['/zh-CN/incidents/a/']),
      'incidents/a/index.html': newPage('Incident A'),
      'incidents/d/index.html': newPage('Incident D'),
      'history/index.html': newPage('History', ['/incidents/a/', '/incidents/d/']),
      'api/v2/summary.json': '{"incidents":["d"]}',
      'widget.json': '{"indicator":"minor"}',
      'uptime-days.json': '[1]',
      'badge.svg': '<svg xmlns="http://www.w3.org/2000/svg"><text>minor</text></svg>',
    };
    for (const [file, content] of Object.entries(written)) writeFile(dir, file, content);
    for (const old of ['_astro/app.D3adB33f.css', '_astro/app.C0ffee12.js']) rmSync(path.join(dir, old));
    // Checked at every object stored: a page never refers to an asset or page the bucket lacks.
    const violations: string[] = [];
    s3.onStored((_bucket, key) => {
      if (!key.endsWith('.html')) return;
      const bucket = s3.bucket('site');
      const html = bucket.get(key)!.body.toString('utf8');
      for (const [, ref] of html.matchAll(/(?:href|src)="(\/[^"]*)"/g)) {
        const file = ref!.endsWith('/') ? `${ref!.slice(1)}index.html` : ref!.slice(1);
        if (!bucket.has(PREFIX + file)) violations.push(`${key} refers to ${ref}`);
      }
    });
    const before = s3.requests.length;

    mirror.push(files(2, Object.keys(written), ['_astro/app.D3adB33f.css', '_astro/app.C0ffee12.js']));
    await synced(mirror);

    expect(violations).toEqual([]);
    const order = s3.requests.slice(before).map((r) => `${r.operation} ${r.key.slice(PREFIX.length)}`);
    const last = (pattern: RegExp) => order.findLastIndex((line) => pattern.test(line));
    const first = (pattern: RegExp) => order.findIndex((line) => pattern.test(line));
    expect(last(/^PutObject _astro\//)).toBeLessThan(first(/^PutObject .*\.html$/));
    expect(last(/^PutObject incidents\//)).toBeLessThan(first(/^PutObject history\//));
    expect(last(/^PutObject (incidents|history)\//)).toBeLessThan(first(/^PutObject (zh-CN\/)?index\.html$/));
    expect(last(/^PutObject (zh-CN\/)?index\.html$/)).toBeLessThan(
      first(/^PutObject (api\/|widget\.json|uptime-days\.json|badge\.svg)/),
    );
    expect(last(/^PutObject (?!\.herald)/)).toBeLessThan(first(/^DeleteObject/));
    expect(order.at(-1)).toBe('PutObject .herald/revision.json');
    expectBucketEqualsTree(s3, dir);
  });

  it('older than what the target holds is not mirrored; one of the same revision is', async () => {
    const mirror = startMirror();
    mirror.push(full(5));
    await synced(mirror);
    await mirror.close();
    const stale = PAGE('Status at revision 4');
    writeFile(dir, 'index.html', stale);
    const before = s3.requests.length;

    const restarted = startMirror();
    restarted.push(full(4));
    restarted.push(files(4, ['index.html']));
    await synced(restarted);
    expect(putsSince(s3, before)).toEqual([]);
    expect(heldRevision(s3)).toBe(5);

    writeFile(dir, 'incidents/a/index.html', PAGE('Incident A, deferred render of revision 5'));
    restarted.push(files(5, ['incidents/a/index.html']));
    await synced(restarted);
    expect(siteObjects(s3).get('incidents/a/index.html')!.body.toString()).toContain('deferred render of revision 5');
    expect(restarted.status).toMatchObject({ revision: 5, behind: 0 });
  });
});

describe('a failing target', () => {
  it.each([
    {
      fault: '500 Internal Error',
      inject: (s: S3StandIn, on: boolean) => s.failNext(on ? 1e9 : 0, 500),
      message: /InternalError \(HTTP 500\)/,
    },
    {
      fault: '503 SlowDown',
      inject: (s: S3StandIn, on: boolean) => s.failNext(on ? 1e9 : 0, 503),
      message: /SlowDown \(HTTP 503\)/,
    },
    {
      fault: 'refused credentials (403)',
      inject: (s: S3StandIn, on: boolean) => s.refuseCredentials(on),
      message: /InvalidAccessKeyId \(HTTP 403\)/,
    },
  ])('($fault) is retried, shows its lag, and catches up with every change merged', async ({ inject, message }) => {
    const clock = { now: new Date('2026-03-01T12:00:00Z') };
    const mirror = startMirror({ now: () => clock.now });
    mirror.push(full(1));
    await synced(mirror);
    inject(s3, true);

    writeFile(dir, 'incidents/a/index.html', PAGE('Incident A, update 1'));
    const started = performance.now();
    mirror.push(files(2, ['incidents/a/index.html']));
    expect(performance.now() - started).toBeLessThan(20);
    await waitFor(() => mirror.status.failingSince !== null);
    expect(mirror.status).toMatchObject({
      revision: 1,
      behind: 1,
      failingSince: clock.now,
      lastError: { message: expect.stringMatching(message), at: clock.now },
    });

    // More changes while it fails, merged into one catch-up.
    writeFile(dir, 'incidents/c/index.html', PAGE('Incident C'));
    writeFile(dir, 'index.html', PAGE('Status', ['/incidents/a/', '/incidents/c/']));
    rmSync(path.join(dir, 'incidents/b'), { recursive: true });
    mirror.push(files(3, ['incidents/c/index.html', 'index.html'], ['incidents/b/']));
    expect(mirror.status.behind).toBe(2);

    clock.now = new Date('2026-03-01T12:00:05Z');
    inject(s3, false);
    await synced(mirror);
    expectBucketEqualsTree(s3, dir);
    expect(heldRevision(s3)).toBe(3);
    expect(mirror.status).toMatchObject({
      revision: 3,
      behind: 0,
      failingSince: null,
      lastError: { message: expect.stringMatching(message) },
    });
    const text = JSON.stringify(mirror.status) + logLines.join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(ACCESS_KEY_ID);
    expect(logLines.some((line) => line.includes('publish target failed'))).toBe(true);
    expect(logLines.some((line) => line.includes('publish target recovered'))).toBe(true);
  });

  it('that hangs times out, is retried, and catches up; another target is not delayed', async () => {
    const healthyS3 = await startS3StandIn({ buckets: ['site'], accessKeyIds: [ACCESS_KEY_ID] });
    try {
      const hanging = startMirror({ timeouts: { connectMs: 1_000, requestMs: 200 } });
      const healthy = startMirror({ endpoint: healthyS3.endpoint });
      s3.hang();
      hanging.push(full(1));
      healthy.push(full(1));
      await synced(healthy);
      expect(healthyS3.bucket('site').size).toBeGreaterThan(0);
      await waitFor(() => hanging.status.failingSince !== null);
      expect(hanging.status.lastError!.message).toMatch(/timed? ?out/i);
      expect(hanging.status).toMatchObject({ revision: null, behind: 1 });

      s3.releaseHung();
      await synced(hanging);
      expectBucketEqualsTree(s3, dir);
      expect(hanging.status).toMatchObject({ revision: 1, behind: 0, failingSince: null });
    } finally {
      await healthyS3.close();
    }
  });
});

describe('a publisher killed during an upload', () => {
  it.each([
    { restartWith: 'a full publish', change: () => full(2) },
    { restartWith: 'a change (its first sync is a full one all the same)', change: () => files(2, ['index.html']) },
  ])('is followed by one whose first sync, $restartWith, leaves the bucket exactly the tree', async ({ change }) => {
    const killed = startMirror();
    s3.hang({ afterPuts: 6 });
    killed.push(full(1));
    await waitFor(() => s3.hungCount() > 0);
    await killed.close();
    s3.releaseHung();
    expect(siteObjects(s3).size).toBeGreaterThan(0);
    expect(siteObjects(s3).size).toBeLessThan(siteFiles(dir).length);
    expect(heldRevision(s3)).toBeUndefined();

    // Meanwhile the site moved on.
    writeFile(dir, 'index.html', PAGE('Status, revision 2', ['/incidents/a/']));
    rmSync(path.join(dir, 'incidents/b'), { recursive: true });
    const restarted = startMirror();
    restarted.push(change());
    await synced(restarted);

    expectBucketEqualsTree(s3, dir);
    expect(heldRevision(s3)).toBe(2);
  });
});
