import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, HttpError } from './errors.ts';

const KB = 1024;
const MB = 1024 * KB;

/**
 * The largest request body each kind of path takes. Astro's form parsing buffers a whole
 * body, so a body over its path's limit must never reach Astro: it is refused here first.
 */
export const BODY_LIMITS = {
  // The subscribe and manage forms carry at most 500 component and 500 group ids (27 bytes
  // each when url-encoded) besides an address; the visitor webhook form a URL and its events.
  publicForm: 32 * KB,
  // A Resend event (one email's metadata) is a few KB; its signature is checked after reading.
  inboundWebhook: 64 * KB,
  // An Alertmanager group of many alerts with their labels and annotations.
  alerts: 1 * MB,
  // The longest admin field is a postmortem (50,000 characters, up to 9 bytes each once a
  // Chinese text is url-encoded) or a template with its translations.
  adminForm: 1 * MB,
  // A pasted or uploaded CSV of subscribers: about 400,000 addresses.
  subscriberImport: 16 * MB,
  // The admin JSON API's bodies (incidents, templates, imports) are small; apiRoute checks this too.
  adminApi: 256 * KB,
  // Local commands (/_herald/*): a small JSON object.
  control: 16 * KB,
  // Published files take no body at all; a stray one is never read.
  staticFile: 16 * KB,
} as const;

export function bodyLimitOf(pathname: string): number {
  const under = (prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);
  if (under('/subscribe') || under('/subscriptions')) return BODY_LIMITS.publicForm;
  if (under('/api/webhooks/alerts')) return BODY_LIMITS.alerts;
  if (under('/api/webhooks')) return BODY_LIMITS.inboundWebhook;
  if (under('/api/admin')) return BODY_LIMITS.adminApi;
  if (under('/admin/subscribers')) return BODY_LIMITS.subscriberImport;
  if (under('/admin')) return BODY_LIMITS.adminForm;
  if (under('/_herald')) return BODY_LIMITS.control;
  return BODY_LIMITS.staticFile;
}

/** The most a body of unknown length may be (it is held in memory before its sender is known). */
const MAX_READ_AHEAD = BODY_LIMITS.adminForm;

const sizeText = (bytes: number) => (bytes >= MB ? `${bytes / MB} MB` : `${bytes / KB} KB`);

/**
 * Answers 413 with `Connection: close`: Node closes the socket as soon as the answer is
 * written, so the rest of the body is never received, and a client sending gigabytes costs
 * neither memory nor the time to take them in. (A client still writing may see the
 * connection reset before it reads the answer; nothing else makes it stop.)
 */
function refuse(res: ServerResponse, limit: number): void {
  const { status, body } = errorBody(
    new HttpError(413, 'payload_too_large', `the request body must be at most ${sizeText(limit)}`),
  );
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(JSON.stringify(body));
}

/**
 * What all bodies of unknown length being read ahead may hold together: each may hold up to
 * MAX_READ_AHEAD before its sender is known, and a thousand slow senders must not make that
 * a gigabyte. Past it, a request is answered 503 (try again shortly) and its bytes let go.
 */
export class ReadAheadBudget {
  readonly bytes: number;
  #held = 0;

  constructor(bytes: number) {
    this.bytes = bytes;
  }

  get held(): number {
    return this.#held;
  }

  /** Takes `n` bytes from the budget; false (nothing taken) when they do not fit. */
  take(n: number): boolean {
    if (this.#held + n > this.bytes) return false;
    this.#held += n;
    return true;
  }

  give(n: number): void {
    this.#held -= n;
  }
}

const READ_AHEAD_BUDGET = new ReadAheadBudget(32 * MB);

type ReadOutcome = Buffer | 'too large' | 'busy';

/**
 * Reads a body of unknown length, counting against its limit and the shared budget; stops (the rest unread) as soon as
 * either is passed.
 */
function readUpTo(req: IncomingMessage, limit: number, budget: ReadAheadBudget): Promise<ReadOutcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: ReadOutcome | Error) => {
      req.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      budget.give(size); // the body is handed on (or dropped): it no longer waits for its sender to be known
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit || !budget.take(chunk.length)) {
        req.pause();
        return settle(size + chunk.length > limit ? 'too large' : 'busy');
      }
      size += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => settle(Buffer.concat(chunks, size));
    const onClose = () => settle(new Error('the client closed the connection while sending the body'));
    req.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
  });
}

/**
 * Whether the request's body may go on to its handler; when not, the 413 has been sent.
 * A declared Content-Length is judged before any byte is read (Node's parser then delivers
 * exactly that many). A body of unknown length (chunked) is read here, counted, up to the
 * limit, and handed to Astro whole as `req.body` (which Astro's Node adapter reads instead
 * of the stream), so no more than the limit is ever held for it. That read happens before
 * anyone is signed in, so it stops at MAX_READ_AHEAD whatever the path allows: the CSV
 * import's larger limit needs a declared length, which browsers always send for a form.
 */
export async function admitBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  budget = READ_AHEAD_BUDGET,
): Promise<boolean> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    if (Number(declared) <= limit) return true;
    refuse(res, limit);
    return false;
  }
  if (req.headers['transfer-encoding'] === undefined) return true;
  const readAhead = Math.min(limit, MAX_READ_AHEAD);
  const body = await readUpTo(req, readAhead, budget);
  if (body === 'busy') {
    const { status, body: answer } = errorBody(
      new HttpError(
        503,
        'busy',
        'too many request bodies of unknown length are arriving at once; send a Content-Length or try again in a moment',
      ),
    );
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'retry-after': '5',
      connection: 'close',
    });
    res.end(JSON.stringify(answer));
    return false;
  }
  if (body === 'too large') {
    refuse(res, readAhead);
    return false;
  }
  (req as IncomingMessage & { body?: Buffer }).body = body;
  return true;
}
