import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { randomUUID } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { Logger } from '../infra/log.ts';

// CDN purge: after a change is published, the caches in front of the site forget exactly
// the URLs it changed, so visitors see it at once rather than when s-maxage (10 s) runs out.
// Configured by environment variables (see README, "CDN purge"); each API's base URL can be
// overridden (tests use local stand-ins):
//
//   HERALD_PURGE_URLS             caches that take an HTTP PURGE (Varnish, nginx with a purge
//                                 module), separated by spaces: PURGE <cache><path>, with the
//                                 site's Host
//   HERALD_CLOUDFLARE_ZONE_ID     + HERALD_CLOUDFLARE_API_TOKEN (a token with Cache Purge):
//                                 purge by URL, 30 a request (the limit on every plan), or with
//                                 HERALD_CLOUDFLARE_PURGE_BY=tags by cache tag (Herald's server
//                                 tags each file with its URL path: Cache-Tag)
//   HERALD_FASTLY_SERVICE_ID      + HERALD_FASTLY_API_TOKEN: purge by surrogate key, 256 a
//                                 request; Herald's server tags every file with its URL path
//                                 (Surrogate-Key), so one key is one URL
//   HERALD_CLOUDFRONT_DISTRIBUTION_ID: CloudFront invalidations (credentials as for the AWS
//                                 SDK). They are billed per path past 1,000 a month, and a
//                                 wildcard counts as one: paths are gathered for
//                                 HERALD_CLOUDFRONT_GATHER_SECONDS (5), and more than 15 become
//                                 one `/*`.
//
// Purges run in the background, one at a time per cache; those asked for meanwhile are
// merged. A failed purge is retried with backoff (the paths are kept): a cache that cannot be
// purged serves the old file until its s-maxage ends, never longer.

export interface Purger {
  /** Names the cache in logs and status: never a token. */
  readonly name: string;
  /** How many paths one purge() takes (its API's limit per request). */
  readonly batchSize: number;
  /** How long to gather paths before purging them together (for APIs that bill per request or path). */
  readonly gatherMs?: number;
  /** Forgets these URL paths (each starting with '/'), at most batchSize of them. */
  purge(paths: readonly string[]): Promise<void>;
  /** Forgets the whole site: after a first publish, when what changed is not known. */
  purgeAll(): Promise<void>;
}

export interface PurgeStatus {
  cache: string;
  pending: number;
  lastError: { message: string; at: Date } | null;
  failingSince: Date | null;
}

/**
 * A URL path's surrogate key at Fastly and cache tag at Cloudflare: the path, percent-encoded (keys are separated by
 * spaces, tags by commas, and a header is ASCII).
 */
export const surrogateKeyOf = (urlPath: string) => encodeURI(urlPath).replace(/,/g, '%2C');

const REQUEST_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = (url.protocol === 'https:' ? requestTls : request)(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < 4096) text += chunk; // enough to say what went wrong
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
        response.on('error', reject);
      },
    );
    call.on('timeout', () => call.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    call.on('error', reject);
    call.end(body);
  });
}

/** An answer that is not a success, as an error naming the cache and the status (never the request's headers). */
function failure(name: string, answer: Answer): Error {
  const retryAfter = Number(answer.headers['retry-after']);
  return Object.assign(
    new Error(`${name} answered ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`),
    Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {},
  );
}

/** A cache that takes `PURGE <path>` (Varnish with a VCL that allows it, nginx with a purge module). */
export function httpPurger(cacheUrl: string, siteUrl: string): Purger {
  const base = new URL(cacheUrl);
  const host = new URL(siteUrl).host;
  const name = `PURGE ${base.origin}`;
  const purgeOne = async (urlPath: string) => {
    const answer = await send(new URL(`${base.pathname.replace(/\/$/, '')}${urlPath}`, base), 'PURGE', { host });
    // Nothing cached under that URL is as good as purged.
    if (answer.status >= 300 && answer.status !== 404) throw failure(name, answer);
  };
  return {
    name,
    // One request a path: a few at a time.
    batchSize: 8,
    async purge(paths) {
      await Promise.all(paths.map(purgeOne));
    },
    // A PURGE purges one URL; Varnish's ban of everything is what a VCL may map `PURGE /*` to, and the README's does.
    purgeAll: () => purgeOne('/*'),
  };
}

