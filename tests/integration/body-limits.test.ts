import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../../src/infra/body-limits.ts';
import { startHerald, type HeraldProcess } from '../helpers/process.ts';
import { freePort } from '../helpers/ports.ts';

// The real server process, so that its memory (RSS) is what is measured.

const MB = 1024 * 1024;
const ADMIN_EMAIL = 'lead@example.com';
const ADMIN_PASSWORD = 'correct-horse-battery';

function rssBytes(pid: number): number {
  const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

interface Answer {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: string;
  /** A reset or closed connection, when the server stopped reading while the client still wrote. */
  error?: string;
}

/** Sends only the head of a request (and `body`, if any), leaving the connection open for more. */
function sendHead(port: number, urlPath: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode, headers: res.headers, body: text });
        req.destroy();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    if (body) req.write(body);
    else req.flushHeaders();
  });
}

/** Streams `total` bytes from a generator (nothing that large is ever allocated); counts what the server took. */
function streamPost(
  port: number,
  urlPath: string,
  total: number,
  chunked: boolean,
): Promise<Answer & { pulled: number; ms: number }> {
  const started = Date.now();
  let pulled = 0;
  const chunk = Buffer.alloc(64 * 1024, 'email=a%40example.com&x=');
  async function* body() {
    while (pulled < total) {
      pulled += chunk.length;
      yield chunk;
    }
  }
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      origin: `http://127.0.0.1:${port}`,
    };
    if (!chunked) headers['content-length'] = String(total);
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', headers });
    const done = (answer: Answer) => resolve({ ...answer, pulled, ms: Date.now() - started });
    req.on('response', (res) => {
      res.resume();
      done({ status: res.statusCode });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    pipeline(Readable.from(body()), req).catch(() => {});
  });
}

describe('request body limits (the server process)', () => {
  let herald: HeraldProcess;
  let dataDir: string;
  let port: number;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-limits-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    herald = startHerald({
      PORT: String(port),
      HERALD_DATA_DIR: dataDir,
      HERALD_DEMO: '1',
      SITE_URL: base,
      HERALD_ADMIN_EMAIL: ADMIN_EMAIL,
      HERALD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    await herald.waitFor('Herald is running', 60_000);
  }, 70_000);

  afterAll(async () => {
    if (herald.child.exitCode === null) {
      herald.child.kill('SIGKILL');
      await herald.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['/subscribe', BODY_LIMITS.publicForm],
    ['/subscriptions/manage?token=x', BODY_LIMITS.publicForm],
    ['/subscriptions/webhook', BODY_LIMITS.publicForm],
    ['/api/webhooks/resend', BODY_LIMITS.inboundWebhook],
    ['/admin/login', BODY_LIMITS.adminForm],
    ['/admin/subscribers', BODY_LIMITS.subscriberImport],
    ['/api/admin/v1/incidents', BODY_LIMITS.adminApi],
    ['/_herald/user', BODY_LIMITS.control],
    ['/', BODY_LIMITS.staticFile],
  ])('answers a declared body over the limit of %s with 413 before any byte of it is sent', async (urlPath, limit) => {
    const answer = await sendHead(port, urlPath, {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(limit + 1),
    });
    expect(answer.status).toBe(413);
    expect(answer.headers?.connection).toBe('close');
    expect(answer.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body!).error.code).toBe('payload_too_large');
  });

  it('counts a chunked body while reading it and answers 413 once it passes the limit', async () => {
    const answer = await sendHead(
      port,
      '/subscribe',
      { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
      Buffer.alloc(BODY_LIMITS.publicForm + 1, 'a'),
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body!).error.message).toBe('the request body must be at most 32 KB');
    // Read before the sender is known: never more than the admin forms' limit, whatever the path takes.
    const csv = await sendHead(
      port,
      '/admin/subscribers',
      { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
      Buffer.alloc(BODY_LIMITS.adminForm + 1, 'a'),
    );
    expect(csv.status).toBe(413);
    expect(JSON.parse(csv.body!).error.message).toBe('the request body must be at most 1 MB');
  });

  it('still takes forms within their limits, chunked or not', async () => {
    const form = 'email=limits%40example.com&language=en';
    for (const chunked of [false, true]) {
      const response = await fetch(`${base}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
        // A stream has no length: fetch sends it chunked.
        body: chunked ? Readable.toWeb(Readable.from([Buffer.from(form)])) : form,
        ...(chunked ? { duplex: 'half' } : {}),
      } as RequestInit);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('sent it an email with a link to confirm');
    }
  });

  it('takes a subscriber CSV larger than other admin forms', async () => {
    const login = await fetch(`${base}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD, next: '/admin/' }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const csv = 'email\n' + 'csv-import@example.com\n'.repeat(Math.ceil((2 * BODY_LIMITS.adminForm) / 23));
    const form = new FormData();
    form.set('intent', 'import');
    form.set('file', new File([csv], 'subscribers.csv', { type: 'text/csv' }));
    const response = await fetch(`${base}/admin/subscribers`, {
      method: 'POST',
      headers: { origin: base, cookie },
      body: form,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Imported: 1 new');
  });

  it('leaves its memory where it was after twenty parallel 100 MB posts to the public forms', async () => {
    const targets = [
      '/subscribe',
      '/subscriptions/manage?token=x',
      '/subscriptions/confirm?token=x',
      '/subscriptions/unsubscribe?token=x',
      '/subscriptions/webhook',
    ];
    // Warm up every path first, so that what is measured is not code loaded on first use.
    for (const target of targets) await streamPost(port, target, MB, true);
    const pid = herald.child.pid!;
    const before = rssBytes(pid);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => streamPost(port, targets[i % targets.length]!, 100 * MB, i % 2 === 0)),
    );
    const elapsed = Date.now() - started;
    const after = rssBytes(pid);
    console.log(
      `RSS before ${(before / MB).toFixed(1)} MB, after ${(after / MB).toFixed(1)} MB; ${elapsed} ms; bytes taken per post: ${answers.map((a) => (a.pulled / MB).toFixed(1)).join(' ')} MB`,
    );
    for (const answer of answers) {
      // The server answered 413, or closed the connection on the client that was still writing.
      if (answer.status !== undefined) expect(answer.status).toBe(413);
      else expect(answer.error).toMatch(/^(EPIPE|ECONNRESET)$/);
      // It stopped reading: the client got no further than what the sockets' buffers hold.
      expect(answer.pulled).toBeLessThan(16 * MB);
    }
    expect(after - before).toBeLessThan(30 * MB);
    expect(elapsed).toBeLessThan(10_000);
    // Still serving.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 30_000);
});
