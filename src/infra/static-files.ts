import { readdirSync, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { splitLanguagePrefix } from '../domain/i18n/translator.ts';
import { policyOfPage } from '../publish/content-security-policy.ts';
import { surrogateKeyOf } from '../publish/purge.ts';
import { onSiteChange } from '../publish/site-directory.ts';
import { cacheControlOf, contentTypeOf, isCompressible } from './file-headers.ts';

// The published site, as Herald's own server sends it. Files up to a megabyte (every page,
// JSON file and feed of a status page) are kept in memory once read, with their gzip and
// brotli forms, and sent by Accept-Encoding with Vary: the index is a sixth of its size
// gzipped. A kept file is checked with one stat (no open, no read): a publish replaces a
// file by renaming a new one over it, and a full publish swaps the whole tree, so a new
// inode (or size or time) means new bytes, read and compressed once more. That stat is
// made at most every TRUST_MS per file, and at once after any write to the site in this
// process (site-directory.ts tells it): a stat costs more than the rest of answering a
// request. Another instance's publish to shared storage shows within TRUST_MS. Compressing on
// first request, not at publish, keeps a full publish of 30,000 files from spending minutes
// on brotli for pages nobody reads; the first reader of a changed page waits a few
// milliseconds for it.

/** Public JSON, feeds, badges and the widget may be read by any origin (never with credentials). */
const CROSS_ORIGIN =
  /^\/(api\/v2\/|widget\.js(on)?$|badge\.svg$|history\.(rss|atom)$|components\/[^/]+\/(badge\.svg|history\.(rss|atom))$)/;

/** The status card (in any language) is made for other sites' iframes; every other page refuses to be framed. */
const FRAMEABLE = /^\/embed\//;

export type StaticOutcome = 'served' | 'not-found' | 'redirected';

/** Larger files are streamed from disk, uncompressed, and not kept. */
const CACHED_FILE_BYTES = 1 << 20;
/** What the kept files (with their compressed forms) may take in all; the least recently sent go first. */
const CACHE_BYTES = 64 << 20;
/** Smaller bodies are sent as they are: compressing them saves less than its headers cost. */
const COMPRESS_MIN_BYTES = 1024;
/** How long a kept file is sent without checking it again, unless this process wrote to the site meanwhile. */
const TRUST_MS = 250;

/** Counts this process's writes to the site: a kept file checked before the last one is checked again. */
let siteWrites = 0;
onSiteChange(() => siteWrites++);

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

type Encoding = 'br' | 'gzip' | 'identity';

interface KeptFile {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  contentType: string;
  /** The policy in a page's meta tag (see content-security-policy.ts); null for other files. */
  policy: string | null;
  bodies: Partial<Record<Encoding, Buffer>> & { identity: Buffer };
  /** Weak: the same bytes may be sent in another encoding. */
  etag: string;
  bytes: number;
  /** Headers by status, encoding and path (see keptHeaders). */
  headers: Map<string, Record<string, string>>;
  /** When it was last found to be the file on disk (performance.now()), and siteWrites then. */
  checkedAt: number;
  checkedAfter: number;
}

const sameFile = (kept: KeptFile, info: Stats) =>
  kept.ino === info.ino && kept.dev === info.dev && kept.size === info.size && kept.mtimeMs === info.mtimeMs;

/** Recently sent files by path, least recently sent first (a Map keeps insertion order). */
class FileCache {
  readonly #files = new Map<string, KeptFile>();
  /** Reads under way, so that a burst of requests for a changed file reads and compresses it once. */
  readonly #loading = new Map<string, Promise<KeptFile | null>>();
  #bytes = 0;

  has(file: string): boolean {
    return this.#files.has(file);
  }

  /**
   * The file's kept form when it was checked within TRUST_MS and nothing was written since; else undefined (stat it).
   */
  trusted(file: string): KeptFile | undefined {
    const kept = this.#files.get(file);
    if (!kept || kept.checkedAfter !== siteWrites || performance.now() - kept.checkedAt >= TRUST_MS) return undefined;
    this.#files.delete(file);
    this.#files.set(file, kept);
    return kept;
  }

  /**
   * The file's kept form if its stat still matches, else it read afresh; null when it is not a file or too large to
   * keep.
   */
  async get(file: string, info: Stats): Promise<KeptFile | null> {
    const kept = this.#files.get(file);
    if (kept && sameFile(kept, info)) {
      kept.checkedAt = performance.now();
      kept.checkedAfter = siteWrites;
      this.#files.delete(file);
      this.#files.set(file, kept);
      return kept;
    }
    if (info.size > CACHED_FILE_BYTES) return null;
    let loading = this.#loading.get(file);
    if (!loading) {
      loading = readKept(file).finally(() => this.#loading.delete(file));
      this.#loading.set(file, loading);
    }
    const fresh = await loading;
    if (fresh) this.#keep(file, fresh);
    return fresh;
  }

  #keep(file: string, kept: KeptFile): void {
    const old = this.#files.get(file);
    if (old === kept) return;
    if (old) this.#bytes -= old.bytes;
    this.#files.delete(file);
    this.#files.set(file, kept);
    this.#bytes += kept.bytes;
    for (const [name, oldest] of this.#files) {
      if (this.#bytes <= CACHE_BYTES) break;
      this.#files.delete(name);
      this.#bytes -= oldest.bytes;
    }
  }
}

/**
 * Reads a file with the size, time and inode of the very file whose bytes it read (a publish
 * may replace it meanwhile), and compresses it when it is text worth compressing.
 */
async function readKept(file: string): Promise<KeptFile | null> {
  // Taken before reading: a write during the read makes the next request check again.
  const checkedAfter = siteWrites;
  const checkedAt = performance.now();
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > CACHED_FILE_BYTES) return null;
    const identity = await handle.readFile();
    const contentType = contentTypeOf(file);
    const bodies: KeptFile['bodies'] = { identity };
    if (isCompressible(contentType) && identity.length >= COMPRESS_MIN_BYTES) {
      const [br, gz] = await Promise.all([
        // Quality 5 compresses these pages within a few percent of 11, many times faster.
        brotliAsync(identity, {
          params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: identity.length },
        }),
        gzipAsync(identity, { level: 6 }),
      ]);
      if (br.length < identity.length) bodies.br = br;
      if (gz.length < identity.length) bodies.gzip = gz;
    }
    const policy = contentType.startsWith('text/html') ? policyOfPage(identity.subarray(0, 4096)) : null;
    const bytes = identity.length + (bodies.br?.length ?? 0) + (bodies.gzip?.length ?? 0);
    const etag = `W/"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}-${info.ino.toString(36)}"`;
    return {
      dev: info.dev,
      ino: info.ino,
      size: info.size,
      mtimeMs: info.mtimeMs,
      contentType,
      policy,
      bodies,
      etag,
      bytes,
      headers: new Map(),
      checkedAt,
      checkedAfter,
    };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

const cache = new FileCache();

/** Whether a file's bytes and compressed forms are in memory (tests). */
export function isKept(file: string): boolean {
  return cache.has(file);
}

/**
 * After a full publish, what visitors and clients ask for first: each language's index and bar words, the JSON, widget
 * data and badge.
 */
function frontFiles(root: string): string[] {
  const entries = (dir: string) => {
    try {
      return readdirSync(path.join(root, dir));
    } catch {
      return [];
    }
  };
  const languages = entries('').filter((name) => /^[a-z]{2,3}(-[A-Za-z0-9]+)?$/.test(name) && name !== 'api');
  return [
    ...['', ...languages.map((language) => `${language}/`)].flatMap((prefix) => [
      `${prefix}index.html`,
      `${prefix}uptime-days.json`,
    ]),
    ...entries('api/v2').map((name) => `api/v2/${name}`),
    'widget.json',
    'badge.svg',
  ];
}

/**
 * Reads and compresses the files a publish wrote (site-relative paths under `root`), in the
 * background, one at a time, so that visitors find them compressed and need not wait: all
 * that a change wrote; after a full publish the front files (the rest of its 30,000 pages at
 * 10,000 incidents, most never asked for, on first request).
 */
export function keepPublishedFiles(
  root: string,
  files: { kind: 'full' | 'files'; written: readonly string[] },
): Promise<void> {
  return (async () => {
    for (const relative of files.kind === 'full' ? frontFiles(root) : files.written) {
      const file = path.join(root, relative);
      const info = statFile(file);
      if (info && info.size <= CACHED_FILE_BYTES) await cache.get(file, info);
    }
  })().catch(() => {});
}

const statFile = (file: string): Stats | null => {
  const info = statSync(file, { throwIfNoEntry: false });
  return info?.isFile() ? info : null;
};

/** The encoding to send: brotli, then gzip, when the client accepts it (q above 0) and the file has it. */
export function chooseEncoding(acceptEncoding: string | undefined, has: { br: boolean; gzip: boolean }): Encoding {
  if (!acceptEncoding) return 'identity';
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const wants = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (has.br && wants('br')) return 'br';
  if (has.gzip && (wants('gzip') || wants('x-gzip'))) return 'gzip';
  return 'identity';
}

/**
 * Serves the published site. `root` is resolved per request (it is a symlink that a full
 * publish swaps), so a request reads one whole tree, old or new.
 */
export async function serveStatic(
  root: string,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<StaticOutcome> {
  // Dotfiles and anything outside the root are never served.
  if (pathname.includes('\0') || pathname.split('/').some((part) => part.startsWith('.')))
    return sendNotFound(root, req, res);
  const relative = path.posix.normalize(pathname).replace(/^\/+/, '');
  const target = path.join(root, relative);
  if (!target.startsWith(root)) return sendNotFound(root, req, res);

  const file = pathname.endsWith('/') ? path.join(target, 'index.html') : target;
  const trusted = cache.trusted(file);
  if (trusted) {
    sendKept(trusted, pathname, 200, req, res);
    return 'served';
  }
  const info = statFile(file);
  if (!info && !pathname.endsWith('/') && statFile(path.join(target, 'index.html'))) {
    res.writeHead(308, { location: `${pathname}/`, 'cache-control': 'public, max-age=3600' });
    res.end();
    return 'redirected';
  }
  if (!info || !(await sendFile(file, info, pathname, 200, req, res))) return sendNotFound(root, req, res);
  return 'served';
}

async function sendNotFound(root: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome> {
  // Clients of the Statuspage API read JSON, as Statuspage answers them, never the HTML page.
  if (/^\/api\/v2(\/|$)/.test(path.posix.normalize(new URL(req.url ?? '/', 'http://x').pathname))) {
    res.writeHead(404, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': cacheControlOf('', 404),
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    });
    res.end(
      req.method === 'HEAD' ? undefined : JSON.stringify({ error: 'Not found: no such endpoint of the status API' }),
    );
    return 'not-found';
  }
  // Under a language's prefix, that language's 404 page.
  const language = splitLanguagePrefix(new URL(req.url ?? '/', 'http://x').pathname).language;
  for (const page of [language && path.join(root, language, '404.html'), path.join(root, '404.html')]) {
    const info = page ? statFile(page) : null;
    if (page && info && (await sendFile(page, info, '/404.html', 404, req, res))) return 'not-found';
  }
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
  return 'not-found';
}

/** The headers every answer with a file's bytes carries, whatever its encoding. */
function fileHeaders(
  pathname: string,
  status: number,
  contentType: string,
  policy: string | null,
): Record<string, string> {
  // Surrogate-Key and Cache-Tag: the URL path, which Fastly and Cloudflare purge by (see
  // purge.ts; both take the header off before answering visitors); other caches ignore them.
  const key = surrogateKeyOf(pathname);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'cache-control': cacheControlOf(pathname, status),
    'x-content-type-options': 'nosniff',
    'surrogate-key': key,
    'cache-tag': key,
  };
  // Decided on the normalized path, so /embed/..%2f cannot make another page frameable.
  // Both rules hold in every language: they are tested on the path without its language prefix.
  const normalized = splitLanguagePrefix(path.posix.normalize(pathname)).path;
  const frameable = FRAMEABLE.test(normalized);
  if (CROSS_ORIGIN.test(normalized)) headers['access-control-allow-origin'] = '*';
  else if (!frameable) headers['x-frame-options'] = 'DENY';
  // A page's header repeats the policy of its meta tag (the same inline-script hashes: a
  // browser enforces both) and adds what only a header can say: who may frame it.
  const frameAncestors = frameable ? 'frame-ancestors *' : "frame-ancestors 'none'";
  if (policy) headers['content-security-policy'] = `${policy}; ${frameAncestors}`;
  else if (frameable) headers['content-security-policy'] = frameAncestors;
  return headers;
}

/** Whether If-None-Match names this representation's ETag (a list, or *). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => bare(tag) === bare(etag));
}

/** Sends a file found by `info`; false when it is gone by the time it is read. */
async function sendFile(
  file: string,
  info: Stats,
  pathname: string,
  status: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const kept = await cache.get(file, info);
  if (!kept) return info.size > CACHED_FILE_BYTES ? streamFile(file, pathname, status, req, res) : false;
  sendKept(kept, pathname, status, req, res);
  return true;
}

function sendKept(kept: KeptFile, pathname: string, status: number, req: IncomingMessage, res: ServerResponse): void {
  const encoding = chooseEncoding(req.headers['accept-encoding'], {
    br: kept.bodies.br !== undefined,
    gzip: kept.bodies.gzip !== undefined,
  });
  const body = kept.bodies[encoding]!;
  const headers = keptHeaders(kept, pathname, status, encoding);
  if (status === 200 && notModified(req.headers['if-none-match'], headers.etag!)) {
    const { 'content-length': _length, ...unmodified } = headers;
    res.writeHead(304, unmodified);
    res.end();
    return;
  }
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A kept file's headers for a path, status and encoding, worked out once (a few paths per file at most). */
function keptHeaders(kept: KeptFile, pathname: string, status: number, encoding: Encoding): Record<string, string> {
  const key = `${status} ${encoding} ${pathname}`;
  const known = kept.headers.get(key);
  if (known) return known;
  const headers = fileHeaders(pathname, status, kept.contentType, kept.policy);
  // Each encoding is its own representation, with its own ETag.
  headers.etag = encoding === 'identity' ? kept.etag : `${kept.etag.slice(0, -1)}-${encoding}"`;
  if (kept.bodies.gzip || kept.bodies.br) headers.vary = 'Accept-Encoding';
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  headers['content-length'] = String(kept.bodies[encoding]!.length);
  // Odd spellings of a path (/./x, //x) are not kept: a client could make endless ones.
  if (kept.headers.size < 16) kept.headers.set(key, headers);
  return headers;
}

/** A file too large to keep: streamed from disk as it is. */
async function streamFile(
  file: string,
  pathname: string,
  status: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return false;
  const info = await handle.stat();
  const contentType = contentTypeOf(file);
  const head = contentType.startsWith('text/html') ? Buffer.alloc(4096) : null;
  const policy = head ? policyOfPage(head.subarray(0, (await handle.read(head, 0, head.length, 0)).bytesRead)) : null;
  const headers = fileHeaders(pathname, status, contentType, policy);
  headers.etag = `W/"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}-${info.ino.toString(36)}"`;
  if (status === 200 && notModified(req.headers['if-none-match'], headers.etag)) {
    await handle.close();
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  headers['content-length'] = String(info.size);
  if (req.method === 'HEAD') {
    await handle.close();
    res.writeHead(status, headers);
    res.end();
    return true;
  }
  res.writeHead(status, headers);
  await new Promise<void>((resolve) => {
    const stream = handle.createReadStream(); // closes the file when done
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
  return true;
}
