import { open, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { splitLanguagePrefix } from '../domain/i18n/translator.ts';
import { policyOfPage } from '../publish/content-security-policy.ts';
import { cacheControlOf, contentTypeOf } from './file-headers.ts';

/** Public JSON, feeds, badges and the widget may be read by any origin (never with credentials). */
const CROSS_ORIGIN = /^\/(api\/v2\/|widget\.js(on)?$|badge\.svg$|history\.(rss|atom)$|components\/[^/]+\/(badge\.svg|history\.(rss|atom))$)/;

/** The status card (in any language) is made for other sites' iframes; every other page refuses to be framed. */
const FRAMEABLE = /^\/embed\//;

export type StaticOutcome = 'served' | 'not-found' | 'redirected';

interface OpenedFile {
  file: string;
  handle: FileHandle;
  size: number;
  mtimeMs: number;
}

/**
 * Opens a published file and reads its size and time from the open file: a publish
 * replaces files while they are served, and the length and ETag sent must be those of the
 * very file whose bytes follow.
 */
async function openFile(file: string): Promise<OpenedFile | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  const info = await handle.stat().catch(() => null);
  if (info?.isFile()) return { file, handle, size: info.size, mtimeMs: info.mtimeMs };
  await handle.close();
  return null;
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false;
}

/**
 * Serves the published site. `root` is resolved per request (it is a symlink that a full
 * publish swaps), so a request reads one whole tree, old or new.
 */
export async function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome> {
  // Dotfiles and anything outside the root are never served.
  if (pathname.includes('\0') || pathname.split('/').some((part) => part.startsWith('.'))) return sendNotFound(root, req, res);
  const relative = path.posix.normalize(pathname).replace(/^\/+/, '');
  const target = path.join(root, relative);
  if (!target.startsWith(root)) return sendNotFound(root, req, res);

  const found = await openFile(pathname.endsWith('/') ? path.join(target, 'index.html') : target);
  if (!found && !pathname.endsWith('/') && (await isFile(path.join(target, 'index.html')))) {
    res.writeHead(308, { location: `${pathname}/`, 'cache-control': 'public, max-age=3600' });
    res.end();
    return 'redirected';
  }
  if (!found) return sendNotFound(root, req, res);
  await sendFile(found, pathname, 200, req, res);
  return 'served';
}

async function sendNotFound(root: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome> {
  // Clients of the Statuspage API read JSON, as Statuspage answers them, never the HTML page.
  if (/^\/api\/v2(\/|$)/.test(path.posix.normalize(new URL(req.url ?? '/', 'http://x').pathname))) {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': cacheControlOf('', 404), 'access-control-allow-origin': '*', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ error: 'Not found: no such endpoint of the status API' }));
    return 'not-found';
  }
  // Under a language's prefix, that language's 404 page.
  const language = splitLanguagePrefix(new URL(req.url ?? '/', 'http://x').pathname).language;
  const page = (language && (await openFile(path.join(root, language, '404.html')))) || (await openFile(path.join(root, '404.html')));
  if (page) await sendFile(page, '/404.html', 404, req, res);
  else {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found\n');
  }
  return 'not-found';
}

/** The policy in the meta tag of a published page, read at the start of the file (without moving its position). */
async function readPagePolicy(found: OpenedFile): Promise<string | null> {
  const head = Buffer.alloc(Math.min(found.size, 4096));
  const { bytesRead } = await found.handle.read(head, 0, head.length, 0).catch(() => ({ bytesRead: 0 }));
  return policyOfPage(head.subarray(0, bytesRead));
}

/** Below this a file is read whole and sent in one write; larger ones are streamed. */
const READ_WHOLE_BYTES = 1 << 20;

async function sendFile(found: OpenedFile, pathname: string, status: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const etag = `W/"${found.size.toString(36)}-${Math.floor(found.mtimeMs).toString(36)}"`;
  const headers: Record<string, string> = {
    'content-type': contentTypeOf(found.file),
    'cache-control': cacheControlOf(pathname, status),
    etag,
    'x-content-type-options': 'nosniff',
  };
  // Decided on the normalized path, so /embed/..%2f cannot make another page frameable.
  // Both rules hold in every language: they are tested on the path without its language prefix.
  const normalized = splitLanguagePrefix(path.posix.normalize(pathname)).path;
  const frameable = FRAMEABLE.test(normalized);
  if (CROSS_ORIGIN.test(normalized)) headers['access-control-allow-origin'] = '*';
  else if (!frameable) headers['x-frame-options'] = 'DENY';
  // A page's header repeats the policy of its meta tag (the same inline-script hashes: a
  // browser enforces both) and adds what only a header can say: who may frame it.
  const policy = headers['content-type']!.startsWith('text/html') ? await readPagePolicy(found) : null;
  const frameAncestors = frameable ? 'frame-ancestors *' : "frame-ancestors 'none'";
  if (policy) headers['content-security-policy'] = `${policy}; ${frameAncestors}`;
  else if (frameable) headers['content-security-policy'] = frameAncestors;
  if (status === 200 && req.headers['if-none-match'] === etag) {
    await found.handle.close();
    res.writeHead(304, headers);
    res.end();
    return;
  }
  if (req.method === 'HEAD') {
    await found.handle.close();
    res.writeHead(status, { ...headers, 'content-length': String(found.size) });
    res.end();
    return;
  }
  if (found.size <= READ_WHOLE_BYTES) {
    const body = await found.handle.readFile().catch(() => null);
    await found.handle.close();
    if (!body) return void res.destroy();
    headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  headers['content-length'] = String(found.size);
  res.writeHead(status, headers);
  await new Promise<void>((resolve) => {
    const stream = found.handle.createReadStream(); // closes the file when done
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
}
