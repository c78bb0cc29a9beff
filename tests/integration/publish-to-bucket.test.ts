import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { signIn, startHerald, type HeraldProcess } from '../helpers/process.ts';
import { startS3StandIn, type S3StandIn } from '../helpers/s3-stand-in.ts';
import { startVarnish, type Varnish } from '../helpers/varnish.ts';

// A running Herald with HERALD_PUBLISH_TO and HERALD_PURGE_URLS: the site goes to a bucket
// (the S3 stand-in, through the real AWS SDK), and a Varnish in front of the bucket is purged
// once the bucket holds each change. The site as a CDN would serve it from the bucket alone.

const SITE_HOST = 'status.example.com';
const KEY_ID = 'AKIAHERALDTEST';
const SECRET = 'herald-test-secret-key';

async function eventually<T>(
  what: string,
  attempt: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('publishing to a bucket, with a purged cache in front of it', () => {
  let s3: S3StandIn;
  let varnish: Varnish;
  let herald: HeraldProcess;
  let dataDir: string;
  let base: string;
  let cookie: string;
  const bucket = () => s3.bucket('status-site');
  const object = (key: string) => bucket().get(`public/${key}`);

  beforeAll(async () => {
    s3 = await startS3StandIn({ buckets: ['status-site'], accessKeyIds: [KEY_ID], publicRead: true });
    // Varnish serves the bucket's objects under the site's paths, as a CDN with an origin path does.
    varnish = await startVarnish(`${s3.endpoint}`, SITE_HOST, { backendPathPrefix: '/status-site/public' });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-bucket-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    herald = startHerald({
      PORT: String(port),
      SITE_URL: `https://${SITE_HOST}`,
      HERALD_APP_URL: base,
      HERALD_DATA_DIR: dataDir,
      HERALD_DEMO: '1',
      HERALD_ADMIN_EMAIL: 'lead@example.com',
      HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
      HERALD_PUBLISH_TO: `s3://status-site/public?endpoint=${s3.endpoint}&region=us-east-1&path_style=true`,
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      HERALD_PURGE_URLS: varnish.url,
    });
    await herald.waitFor('Herald is running', 60_000);
    cookie = await signIn(base);
  }, 90_000);

  afterAll(async () => {
    if (herald && herald.child.exitCode === null) {
      herald.child.kill('SIGTERM');
      await herald.exited;
    }
    await varnish?.close();
    await s3?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('uploads the whole site after the first publish, byte for byte, with the headers Herald sends', async () => {
    await eventually('the bucket holds the first revision', () => (object('.herald/revision.json') ? true : undefined));
    const site = path.join(dataDir, 'site');
    for (const [key, type] of [
      ['index.html', 'text/html; charset=utf-8'],
      ['api/v2/summary.json', 'application/json; charset=utf-8'],
      ['uptime-days.json', 'application/json; charset=utf-8'],
      ['history.atom', 'application/atom+xml; charset=utf-8'],
      ['zh-TW/index.html', 'text/html; charset=utf-8'],
    ] as const) {
      const stored = object(key);
      expect(stored, key).toBeDefined();
      expect(stored!.body.equals(await readFile(path.join(site, key))), key).toBe(true);
      expect(stored!.contentType, key).toBe(type);
      expect(stored!.cacheControl, key).toBe('public, max-age=0, s-maxage=10, must-revalidate');
    }
    const asset = [...bucket().keys()].find((key) => key.startsWith('public/_astro/'))!;
    expect(bucket().get(asset)!.cacheControl).toBe('public, max-age=31536000, immutable');
    // The published page's form posts to Herald itself, not to the bucket.
    expect(object('index.html')!.body.toString()).toContain(`action="${base}/subscribe"`);
  });

  it('uploads a change, then purges the cache in front of the bucket, and shows the target in /healthz', async () => {
    // The first publish's purge reaches the cache once the bucket holds it.
    await eventually("the cache serves the bucket's index", async () =>
      (await varnish.get('/')).status === 200 ? true : undefined,
    );
    expect((await varnish.get('/')).cache).toBe('HIT');
    const puts = s3.requests.filter((r) => r.operation === 'PutObject').length;
    const created = await fetch(`${base}/api/admin/v1/incidents`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bucket-borne', body: 'Seen from the bucket.' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await eventually('the cache serves the change', async () => {
      const index = await varnish.get('/');
      return index.body.includes('Bucket-borne') ? true : undefined;
    });
    expect(object(`incidents/${id}/index.html`)!.body.toString()).toContain('Bucket-borne');
    // A change uploads what it wrote, not the site again.
    const changed = s3.requests.filter((r) => r.operation === 'PutObject').length - puts;
    expect(changed).toBeGreaterThan(5);
    expect(changed).toBeLessThan(300);
    const health = await (await fetch(`${base}/healthz`)).json();
    expect(health).toMatchObject({
      status: 'ok',
      targets: [
        { target: `s3://status-site/public (${s3.endpoint})`, behind: expect.any(Number), failing_since: null },
      ],
      caches: [{ cache: `PURGE ${varnish.url}`, failing_since: null }],
    });
    expect(JSON.stringify(health)).not.toContain(SECRET);
  });

  it('shows a failing target as lagging in /healthz and the admin, never a 503, and catches up', async () => {
    s3.refuseCredentials(true);
    const created = await fetch(`${base}/api/admin/v1/incidents`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'While the bucket refuses', body: 'Still published locally.' }),
    });
    expect(created.status).toBe(201);
    expect(await (await fetch(`${base}/`)).text()).toContain('While the bucket refuses');
    const lagging = await eventually('the target shows its failure', async () => {
      const response = await fetch(`${base}/healthz`);
      const body = await response.json();
      return body.targets[0].failing_since ? { status: response.status, body } : undefined;
    });
    expect(lagging.status).toBe(200);
    expect(lagging.body).toMatchObject({
      status: 'degraded',
      database: 'up',
      targets: [
        {
          behind: expect.any(Number),
          last_error: { message: expect.stringMatching(/403|InvalidAccessKeyId|credentials/i) },
        },
      ],
    });
    expect(lagging.body.targets[0].behind).toBeGreaterThan(0);
    const dashboard = await (await fetch(`${base}/admin/`, { headers: { cookie } })).text();
    expect(dashboard).toMatch(/s3:\/\/status-site\/public \([^)]+\)<\/span>\s*<span class="due-overdue">failing since/);
    expect(dashboard).not.toContain(SECRET);

    s3.refuseCredentials(false);
    await eventually(
      'the target catches up',
      async () => ((await (await fetch(`${base}/healthz`)).json()).targets[0].behind === 0 ? true : undefined),
      60_000,
    );
    expect(object('index.html')!.body.toString()).toContain('While the bucket refuses');
    expect(herald.output()).not.toContain(SECRET);
  }, 90_000);
});

