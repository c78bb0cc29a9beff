import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A small S3 on 127.0.0.1, path-style only, for the real AWS SDK: PutObject, GetObject,
// HeadObject, DeleteObject, DeleteObjects and ListObjectsV2 (paginated). It checks the access
// key id (not the signature), verifies Content-MD5, stores Content-Type and Cache-Control, and
// answers ETag = MD5 of the stored bytes. Like some S3-compatible servers, it knows nothing of
// the SDK's newer flexible checksums: PutObject with x-amz-checksum-* or
// x-amz-sdk-checksum-algorithm headers is refused, and an aws-chunked body is stored framing
// and all.
// Faults: fail the next N requests (500, 503 SlowDown), hang requests, refuse the credentials.
// Not covered: signatures, multipart uploads, versioning, consistency, IAM, website endpoints.

export interface StoredObject {
  body: Buffer;
  contentType: string | undefined;
  cacheControl: string | undefined;
  etag: string;
}

export type Operation =
  'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'DeleteObjects' | 'ListObjectsV2' | 'Other';

export interface RecordedRequest {
  operation: Operation;
  bucket: string;
  /** The object key (DeleteObjects: one entry per key deleted). */
  key: string;
  status: number;
  /** Who signed it (null: unsigned). */
  accessKeyId: string | null;
}

export interface S3StandIn {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** The bucket's objects by key (created on first use of a known bucket). */
  bucket(name: string): Map<string, StoredObject>;
  /** Every answered request, in the order they were answered. */
  requests: RecordedRequest[];
  /** Answer the next `n` requests with `status` (503 answers SlowDown, others InternalError). */
  failNext(n: number, status: 500 | 503): void;
  /**
   * Hold requests without answering until `releaseHung()`; `afterPuts`: all requests pass until that many PutObjects
   * did.
   */
  hang(options?: { afterPuts?: number }): void;
  /** Stop hanging and let the held requests go on. */
  releaseHung(): void;
  /** How many requests are held right now. */
  hungCount(): number;
  /** Answer every request 403 InvalidAccessKeyId while true. */
  refuseCredentials(refuse: boolean): void;
  /** Called right after an object is stored, before the response: to check invariants at each step. */
  onStored(listener: ((bucket: string, key: string) => void) | null): void;
  close(): Promise<void>;
}

