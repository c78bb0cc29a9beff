// A second thread for full publishes: renders its share of the routes into the new tree.
import { parentPort } from 'node:worker_threads';
import type { Snapshot } from '../domain/snapshot.ts';
import { loadAstroHandler, type AstroHandler } from './astro-handler.ts';
import { forEachConcurrently, renderPublicRoute } from './render-routes.ts';
import type { PublicRoute } from './routes.ts';
import { TreeWriter } from './site-directory.ts';

export interface RenderJob {
  distDir: string;
  siteUrl: string;
  snapshot: Snapshot;
  routes: PublicRoute[];
  dir: string;
}

export type RenderReply = { ok: true; files: number } | { ok: false; message: string };

let handler: Promise<AstroHandler> | undefined;

parentPort?.on('message', async (job: RenderJob) => {
  try {
    handler ??= loadAstroHandler(job.distDir);
    const astro = await handler;
    const tree = new TreeWriter(job.dir);
    await forEachConcurrently(job.routes, async (route) => tree.write(route.file, await renderPublicRoute(astro, job.siteUrl, job.snapshot, route)));
    parentPort!.postMessage({ ok: true, files: job.routes.length } satisfies RenderReply);
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies RenderReply);
  }
});