describe.runIf(process.env.DATABASE_URL)('two instances publishing to one bucket', () => {
  it('lets only the publishing instance upload, and the one that takes over resumes from what the bucket holds', async () => {
    const s3 = await startS3StandIn({ buckets: ['shared-site'], accessKeyIds: ['AKIAINSTANCEA', 'AKIAINSTANCEB'] });
    const name = `herald_bucket_instances_${process.pid}`;
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const dirs = [
      await mkdtemp(path.join(os.tmpdir(), 'herald-bucket-a-')),
      await mkdtemp(path.join(os.tmpdir(), 'herald-bucket-b-')),
    ];
    const instances: HeraldProcess[] = [];
    try {
      // One site: the same SITE_URL and HERALD_APP_URL (a load balancer's), each instance its own keys.
      const shared = {
        DATABASE_URL: url.toString(),
        SITE_URL: `https://${SITE_HOST}`,
        HERALD_APP_URL: 'https://herald.example.com',
        HERALD_DEMO: '1',
        HERALD_ADMIN_EMAIL: 'lead@example.com',
        HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
        HERALD_PUBLISH_TO: `s3://shared-site?endpoint=${s3.endpoint}&region=us-east-1&path_style=true`,
        AWS_SECRET_ACCESS_KEY: SECRET,
      };
      const ports = [await freePort(), await freePort()];
      const a = startHerald({
        ...shared,
        PORT: String(ports[0]),
        HERALD_DATA_DIR: dirs[0]!,
        AWS_ACCESS_KEY_ID: 'AKIAINSTANCEA',
      });
      instances.push(a);
      await a.waitFor('Herald is running', 60_000);
      const b = startHerald({
        ...shared,
        PORT: String(ports[1]),
        HERALD_DATA_DIR: dirs[1]!,
        AWS_ACCESS_KEY_ID: 'AKIAINSTANCEB',
      });
      instances.push(b);
      await b.waitFor('Herald is running', 60_000);
      expect(a.output()).toContain('this instance publishes the site now');
      const signedBy = (key: string) =>
        s3.requests.filter((r) => r.operation === 'PutObject' && r.accessKeyId === key).length;
      await eventually('the bucket holds the site', () =>
        s3.bucket('shared-site').has('.herald/revision.json') ? true : undefined,
      );

      // A change made through B is published, and uploaded, by A alone.
      const post = async (port: number, title: string) => {
        const session = await signIn(`http://127.0.0.1:${port}`);
        const response = await fetch(`http://127.0.0.1:${port}/api/admin/v1/incidents`, {
          method: 'POST',
          headers: { cookie: session, origin: 'https://herald.example.com', 'content-type': 'application/json' },
          body: JSON.stringify({ name: title, body: 'Investigating.' }),
        });
        expect(response.status).toBe(201);
      };
      await post(ports[1]!, 'Made through B');
      await eventually('A uploads the change', () =>
        s3.bucket('shared-site').get('index.html')?.body.toString().includes('Made through B') ? true : undefined,
      );
      // And the change's deferred files (history, feeds, other languages).
      const holds = (key: string) => s3.bucket('shared-site').get(key)?.body.toString().includes('Made through B');
      await eventually(
        'A uploads the deferred files',
        () =>
          ['history/index.html', 'history.rss', 'zh-TW/index.html', 'zh-CN/history/index.html'].every(holds)
            ? true
            : undefined,
        60_000,
      );
      const byA = signedBy('AKIAINSTANCEA');
      expect(byA).toBeGreaterThan(50);
      expect(signedBy('AKIAINSTANCEB')).toBe(0);

      // A dies; B takes over, compares with the bucket and uploads only what differs.
      a.child.kill('SIGKILL');
      await a.exited;
      await b.waitFor('this instance publishes the site now', 30_000);
      await eventually(
        'B has synced',
        () =>
          s3.requests.some(
            (r) =>
              r.accessKeyId === 'AKIAINSTANCEB' && r.operation === 'PutObject' && r.key === '.herald/revision.json',
          )
            ? true
            : undefined,
        30_000,
      );
      // Only what differs from the bucket (feeds whose time moved with the instance's start among
      // them), never the whole site again.
      expect(signedBy('AKIAINSTANCEB')).toBeLessThan(byA / 2);
      await post(ports[1]!, 'After the failover');
      await eventually('B uploads its change', () =>
        s3.bucket('shared-site').get('index.html')?.body.toString().includes('After the failover') ? true : undefined,
      );
    } finally {
      for (const instance of instances) {
        if (instance.child.exitCode === null) {
          instance.child.kill('SIGTERM');
          await instance.exited;
        }
      }
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
      await s3.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
