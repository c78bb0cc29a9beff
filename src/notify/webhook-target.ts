import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ADDRESS_KIND_LABELS, classifyAddress } from '../domain/webhooks.ts';
import { parseRetryAfter } from './transport.ts';

// One webhook POST, refusing private targets at the moment of sending. The name is
// resolved here, every address it has is checked (one private answer is enough to
// refuse: DNS rebinding), and the connection goes to the address that was checked, never
// to a second lookup. Redirects are failures (node:http never follows them), the answer's
// body is read no further than a few KB, and the whole exchange has a deadline.

export type ResolvedAddress = { address: string; family: number };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface TargetOptions {
  /** HERALD_WEBHOOKS_ALLOW_PRIVATE: for development against local receivers only. */
  allowPrivate: boolean;
  timeoutMs?: number;
  resolve?: Resolver;
}

export type PostOutcome =
  | { outcome: 'sent'; status: number }
  /** `retryAfterMs`: the receiver asked to wait (429 or 503 with Retry-After). */
  | { outcome: 'failed'; status: number | null; error: string; retryAfterMs?: number }
  /** Nothing was sent: the target is not allowed. */
  | { outcome: 'refused'; error: string };

const MAX_RESPONSE_BYTES = 16 * 1024;
const WEBHOOK_TIMEOUT_MS = 10_000;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The address to connect to, or why there is none. */
async function resolveTarget(
  url: URL,
  options: TargetOptions,
): Promise<{ address: ResolvedAddress } | { refused: string } | { failed: string }> {
  if (url.protocol !== 'https:' && !(options.allowPrivate && url.protocol === 'http:'))
    return { refused: `${url.protocol} URLs are not allowed; use https://` };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = classifyAddress(host);
  let addresses: ResolvedAddress[];
  if (literal !== null) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch (error) {
      return { failed: `could not resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
    }
    if (addresses.length === 0) return { failed: `could not resolve ${host}` };
  }
  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (kind !== 'public') {
        const via = literal === null ? `${host} resolves to ${address}, ` : `${address} is `;
        return {
          refused: `${via}a ${ADDRESS_KIND_LABELS[kind ?? 'reserved']} address; webhooks go to public addresses only`,
        };
      }
    }
  }
  return { address: addresses[0]! };
}

export async function postWebhook(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  options: TargetOptions,
): Promise<PostOutcome> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { outcome: 'refused', error: 'the URL is not valid' };
  }
  // One deadline for the whole exchange, the name lookup included (a slow resolver must not outlast the lease).
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const deadline = new Promise<{ failed: string }>((resolve) =>
    signal.addEventListener('abort', () => resolve({ failed: `no answer within ${timeoutMs / 1000} s` }), {
      once: true,
    }),
  );
  const target = await Promise.race([resolveTarget(url, options), deadline]);
  if ('refused' in target) return { outcome: 'refused', error: target.refused };
  if ('failed' in target) return { outcome: 'failed', status: null, error: target.failed };
  const pinned = target.address;
  // Whatever the socket asks for (one address or all), it gets the checked one.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    const cb = callback as unknown as (
      error: Error | null,
      address: string | ResolvedAddress[],
      family?: number,
    ) => void;
    if ((lookupOptions as { all?: boolean }).all) cb(null, [pinned]);
    else cb(null, pinned.address, pinned.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<PostOutcome>((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        signal,
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let received = 0;
        const settle = () => {
          if (status >= 200 && status < 300) resolve({ outcome: 'sent', status });
          else if (status >= 300 && status < 400)
            resolve({
              outcome: 'failed',
              status,
              error: `HTTP ${status} redirect${response.headers.location ? ` to ${String(response.headers.location).slice(0, 200)}` : ''} (redirects are not followed)`,
            });
          else if ((status === 429 || status === 503) && response.headers['retry-after'] !== undefined)
            resolve({
              outcome: 'failed',
              status,
              error: `HTTP ${status}`,
              retryAfterMs: parseRetryAfter(String(response.headers['retry-after']), Date.now()),
            });
          else resolve({ outcome: 'failed', status, error: `HTTP ${status}` });
        };
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // The answer is not read: past a few KB, stop downloading it.
          if (received > MAX_RESPONSE_BYTES) {
            response.destroy();
            settle();
          }
        });
        response.on('end', settle);
        response.on('error', settle);
        response.on('close', settle);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const message = signal.aborted
        ? `no answer within ${timeoutMs / 1000} s`
        : `${error.code ?? 'error'}: ${error.message}`.slice(0, 300);
      resolve({ outcome: 'failed', status: null, error: message });
    });
    request.end(body);
  });
}