export function cloudflarePurger(options: {
  zoneId: string;
  token: string;
  siteUrl: string;
  apiUrl?: string;
  byTag?: boolean;
}): Purger {
  const api = (options.apiUrl ?? 'https://api.cloudflare.com/client/v4').replace(/\/$/, '');
  const name = `Cloudflare zone ${options.zoneId}`;
  const site = options.siteUrl.replace(/\/$/, '');
  const call = async (body: object) => {
    const answer = await send(
      new URL(`${api}/zones/${encodeURIComponent(options.zoneId)}/purge_cache`),
      'POST',
      { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      JSON.stringify(body),
    );
    if (answer.status !== 200) throw failure(name, answer);
  };
  return {
    name,
    // The limit per request on every plan.
    batchSize: 30,
    // By cache tag (Herald's server tags each file with its URL path, see static-files.ts), every
    // cached variant of a URL goes, query strings included; by URL, the URL as listed.
    purge: (paths) =>
      call(options.byTag ? { tags: paths.map(surrogateKeyOf) } : { files: paths.map((p) => `${site}${p}`) }),
    purgeAll: () => call({ purge_everything: true }),
  };
}

export function fastlyPurger(options: { serviceId: string; token: string; apiUrl?: string }): Purger {
  const api = (options.apiUrl ?? 'https://api.fastly.com').replace(/\/$/, '');
  const name = `Fastly service ${options.serviceId}`;
  const service = `${api}/service/${encodeURIComponent(options.serviceId)}`;
  const headers = { 'fastly-key': options.token, accept: 'application/json' };
  return {
    name,
    batchSize: 256,
    async purge(paths) {
      const answer = await send(
        new URL(`${service}/purge`),
        'POST',
        { ...headers, 'content-type': 'application/json' },
        JSON.stringify({ surrogate_keys: paths.map(surrogateKeyOf) }),
      );
      if (answer.status !== 200) throw failure(name, answer);
    },
    async purgeAll() {
      const answer = await send(new URL(`${service}/purge_all`), 'POST', headers);
      if (answer.status !== 200) throw failure(name, answer);
    },
  };
}

/** Above this many paths, one CloudFront invalidation of `/*` (billed as one path) replaces them. */
const CLOUDFRONT_PATHS_BEFORE_WILDCARD = 15;

export function cloudfrontPurger(options: {
  distributionId: string;
  gatherMs?: number;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): Purger {
  // Credentials: given (tests), else the SDK's default chain (AWS_* variables, files, roles).
  const client = new CloudFrontClient({
    region: 'us-east-1', // CloudFront's API is global
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS },
  });
  const name = `CloudFront distribution ${options.distributionId}`;
  const invalidate = async (paths: readonly string[]) => {
    try {
      await client.send(
        new CreateInvalidationCommand({
          DistributionId: options.distributionId,
          InvalidationBatch: {
            CallerReference: `herald-${Date.now()}-${randomUUID()}`,
            Paths: { Quantity: paths.length, Items: [...paths] },
          },
        }),
      );
    } catch (error) {
      // The SDK's message, never its request (which carries the signature).
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new Error(
        `${name} answered ${status ?? 'nothing'}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  return {
    name,
    batchSize: 3000, // CloudFront's limit of paths in progress
    gatherMs: options.gatherMs ?? 5000,
    purge: (paths) =>
      invalidate(paths.length > CLOUDFRONT_PATHS_BEFORE_WILDCARD ? ['/*'] : paths.map((p) => encodeURI(p))),
    purgeAll: () => invalidate(['/*']),
  };
}

/** The caches the environment names; an error names the variable that is wrong. */
export function parsePurgers(env: NodeJS.ProcessEnv, siteUrl: string): Purger[] {
  const purgers: Purger[] = [];
  for (const url of (env.HERALD_PURGE_URLS ?? '').split(/\s+/).filter(Boolean)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`HERALD_PURGE_URLS: "${url}" is not a URL (such as http://127.0.0.1:6081)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new Error(`HERALD_PURGE_URLS: "${url}" must start with http:// or https://`);
    purgers.push(httpPurger(url, siteUrl));
  }
  const pair = (idName: string, tokenName: string) => {
    const id = env[idName]?.trim();
    const token = env[tokenName]?.trim();
    if (!id && !token) return null;
    if (!id) throw new Error(`${tokenName} is set but ${idName} is not: both are needed`);
    if (!token) throw new Error(`${idName} is set but ${tokenName} is not: both are needed`);
    return { id, token };
  };
  const cloudflare = pair('HERALD_CLOUDFLARE_ZONE_ID', 'HERALD_CLOUDFLARE_API_TOKEN');
  const purgeBy = env.HERALD_CLOUDFLARE_PURGE_BY?.trim() || 'urls';
  if (purgeBy !== 'urls' && purgeBy !== 'tags')
    throw new Error(
      `HERALD_CLOUDFLARE_PURGE_BY: "${purgeBy}" must be urls or tags (tags need a plan that purges by tag)`,
    );
  if (cloudflare)
    purgers.push(
      cloudflarePurger({
        zoneId: cloudflare.id,
        token: cloudflare.token,
        siteUrl,
        apiUrl: env.HERALD_CLOUDFLARE_API_URL,
        byTag: purgeBy === 'tags',
      }),
    );
  const fastly = pair('HERALD_FASTLY_SERVICE_ID', 'HERALD_FASTLY_API_TOKEN');
  if (fastly)
    purgers.push(fastlyPurger({ serviceId: fastly.id, token: fastly.token, apiUrl: env.HERALD_FASTLY_API_URL }));
  const distributionId = env.HERALD_CLOUDFRONT_DISTRIBUTION_ID?.trim();
  if (distributionId) {
    const gather = Number(env.HERALD_CLOUDFRONT_GATHER_SECONDS ?? 5);
    if (!Number.isFinite(gather) || gather < 0 || gather > 3600)
      throw new Error(
        `HERALD_CLOUDFRONT_GATHER_SECONDS: "${env.HERALD_CLOUDFRONT_GATHER_SECONDS}" is not a number of seconds from 0 to 3600`,
      );
    purgers.push(
      cloudfrontPurger({
        distributionId,
        gatherMs: gather * 1000,
        ...(env.HERALD_CLOUDFRONT_ENDPOINT ? { endpoint: env.HERALD_CLOUDFRONT_ENDPOINT } : {}),
      }),
    );
  }
  return purgers;
}

const MAX_RETRY_MS = 60_000;

/**
 * One cache's queue: paths asked for are merged while a purge runs or waits to be retried,
 * so a burst of changes is one purge, and a failing cache delays nothing else.
 */
export class PurgeQueue {
  readonly #purger: Purger;
  readonly #log: Logger;
  #paths = new Set<string>();
  #all = false;
  #running: Promise<void> | null = null;
  #waitTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #lastError: PurgeStatus['lastError'] = null;
  #failingSince: Date | null = null;
  #closed = false;

  constructor(purger: Purger, log: Logger) {
    this.#purger = purger;
    this.#log = log;
  }

  /** Asks for these URL paths (or, with 'all', the whole site) to be purged; returns at once. */
  push(paths: readonly string[] | 'all'): void {
    if (this.#closed) return;
    if (paths === 'all') this.#all = true;
    else for (const p of paths) this.#paths.add(p);
    if (this.#waitTimer || this.#running) return;
    const gatherMs = this.#purger.gatherMs ?? 0;
    if (gatherMs === 0) {
      this.#running = this.#drain();
      return;
    }
    // Gathered: what arrives meanwhile goes out in the same purge.
    this.#waitTimer = setTimeout(() => {
      this.#waitTimer = undefined;
      this.#running ??= this.#drain();
    }, gatherMs);
    this.#waitTimer.unref();
  }

  get status(): PurgeStatus {
    return {
      cache: this.#purger.name,
      pending: this.#all ? Infinity : this.#paths.size,
      lastError: this.#lastError,
      failingSince: this.#failingSince,
    };
  }

  /** Resolves when nothing is left to purge or waiting for a retry (tests). */
  async idle(): Promise<void> {
    while (this.#running || this.#waitTimer) {
      if (this.#running) await this.#running;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#closed && (this.#all || this.#paths.size > 0)) {
        // The whole site, or the next batch: what succeeded is not purged again after a failure.
        const all = this.#all;
        const paths = all ? [] : [...this.#paths].slice(0, this.#purger.batchSize);
        this.#all = false;
        if (all) this.#paths.clear();
        for (const p of paths) this.#paths.delete(p);
        try {
          if (all) await this.#purger.purgeAll();
          else await this.#purger.purge(paths);
          this.#failures = 0;
          this.#failingSince = null;
        } catch (error) {
          // Kept for the retry, with whatever was asked for meanwhile.
          if (all) this.#all = true;
          else for (const p of paths) this.#paths.add(p);
          const message = error instanceof Error ? error.message : String(error);
          const at = new Date();
          this.#lastError = { message, at };
          this.#failingSince ??= at;
          const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
          const delay = Math.min(MAX_RETRY_MS, Math.max(retryAfterMs ?? 0, 500 * 2 ** this.#failures++));
          this.#log.warn('could not purge the CDN cache; trying again', {
            cache: this.#purger.name,
            error: message,
            retryInMs: delay,
          });
          this.#waitTimer = setTimeout(() => {
            this.#waitTimer = undefined;
            this.#running ??= this.#drain();
          }, delay);
          this.#waitTimer.unref();
          return;
        }
      }
    } finally {
      this.#running = null;
    }
  }
}
