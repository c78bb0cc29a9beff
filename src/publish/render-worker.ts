// A second thread for rendering. For a full publish it renders its share of the routes
// into the new tree and keeps the snapshot; for a change publish it applies the same
// small change to that snapshot and renders its share, handing the bodies back (the main
// thread writes them, so a failure anywhere leaves every file as it was).
import { parentPort } from 'node:worker_threads';
import { mergeIncidents, type IncidentView, type Snapshot } from '../domain/snapshot.ts';
import { loadAstroHandler, type AstroHandler } from './astro-handler.ts';
import { forEachConcurrently, renderPublicRoute } from './render-routes.ts';
import type { PublicRoute } from './routes.ts';
import { TreeWriter } from './site-directory.ts';

export interface FullRenderJob {
  kind: 'full';
  distDir: string;
  siteUrl: string;
  snapshot: Snapshot;
  routes: PublicRoute[];
  dir: string;
}

export interface ChangeRenderJob {
  kind: 'change';
  distDir: string;
  siteUrl: string;
  /** The revision this thread's snapshot must be at for the change to apply. */
  baseRevision: number;
  parts: Omit<Snapshot, 'incidents'>;
  changed: IncidentView[];
  incidentIds: string[];
  routes: PublicRoute[];
}

export type RenderJob = FullRenderJob | ChangeRenderJob;

export type RenderReply =
  | { ok: true; files: number; bodies: Array<[string, Uint8Array]> }
  | { ok: false; stale?: boolean; message: string };

let handler: Promise<AstroHandler> | undefined;
let snapshot: Snapshot | null = null;

async function run(job: RenderJob): Promise<RenderReply> {
  handler ??= loadAstroHandler(job.distDir);
  const astro = await handler;
  if (job.kind === 'full') {
    snapshot = null; // until this publish has rendered, the thread's copy is not current
    const tree = new TreeWriter(job.dir);
    await forEachConcurrently(job.routes, async (route) => tree.write(route.file, await renderPublicRoute(astro, job.siteUrl, job.snapshot, route)));
    snapshot = job.snapshot;
    return { ok: true, files: job.routes.length, bodies: [] };
  }
  if (!snapshot || snapshot.revision !== job.baseRevision) return { ok: false, stale: true, message: 'the render thread holds another revision' };
  const next: Snapshot = { ...job.parts, incidents: mergeIncidents(snapshot.incidents, job.changed, job.incidentIds) };
  const bodies: Array<[string, Uint8Array]> = [];
  await forEachConcurrently(job.routes, async (route) => {
    bodies.push([route.path, await renderPublicRoute(astro, job.siteUrl, next, route)]);
  });
  snapshot = next;
  return { ok: true, files: bodies.length, bodies };
}

parentPort?.on('message', async (job: RenderJob) => {
  try {
    const reply = await run(job);
    parentPort!.postMessage(reply);
  } catch (error) {
    snapshot = null;
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies RenderReply);
  }
});
