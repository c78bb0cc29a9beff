import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { StartupError } from '../infra/startup-error.ts';

export type AstroHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
  locals?: object,
) => Promise<void>;

export interface RenderedRoute {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The handler of the built Astro server (`astro build` output in `distDir`). */
export async function loadAstroHandler(distDir: string): Promise<AstroHandler> {
  const entry = path.join(distDir, 'server', 'entry.mjs');
  if (!existsSync(entry)) {
    throw new StartupError(`the site is not built (${entry} is missing); run "npm run build" first`);
  }
  const module = (await import(pathToFileURL(entry).href)) as { handler: AstroHandler };
  return module.handler;
}

/**
 * Renders one route through the same handler that serves requests, without a socket:
 * the request is a readable stream with the fields Astro reads, the response collects
 * what Astro writes. Public routes get their data from `locals`.
 */
export function renderRoute(
  handler: AstroHandler,
  siteOrigin: string,
  routePath: string,
  locals: object,
): Promise<RenderedRoute> {
  const url = new URL(routePath, siteOrigin);
  const req = Object.assign(Readable.from([]), {
    url: url.pathname + url.search,
    method: 'GET',
    headers: { host: url.host, accept: 'text/html,application/json' },
    socket: { remoteAddress: '127.0.0.1', encrypted: url.protocol === 'https:', on() {}, off() {} },
  });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 200;
    let headers: Record<string, string> = {};
    const res = Object.assign(new EventEmitter(), {
      req,
      headersSent: false,
      statusCode: 200,
      statusMessage: '',
      writeHead(code: number, outgoing?: Record<string, string | string[]>) {
        status = code;
        headers = Object.fromEntries(
          Object.entries(outgoing ?? {}).map(([k, v]) => [
            k.toLowerCase(),
            Array.isArray(v) ? v.join(', ') : String(v),
          ]),
        );
        res.headersSent = true;
        return res;
      },
      setHeader() {},
      write(chunk: string | Uint8Array) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
        return true;
      },
      end(chunk?: string | Uint8Array) {
        if (chunk) res.write(chunk);
        if (!res.headersSent) status = res.statusCode;
        res.emit('finish');
        resolve({ status, headers, body: Buffer.concat(chunks) });
        return res;
      },
      destroy(error?: Error) {
        reject(error ?? new Error(`rendering ${routePath} was aborted`));
      },
    });
    handler(
      req as unknown as IncomingMessage,
      res as unknown as ServerResponse,
      (error?: unknown) => reject(error ?? new Error(`no route for ${routePath}`)),
      locals,
    ).catch(reject);
  });
}