interface Options {
  buckets: string[];
  /** Access key ids that are let in. */
  accessKeyIds: string[];
  /** ListObjectsV2 page size ceiling (S3's is 1,000); small values exercise pagination. */
  maxKeys?: number;
  /** Unsigned GetObject and HeadObject are answered, as a public-read bucket does for a CDN. */
  publicRead?: boolean;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmlUnescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>stand-in</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendXml(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function accessKeyIdOf(req: IncomingMessage): string | null {
  const match = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

function operationOf(method: string, key: string, query: URLSearchParams): Operation {
  if (method === 'PUT' && key) return 'PutObject';
  if (method === 'GET' && key) return 'GetObject';
  if (method === 'HEAD' && key) return 'HeadObject';
  if (method === 'DELETE' && key) return 'DeleteObject';
  if (method === 'POST' && !key && query.has('delete')) return 'DeleteObjects';
  if (method === 'GET' && !key && query.get('list-type') === '2') return 'ListObjectsV2';
  return 'Other';
}

export async function startS3StandIn(options: Options): Promise<S3StandIn> {
  const buckets = new Map(options.buckets.map((name) => [name, new Map<string, StoredObject>()]));
  const allowed = new Set(options.accessKeyIds);
  const requests: RecordedRequest[] = [];
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  let hanging: { afterPuts: number } | null = null;
  let refusing = false;
  let stored: ((bucket: string, key: string) => void) | null = null;
  const held = new Set<() => void>();
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const operation = operationOf(method, key, url.searchParams);
    const body = await readBody(req);
    const record = (status: number, recordedKey = key) =>
      requests.push({ operation, bucket: bucketName, key: recordedKey, status, accessKeyId: accessKeyIdOf(req) });

    if (hanging && hanging.afterPuts === 0) {
      // Held until released; a client that gives up closes the socket and the request is dropped.
      await new Promise<void>((resolve) => {
        held.add(resolve);
        res.once('close', () => {
          held.delete(resolve);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return;
    } else if (hanging && operation === 'PutObject') hanging.afterPuts--;

    // A public-read bucket (what a CDN or website endpoint reads) answers unsigned reads.
    const anonymousRead =
      options.publicRead === true &&
      !req.headers.authorization &&
      (operation === 'GetObject' || operation === 'HeadObject');
    if (!anonymousRead && (refusing || !allowed.has(accessKeyIdOf(req) ?? ''))) {
      record(403);
      // Names the key id, as some servers do: what a client logs must still not show it.
      return sendError(
        res,
        403,
        'InvalidAccessKeyId',
        `The Access Key Id ${accessKeyIdOf(req) ?? ''} you provided does not exist in our records.`,
      );
    }
    if (failures.n > 0) {
      failures.n--;
      record(failures.status);
      return failures.status === 503
        ? sendError(res, 503, 'SlowDown', 'Please reduce your request rate.')
        : sendError(res, failures.status, 'InternalError', 'We encountered an internal error. Please try again.');
    }
    const bucket = buckets.get(bucketName);
    if (!bucket) {
      record(404);
      return sendError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    }

    switch (operation) {
      case 'PutObject': {
        const checksumHeader = Object.keys(req.headers).find(
          (h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm',
        );
        if (checksumHeader) {
          record(400);
          return sendError(
            res,
            400,
            'InvalidArgument',
            `Unsupported header '${checksumHeader}' received for this API call.`,
          );
        }
        const md5 = createHash('md5').update(body);
        const expected = req.headers['content-md5'];
        if (expected !== undefined && expected !== md5.copy().digest('base64')) {
          record(400);
          return sendError(res, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
        }
        const etag = md5.digest('hex');
        bucket.set(key, {
          body,
          contentType: req.headers['content-type'],
          cacheControl: req.headers['cache-control'],
          etag,
        });
        stored?.(bucketName, key);
        record(200);
        res.writeHead(200, { etag: `"${etag}"`, 'content-length': 0 });
        return res.end();
      }
      case 'GetObject':
      case 'HeadObject': {
        const object = bucket.get(key);
        if (!object) {
          record(404);
          if (operation === 'HeadObject') {
            res.writeHead(404);
            return res.end();
          }
          return sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        }
        record(200);
        res.writeHead(200, {
          etag: `"${object.etag}"`,
          'content-length': object.body.length,
          ...(object.contentType ? { 'content-type': object.contentType } : {}),
          ...(object.cacheControl ? { 'cache-control': object.cacheControl } : {}),
        });
        return res.end(operation === 'GetObject' ? object.body : undefined);
      }
      case 'DeleteObject': {
        bucket.delete(key);
        record(204);
        res.writeHead(204);
        return res.end();
      }
      case 'DeleteObjects': {
        const keys = [...body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]!));
        for (const k of keys) {
          bucket.delete(k);
          record(200, k);
        }
        return sendXml(
          res,
          `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>${keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`,
        );
      }
      case 'ListObjectsV2': {
        const prefix = url.searchParams.get('prefix') ?? '';
        const maxKeys = Math.min(Number(url.searchParams.get('max-keys') ?? 1000), options.maxKeys ?? 1000);
        const token = url.searchParams.get('continuation-token');
        const after = token
          ? Buffer.from(token, 'base64url').toString('utf8')
          : (url.searchParams.get('start-after') ?? '');
        const encode =
          url.searchParams.get('encoding-type') === 'url'
            ? (s: string) => encodeURIComponent(s).replace(/%2F/g, '/')
            : (s: string) => s;
        const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
        const page = keys.slice(0, maxKeys);
        const truncated = keys.length > page.length;
        const contents = page
          .map((k) => {
            const o = bucket.get(k)!;
            return `<Contents><Key>${xmlEscape(encode(k))}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;${o.etag}&quot;</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
          })
          .join('');
        record(200, prefix);
        return sendXml(
          res,
          `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucketName)}</Name><Prefix>${xmlEscape(encode(prefix))}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${
            truncated
              ? `<NextContinuationToken>${Buffer.from(page.at(-1)!, 'utf8').toString('base64url')}</NextContinuationToken>`
              : ''
          }${url.searchParams.get('encoding-type') === 'url' ? '<EncodingType>url</EncodingType>' : ''}${contents}</ListBucketResult>`,
        );
      }
      default:
        record(501);
        return sendError(
          res,
          501,
          'NotImplemented',
          `${method} ${url.pathname}${url.search} is not implemented by the stand-in`,
        );
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'InternalError', String(error));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket(name) {
      const bucket = buckets.get(name);
      if (!bucket) throw new Error(`the stand-in has no bucket ${name}`);
      return bucket;
    },
    requests,
    failNext(n, status) {
      failures = { n, status };
    },
    hang(hangOptions = {}) {
      hanging = { afterPuts: hangOptions.afterPuts ?? 0 };
    },
    releaseHung() {
      hanging = null;
      for (const release of [...held]) release();
    },
    hungCount: () => held.size,
    refuseCredentials(refuse) {
      refusing = refuse;
    },
    onStored(listener) {
      stored = listener;
    },
    async close() {
      hanging = null;
      for (const release of [...held]) release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
