import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for Resend's batch endpoint on 127.0.0.1: takes at most 100 emails per call,
// de-duplicates calls by Idempotency-Key (a repeat gets the first answer and is not
// counted again), can be told to answer 429 with retry-after, and counts what it accepted.

export interface ReceivedEmail {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

export interface FakeResend {
  url: string;
  /** Every accepted email, in order of arrival (repeats under a known key are not added). */
  emails: ReceivedEmail[];
  /** Calls made, including refused and repeated ones. */
  calls: Array<{ key: string | null; count: number; status: number }>;
  /** How many accepted emails each address got. */
  countFor(address: string): number;
  /** Emails accepted in all, and to how many distinct addresses. */
  accepted(): { emails: number; addresses: number };
  /** Answer the next `n` calls with 429 and this retry-after (seconds). */
  throttleNext(n: number, retryAfterSeconds: number | string): void;
  /** Answer the next `n` calls with this status (e.g. 422 or 500). */
  failNext(n: number, status: number, body?: string): void;
  /** Accept (and count) the next call, then keep the response back for `ms`. */
  delayNextResponse(ms: number): void;
  /** Keep back the response to the n-th accepted call (1-based, counted from now on) for `ms`. */
  delayAcceptedCall(n: number, ms: number): void;
  /** Resolves when at least `n` emails were accepted. */
  waitForEmails(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `keepEmails: false` only counts (a benchmark's 100,000 emails would otherwise fill the memory). */
export async function startFakeResend(options: { apiKey?: string; keepEmails?: boolean } = {}): Promise<FakeResend> {
  const emails: ReceivedEmail[] = [];
  const calls: FakeResend['calls'] = [];
  const answered = new Map<string, string>();
  const perAddress = new Map<string, number>();
  let throttle: { n: number; retryAfter: string } = { n: 0, retryAfter: '1' };
  let failure: { n: number; status: number; body: string } = { n: 0, status: 500, body: '' };
  let delay = 0;
  let acceptedEmails = 0;
  let acceptedCalls = 0;
  let delayedCall: { n: number; ms: number } | null = null;
  const waiters = new Set<() => void>();

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const text = await readBody(req);
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    if (req.method !== 'POST' || req.url !== '/emails/batch') return send(404, { name: 'not_found' });
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      calls.push({ key, count: 0, status: 401 });
      return send(401, { name: 'missing_api_key' });
    }
    if (throttle.n > 0) {
      throttle.n--;
      calls.push({ key, count: 0, status: 429 });
      return send(429, { name: 'rate_limit_exceeded' }, { 'retry-after': throttle.retryAfter });
    }
    if (failure.n > 0) {
      failure.n--;
      calls.push({ key, count: 0, status: failure.status });
      return send(failure.status, failure.body || { name: 'validation_error' });
    }
    if (key && answered.has(key)) {
      calls.push({ key, count: 0, status: 200 });
      return send(200, answered.get(key)!);
    }
    let batch: ReceivedEmail[];
    try {
      batch = JSON.parse(text);
    } catch {
      return send(400, { name: 'invalid_json' });
    }
    if (!Array.isArray(batch) || batch.length === 0 || batch.length > 100) {
      calls.push({ key, count: 0, status: 422 });
      return send(422, { name: 'validation_error', message: 'a batch holds 1 to 100 emails' });
    }
    const body = JSON.stringify({ data: batch.map((_, i) => ({ id: `${key ?? 'nokey'}-${i}` })) });
    if (key) answered.set(key, body);
    calls.push({ key, count: batch.length, status: 200 });
    for (const email of batch) {
      acceptedEmails++;
      if (options.keepEmails !== false) emails.push(email);
      for (const to of email.to) perAddress.set(to, (perAddress.get(to) ?? 0) + 1);
    }
    for (const waiter of waiters) waiter();
    acceptedCalls++;
    if (delayedCall && acceptedCalls === delayedCall.n) delay = delayedCall.ms;
    if (delay > 0) {
      const ms = delay;
      delay = 0;
      await new Promise((r) => setTimeout(r, ms));
    }
    send(200, body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    emails,
    calls,
    countFor: (address) => perAddress.get(address) ?? 0,
    accepted: () => ({ emails: acceptedEmails, addresses: perAddress.size }),
    throttleNext: (n, retryAfter) => {
      throttle = { n, retryAfter: String(retryAfter) };
    },
    failNext: (n, status, body = '') => {
      failure = { n, status, body };
    },
    delayNextResponse: (ms) => {
      delay = ms;
    },
    delayAcceptedCall: (n, ms) => {
      delayedCall = { n: acceptedCalls + n, ms };
    },
    waitForEmails: (n, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (acceptedEmails >= n) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waited for ${n} emails, got ${acceptedEmails}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
