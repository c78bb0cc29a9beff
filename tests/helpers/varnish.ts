import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

export const VARNISHD = '/usr/sbin/varnishd';

export interface Varnish {
  url: string;
  /** A GET through the cache with the site's Host: status, X-Cache (HIT or MISS) and body. */
  get(pathname: string): Promise<{ status: number; cache: string; body: string }>;
  close(): Promise<void>;
}

/**
 * Debian's Varnish in front of `backend` (Herald, or a bucket under `backendPathPrefix`), on loopback, with a VCL that
 * honours PURGE from
 * loopback (`PURGE /*` bans the whole host) and keeps every answer an hour, so that only a
 * purge makes it fetch again. As root it runs without a jail (-j none) in its own directory.
 */
export async function startVarnish(
  backend: string,
  siteHost: string,
  options: { backendPathPrefix?: string } = {},
): Promise<Varnish> {
  if (!existsSync(VARNISHD)) throw new Error(`${VARNISHD} is missing: apt-get install -y varnish`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-varnish-'));
  const port = await freePort();
  const origin = new URL(backend);
  await writeFile(
    path.join(dir, 'default.vcl'),
    `vcl 4.1;
backend default { .host = "${origin.hostname}"; .port = "${origin.port}"; }
acl purgers { "127.0.0.1"; }
sub vcl_recv {
  if (req.method == "PURGE") {
    if (client.ip !~ purgers) { return (synth(405, "Not allowed")); }
    if (req.url == "/*") { ban("req.http.host == " + req.http.host); return (synth(200, "Banned")); }
    return (purge);
  }
}
sub vcl_backend_fetch {${
      options.backendPathPrefix
        ? `
  # A bucket as origin: the site's paths under its prefix, a directory's index.html.
  if (bereq.url ~ "/$") { set bereq.url = bereq.url + "index.html"; }
  set bereq.url = "${options.backendPathPrefix}" + bereq.url;`
        : ''
    }
}
sub vcl_backend_response { set beresp.ttl = 1h; set beresp.grace = 0s; }
sub vcl_deliver { if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; } }
`,
  );
  const args = [
    '-F',
    '-a',
    `127.0.0.1:${port}`,
    '-f',
    path.join(dir, 'default.vcl'),
    '-n',
    path.join(dir, 'work'),
    '-s',
    'malloc,32m',
    '-p',
    'ban_lurker_sleep=0.05',
  ];
  if (process.getuid?.() === 0) args.push('-j', 'none');
  const child: ChildProcess = spawn(VARNISHD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const get: Varnish['get'] = (pathname) =>
    new Promise((resolve, reject) => {
      const call = request(
        `${url}${pathname}`,
        { headers: { host: siteHost, 'accept-encoding': 'identity' } },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, cache: String(response.headers['x-cache'] ?? ''), body }),
          );
        },
      );
      call.on('error', reject);
      call.end();
    });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`varnishd exited: ${output}`);
    if (
      await get('/').then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`varnishd did not answer: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    get,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
