import { createHash } from 'node:crypto';
import { access, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { cacheControlOf, contentTypeOf } from '../../infra/file-headers.ts';
import type { Logger } from '../../infra/log.ts';
import type { TargetConfig } from './config.ts';
import { forEachConcurrently, isSiteFile, listSiteFiles } from '../site-files.ts';
import { groupByStage, urlPathOf } from './upload-order.ts';

// Mirrors the published site to one S3-compatible bucket, in the background: push() only
// records the change; one loop per target uploads, so a slow or failing target delays
// nothing but itself. Changes that arrive while a sync runs, or while a failing target
// waits to be retried, are merged into one catch-up sync.
//
// The target's record lives under <prefix>.herald/ (never deleted by a sync):
//   revision.json  {revision, at}: the revision the target's files show, written after each sync.
// Content hashes are the objects' ETags (the MD5 of a single-part PutObject), so a full sync
// compares them with the local files and uploads only what differs.

export interface PublishedChange {
  /** The site revision these files show. */
  revision: number;
  /** Absolute path of the live local site tree holding the files. */
  siteDir: string;
  /** 'full': the whole tree; 'files': exactly `written` and `removed`. */
  kind: 'full' | 'files';
  /** Site-relative file paths written, e.g. 'index.html', 'api/v2/summary.json'. */
  written: string[];
  /** Site-relative paths removed; one ending in '/' is a directory: every object under it. */
  removed: string[];
}

export interface TargetStatus {
  /** e.g. "s3://bucket/prefix"; never credentials. */
  target: string;
  /** The revision the target holds; null until it was reached, or when it holds none. */
  revision: number | null;
  /**
   * Revisions the target is behind the newest pushed (newest - held; a target holding none
   * counts as holding 0). Until the target has been reached once: how many distinct
   * revisions were pushed since start.
   */
  behind: number;
  /** The last failure, kept after recovery; `failingSince` tells whether it still fails. */
  lastError: { message: string; at: Date } | null;
  /** When the current run of failures began; null while the target is healthy. */
  failingSince: Date | null;
}

export interface TargetMirrorOptions {
  target: TargetConfig;
  log: Logger;
  now?: () => Date;
  /** Uploads (and deletions) in flight at once. */
  concurrency?: number;
  /** Per request: connecting, and the whole request and response. */
  timeouts?: { connectMs?: number; requestMs?: number };
  /** Backoff between failed syncs: doubles from `firstDelayMs` up to `maxDelayMs`. */
  retry?: { firstDelayMs?: number; maxDelayMs?: number };
}

interface PendingSync {
  revision: number;
  siteDir: string;
  full: boolean;
  written: Set<string>;
  removed: Set<string>;
}

const RECORD_DIR = '.herald/';
const REVISION_KEY = `${RECORD_DIR}revision.json`;

/** Two pending syncs as one: the newer tree, everything either wrote or removed; a full sync absorbs file lists. */
function mergeSyncs(older: PendingSync, newer: PendingSync): PendingSync {
  const full = older.full || newer.full;
  return {
    revision: Math.max(older.revision, newer.revision),
    siteDir: newer.revision >= older.revision ? newer.siteDir : older.siteDir,
    full,
    written: full ? new Set() : new Set([...older.written, ...newer.written]),
    removed: full ? new Set() : new Set([...older.removed, ...newer.removed]),
  };
}

async function readIfPresent(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

const md5 = (body: Buffer) => createHash('md5').update(body).digest();

class TargetRequestError extends Error {
  readonly httpStatus: number | undefined;

  constructor(message: string, httpStatus: number | undefined) {
    super(message);
    this.name = 'TargetRequestError';
    this.httpStatus = httpStatus;
  }
}

export class TargetMirror {
  readonly #target: TargetConfig;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #concurrency: number;
  readonly #firstDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #client: S3Client;
  readonly #abort = new AbortController();

  #pending: PendingSync | null = null;
  #running: Promise<void> | null = null;
  #closed = false;
  /** undefined: not read from the target yet (the first sync reads it). */
  #held: number | null | undefined = undefined;
  /** A new process does not know what its predecessor left half done: its first sync is a full one. */
  #synced = false;
  #newest: number | null = null;
  #pushedSinceStart = new Set<number>();
  #lastError: TargetStatus['lastError'] = null;
  #failingSince: Date | null = null;
  #failures = 0;
  #wake: (() => void) | null = null;
  #idleWaiters: Array<() => void> = [];

  constructor(options: TargetMirrorOptions) {
    this.#target = options.target;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#concurrency = options.concurrency ?? 12;
    this.#firstDelayMs = options.retry?.firstDelayMs ?? 1_000;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
    const { credentials } = options.target;
    this.#client = new S3Client({
      region: options.target.region,
      endpoint: options.target.endpoint,
      forcePathStyle: options.target.pathStyle,
      credentials: credentials
        ? {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken,
          }
        : undefined,
      // The SDK's default flexible checksums are refused by some S3-compatible servers (and as
      // aws-chunked bodies stored framing and all by others); Content-MD5 checks each upload instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.timeouts?.connectMs ?? 5_000,
        requestTimeout: options.timeouts?.requestMs ?? 20_000,
        throwOnRequestTimeout: true,
      },
    });
  }

  push(change: PublishedChange): void {
    if (this.#closed) return;
    this.#newest = Math.max(this.#newest ?? change.revision, change.revision);
    if (this.#held === undefined) this.#pushedSinceStart.add(change.revision);
    const sync: PendingSync = {
      revision: change.revision,
      siteDir: change.siteDir,
      full: change.kind === 'full',
      written: new Set(change.written),
      removed: new Set(change.removed),
    };
    this.#pending = this.#pending ? mergeSyncs(this.#pending, sync) : sync;
    this.#running ??= this.#drain();
  }

  get status(): TargetStatus {
    let behind = 0;
    if (this.#newest !== null)
      behind = this.#held === undefined ? this.#pushedSinceStart.size : Math.max(0, this.#newest - (this.#held ?? 0));
    return {
      target: this.#target.name,
      revision: this.#held ?? null,
      behind,
      lastError: this.#lastError,
      failingSince: this.#failingSince,
    };
  }

  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
    this.#client.destroy();
  }

  async #drain(): Promise<void> {
    while (this.#pending && !this.#closed) {
      const sync = this.#pending;
      this.#pending = null;
      try {
        await this.#sync(sync);
        if (this.#failingSince) {
          this.#log.info('publish target recovered', {
            target: this.#target.name,
            failedForMs: this.#now().getTime() - this.#failingSince.getTime(),
          });
        }
        this.#failures = 0;
        this.#failingSince = null;
      } catch (error) {
        if (this.#closed) break;
        // Nothing of a failed sync is known to be up: it is done again with whatever came since.
        this.#pending = this.#pending ? mergeSyncs(sync, this.#pending) : sync;
        const message = this.#describe(error);
        const at = this.#now();
        this.#lastError = { message, at };
        this.#failingSince ??= at;
        this.#failures++;
        const delay = Math.min(this.#maxDelayMs, this.#firstDelayMs * 2 ** (this.#failures - 1));
        this.#log.warn('publish target failed; trying again', {
          target: this.#target.name,
          error: message,
          retryInMs: delay,
          behind: this.status.behind,
        });
        await this.#sleep(delay);
      }
    }
    this.#running = null;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      timer.unref();
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
  }

  async #sync(sync: PendingSync): Promise<void> {
    const started = performance.now();
    if (this.#held === undefined) {
      this.#held = await this.#readHeldRevision();
      this.#pushedSinceStart.clear();
    }
    if (this.#held !== null && sync.revision < this.#held) {
      // Equal revisions go through: a revision's deferred files arrive after its first sync.
      this.#log.info('publish target holds a newer revision; change not mirrored', {
        target: this.#target.name,
        revision: sync.revision,
        held: this.#held,
      });
      return;
    }
    const full = sync.full || !this.#synced;
    const counts = full ? await this.#syncTree(sync.siteDir) : await this.#syncFiles(sync);
    await this.#put(
      REVISION_KEY,
      Buffer.from(JSON.stringify({ revision: sync.revision, at: this.#now().toISOString() })),
      {
        contentType: 'application/json; charset=utf-8',
        cacheControl: 'no-store',
      },
    );
    this.#held = sync.revision;
    this.#synced = true;
    this.#log.info('publish target synced', {
      target: this.#target.name,
      revision: sync.revision,
      kind: full ? 'full' : 'files',
      ...counts,
      ms: Math.round(performance.now() - started),
    });
  }

  /** Uploads what differs from the bucket, then deletes what the tree no longer has. */
  async #syncTree(siteDir: string): Promise<{ uploaded: number; deleted: number }> {
    // One tree for the whole sync, even if a full publish swaps the live link meanwhile.
    const root = await realpath(siteDir);
    const local = await listSiteFiles(root);
    // A full sync deletes what the tree lacks: a wrong or half-made tree must not empty the bucket.
    if (!local.includes('index.html')) throw new Error(`the site tree ${root} has no index.html; it is not mirrored`);
    const remote = await this.#listObjects('');
    const changed: string[] = [];
    await forEachConcurrently(
      local,
      async (file) => {
        const body = await readIfPresent(path.join(root, file));
        if (body && md5(body).toString('hex') !== remote.get(file)) changed.push(file);
      },
      this.#concurrency,
    );
    const { uploaded } = await this.#upload(root, changed);
    const present = new Set(local);
    const stale = [...remote.keys()].filter((file) => !present.has(file));
    await this.#delete(stale);
    return { uploaded, deleted: stale.length };
  }

  /** Uploads exactly the files written and deletes the removed ones that the tree no longer has. */
  async #syncFiles(sync: PendingSync): Promise<{ uploaded: number; deleted: number }> {
    const { uploaded, missing } = await this.#upload(sync.siteDir, [...sync.written].filter(isSiteFile));
    // The tree is the truth: a path removed by one change may have been written again by a
    // later one merged into this sync, and a written file may be gone since.
    const stale = new Set(missing);
    for (const removed of sync.removed) {
      const candidates = removed.endsWith('/') ? [...(await this.#listObjects(removed)).keys()] : [removed];
      for (const file of candidates)
        if (isSiteFile(file) && !(await exists(path.join(sync.siteDir, file)))) stale.add(file);
    }
    // A tree a full publish has taken over since (renamed to be rendered into anew) has none
    // of its files: that is no reason to delete them from the bucket. The sync fails and is
    // tried again, by then merged with the full publish's.
    if (stale.size > 0 && !(await exists(path.join(sync.siteDir, 'index.html'))))
      throw new Error(`the site tree ${sync.siteDir} is gone; nothing deleted`);
    await this.#delete([...stale]);
    return { uploaded, deleted: stale.size };
  }

  async #upload(root: string, files: string[]): Promise<{ uploaded: number; missing: string[] }> {
    let uploaded = 0;
    const missing: string[] = [];
    for (const stage of groupByStage(files)) {
      await forEachConcurrently(
        stage,
        async (file) => {
          const body = await readIfPresent(path.join(root, file));
          if (!body) {
            missing.push(file);
            return;
          }
          await this.#put(file, body, {
            contentType: contentTypeOf(file),
            cacheControl: cacheControlOf(urlPathOf(file), 200),
          });
          uploaded++;
        },
        this.#concurrency,
      );
    }
    return { uploaded, missing };
  }

  async #delete(files: string[]): Promise<void> {
    // One DeleteObject per file: Google Cloud Storage's XML API has no DeleteObjects.
    await forEachConcurrently(
      files,
      async (file) => {
        await this.#send(`DeleteObject ${file}`, (o) =>
          this.#client.send(
            new DeleteObjectCommand({ Bucket: this.#target.bucket, Key: this.#target.prefix + file }),
            o,
          ),
        );
      },
      this.#concurrency,
    );
  }

  async #put(file: string, body: Buffer, headers: { contentType: string; cacheControl: string }): Promise<void> {
    await this.#send(`PutObject ${file}`, (o) =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: this.#target.bucket,
          Key: this.#target.prefix + file,
          Body: body,
          ContentLength: body.length,
          ContentMD5: md5(body).toString('base64'),
          ContentType: headers.contentType,
          CacheControl: headers.cacheControl,
        }),
        o,
      ),
    );
  }

  /**
   * The site's objects under `under` (site-relative), by site-relative path, with their MD5 (ETag). The record is left
   * out.
   */
  async #listObjects(under: string): Promise<Map<string, string>> {
    const objects = new Map<string, string>();
    const prefix = this.#target.prefix + under;
    let token: string | undefined;
    do {
      const page = await this.#send(`ListObjectsV2 ${under || '/'}`, (o) =>
        this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#target.bucket, Prefix: prefix, ContinuationToken: token }),
          o,
        ),
      );
      for (const object of page.Contents ?? []) {
        const file = object.Key?.slice(this.#target.prefix.length);
        if (file && !file.startsWith(RECORD_DIR)) objects.set(file, (object.ETag ?? '').replace(/"/g, ''));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async #readHeldRevision(): Promise<number | null> {
    let text: string;
    try {
      text = await this.#send(`GetObject ${REVISION_KEY}`, async (o) => {
        const object = await this.#client.send(
          new GetObjectCommand({ Bucket: this.#target.bucket, Key: this.#target.prefix + REVISION_KEY }),
          o,
        );
        return (await object.Body?.transformToString()) ?? '';
      });
    } catch (error) {
      if (error instanceof TargetRequestError && error.httpStatus === 404) return null;
      throw error;
    }
    const revision = (() => {
      try {
        return (JSON.parse(text) as { revision?: unknown }).revision;
      } catch {
        return undefined;
      }
    })();
    if (typeof revision === 'number' && Number.isSafeInteger(revision)) return revision;
    this.#log.warn('publish target has an unreadable revision record; it is rewritten after the next sync', {
      target: this.#target.name,
    });
    return null;
  }

  // The SDK's own retries (3 attempts, with backoff for throttling and 5xx) run inside each send.
  async #send<Output>(
    what: string,
    request: (options: { abortSignal: AbortSignal }) => Promise<Output>,
  ): Promise<Output> {
    try {
      return await request({ abortSignal: this.#abort.signal });
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      throw new TargetRequestError(`${what}: ${this.#describe(error)}`, status);
    }
  }

  /** An error as one line, with any credential removed. */
  #describe(error: unknown): string {
    let message: string;
    if (error instanceof TargetRequestError) message = error.message;
    else if (error instanceof S3ServiceException)
      message = `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? 'no response'}): ${error.message}`;
    else if (error instanceof Error) message = `${error.name}: ${error.message}`;
    else message = String(error);
    for (const secret of this.#target.credentials?.secrets ?? []) message = message.replaceAll(secret, '[credentials]');
    return message.replace(/\s+/g, ' ').trim();
  }
}
