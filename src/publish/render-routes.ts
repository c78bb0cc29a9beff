import path from 'node:path';
import type { Snapshot } from '../domain/snapshot.ts';
import { renderRoute, type AstroHandler } from './astro-handler.ts';
import { addInlineScriptHashes } from './content-security-policy.ts';
import { NOT_FOUND_ROUTE, pagePathOf, routeExists, type PublicRoute } from './routes.ts';
import { collectGarbage } from './collect-garbage.ts';
import { forEachConcurrently } from './site-files.ts';
import { readTreeRevision, writeFileIfChanged, type TreeWriter } from './site-directory.ts';

/**
 * Astro's rendering yields to the event loop between steps; with several routes in
 * flight the waits overlap (measured: 0.55 ms per incident page alone, 0.31 ms with 16).
 */
const RENDER_CONCURRENCY = 16;

/** Renders (or writes) a list of routes a few at a time (see site-files.ts). */
export function forEachRoute<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  return forEachConcurrently(items, fn, RENDER_CONCURRENCY);
}

/**
 * A full publish renders its routes in batches of this many, taken in turn by this thread
 * and the render thread from one queue.
 */
export const FULL_PUBLISH_BATCH = 1000;

export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

/** Renders a batch of a full publish's routes into its new tree, each written as soon as it is rendered. */
export async function renderIntoNewTree(
  handler: AstroHandler,
  siteUrl: string,
  snapshot: Snapshot,
  routes: readonly PublicRoute[],
  tree: TreeWriter,
): Promise<void> {
  await forEachRoute(routes, async (route) =>
    tree.write(route.file, await renderPublicRoute(handler, siteUrl, snapshot, route)),
  );
}

/**
 * Between batches, each thread collects its garbage: V8 sizes the old generation by how
 * fast it fills, not by what is live, and rendering thousands of pages fills it fast (see
 * collectGarbage). After every batch: one costs 100-200 ms at 10,000 incidents (measured on
 * a busy two-core machine), 15 or so per thread and publish; collecting every other batch
 * instead measured 40-60 MB more peak memory on PostgreSQL (593 and 687 MB against 552 and
 * 628 for a first and a second full publish) for about 5 % less CPU.
 */
export function afterBatch(): void {
  collectGarbage();
}

/** Renders one public route; anything but the expected status is a failed publish. */
export async function renderPublicRoute(
  handler: AstroHandler,
  siteUrl: string,
  snapshot: Snapshot,
  route: PublicRoute,
): Promise<Buffer> {
  // A route in another language is the same Astro page, told its language through locals.
  const pagePath = pagePathOf(route);
  const rendered = await renderRoute(
    handler,
    siteUrl,
    pagePath,
    route.language ? { snapshot, language: route.language } : { snapshot },
  );
  const expected = pagePath === NOT_FOUND_ROUTE.path ? 404 : 200;
  if (rendered.status !== expected) throw new Error(`rendering ${route.path} answered ${rendered.status}`);
  if (!rendered.headers['content-type']?.startsWith('text/html') || !rendered.body.includes('<script'))
    return rendered.body;
  return Buffer.from(addInlineScriptHashes(rendered.body.toString('utf8')));
}

/** Renders the routes that still exist in the snapshot (a change's deferred routes may be gone by now). */
export async function renderExisting(
  handler: AstroHandler,
  siteUrl: string,
  snapshot: Snapshot,
  routes: readonly PublicRoute[],
): Promise<Array<readonly [PublicRoute, Buffer]>> {
  const rendered: Array<readonly [PublicRoute, Buffer]> = [];
  await forEachRoute(
    routes.filter((route) => routeExists(snapshot, route)),
    async (route) => {
      rendered.push([route, await renderPublicRoute(handler, siteUrl, snapshot, route)]);
    },
  );
  return rendered;
}

/**
 * Renders the routes that still exist in the snapshot and writes those whose bytes changed
 * into the live tree, unless a newer change has published there meanwhile (its files stand).
 * Nothing is written when a render fails. Returns the files written.
 */
export async function renderIntoLiveTree(
  handler: AstroHandler,
  siteUrl: string,
  snapshot: Snapshot,
  routes: readonly PublicRoute[],
  dir: string,
): Promise<string[]> {
  const rendered = await renderExisting(handler, siteUrl, snapshot, routes);
  if (readTreeRevision(dir) > snapshot.revision) return [];
  return rendered
    .filter(([route, body]) => writeFileIfChanged(path.join(dir, route.file), body))
    .map(([route]) => route.file);
}
