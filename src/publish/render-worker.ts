// The second thread. It renders a share of every large full publish into the new tree, and keeps
// its own copy of the published snapshot, moved along with each change, so that what a
// change publish leaves for later (history pages, feeds, the uptime calendar, the other
// languages) renders here: off the thread that serves requests and renders what is urgent,
// and off its heap.
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { advanceSnapshot, type IncidentView, type Snapshot } from '../domain/snapshot.ts';
import { loadAstroHandler, type AstroHandler } from './astro-handler.ts';
import { afterBatch, renderExisting, renderIntoLiveTree, renderIntoNewTree } from './render-routes.ts';
import type { PublicRoute } from './routes.ts';
import { TreeWriter } from './site-directory.ts';

/** Where the built site is and what URL it is published under: the thread's workerData. */
export interface RenderSetup {
  distDir: string;
  siteUrl: string;
}

export type RenderJob =
  /** Hold this snapshot: a full publish's, for its batches (below) and what changes leave for later. */
  | { type: 'hold'; snapshot: Snapshot }
  /**
   * Render a batch of a full publish's routes, from the held snapshot (it must be at `revision`), into its new tree.
   */
  | { type: 'full'; revision: number; routes: PublicRoute[]; dir: string }
  /** Let go of the held snapshot: a full publish is about to read a new one. */
  | { type: 'release' }
  /**
   * Move the held snapshot along by a change: its new parts, and the changed incidents
   * (absent ones were deleted). Status changes are left out when they did not change.
   */
  | {
      type: 'advance';
      from: number;
      parts: Omit<Snapshot, 'incidents' | 'statusChanges'> & { statusChanges?: Snapshot['statusChanges'] };
      changed: IncidentView[];
      ids: string[];
    }
  /** Render routes of the held snapshot (it must be at `revision`) into the live tree; answers the files written. */
  | { type: 'render'; revision: number; routes: PublicRoute[]; dir: string }
  /** Render routes of the held snapshot and hand their bytes back: the main thread writes them (see the publisher's sweep). */
  | { type: 'bodies'; revision: number; routes: PublicRoute[] };

/** What a job answers: the files a 'render' wrote, the bytes a 'bodies' rendered (by route path). */
export interface RenderOutput {
  written?: string[];
  bodies?: Array<[path: string, body: Uint8Array]>;
}

/** `lost`: the thread does not hold the snapshot the job needs (it must be handed one again). */
export type RenderReply = { id: number } & (
  ({ ok: true } & RenderOutput) | { ok: false; message: string; lost?: boolean }
);

// Nothing here is urgent, while the main thread answers requests and renders what a change
// makes visitors wait for: on two cores, this thread's work took turns with it, adding
// 30-40 ms to every fourth change. So it runs 10 steps nicer than the process (lowering is
// always allowed). Linux sets the priority of the calling thread alone; elsewhere it would
// lower the whole process.
if (process.platform === 'linux') {
  try {
    setPriority(Math.min(19, getPriority() + 10));
  } catch {
    // Not worth failing over: the thread then works at the process's priority.
  }
}

const setup = workerData as RenderSetup;
let handler: Promise<AstroHandler> | undefined;
const astro = () => (handler ??= loadAstroHandler(setup.distDir));
let held: Snapshot | null = null;

/** The writer of the full publish's tree that the batches go to: it remembers the folders it made. */
let tree: TreeWriter | null = null;
const treeWriter = (dir: string) => (tree?.root === dir ? tree : (tree = new TreeWriter(dir)));

class NotHeld extends Error {}
const notHeld = (revision: number) =>
  new NotHeld(`the render thread holds revision ${held?.revision ?? 'none'}, not ${revision}`);

async function run(job: RenderJob): Promise<RenderOutput> {
  switch (job.type) {
    case 'full': {
      const snapshot = held;
      if (snapshot?.revision !== job.revision) throw notHeld(job.revision);
      await renderIntoNewTree(await astro(), setup.siteUrl, snapshot, job.routes, treeWriter(job.dir));
      afterBatch();
      return {};
    }
    case 'hold':
      held = job.snapshot;
      return {};
    case 'release':
      held = null;
      return {};
    case 'advance':
      if (held?.revision !== job.from) throw notHeld(job.from);
      held = advanceSnapshot(
        held,
        { ...job.parts, statusChanges: job.parts.statusChanges ?? held.statusChanges },
        job.changed,
        job.ids,
      );
      return {};
    case 'render': {
      const snapshot = held;
      if (snapshot?.revision !== job.revision) throw notHeld(job.revision);
      return { written: await renderIntoLiveTree(await astro(), setup.siteUrl, snapshot, job.routes, job.dir) };
    }
    case 'bodies': {
      const snapshot = held;
      if (snapshot?.revision !== job.revision) throw notHeld(job.revision);
      const rendered = await renderExisting(await astro(), setup.siteUrl, snapshot, job.routes);
      return { bodies: rendered.map(([route, body]) => [route.path, body]) };
    }
  }
}

// One job at a time, in the order sent: a job never sees the held snapshot change under it.
let previous: Promise<void> = Promise.resolve();
parentPort?.on('message', ({ id, job }: { id: number; job: RenderJob }) => {
  previous = previous.then(async () => {
    try {
      const output = await run(job);
      parentPort!.postMessage({ id, ok: true, ...output } satisfies RenderReply);
    } catch (error) {
      parentPort!.postMessage({
        id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        lost: error instanceof NotHeld,
      } satisfies RenderReply);
    }
  });
});
