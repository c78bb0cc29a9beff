import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readAtOneMoment, type Database } from '../db/client.ts';
import { loadChanges, loadSnapshot } from '../db/snapshot-queries.ts';
import { sameUptimeEvents, todayStandsStill } from '../domain/page-uptime.ts';
import {
  advanceSnapshot,
  findIncident,
  publicComponents,
  type IncidentView,
  type Snapshot,
} from '../domain/snapshot.ts';
import type { Logger } from '../infra/log.ts';
import { availableParallelism } from 'node:os';
import type { AstroHandler } from './astro-handler.ts';
import {
  afterBatch,
  forEachRoute,
  FULL_PUBLISH_BATCH,
  inBatches,
  renderExisting,
  renderIntoLiveTree,
  renderIntoNewTree,
  renderPublicRoute,
} from './render-routes.ts';
import { RenderThread, RenderThreadLost } from './render-thread.ts';
import { listSiteFiles } from './site-files.ts';
import {
  affectedRoutes,
  allPublicRoutes,
  componentRoutes,
  historyRoute,
  incidentRoute,
  inEveryLanguage,
  pagePathOf,
  routeExists,
  UPTIME_ROUTE,
  type PublicRoute,
} from './routes.ts';
import { dayKey, monthKey } from '../domain/format.ts';
import { historyPageCount } from '../domain/history.ts';
import {
  createSiteDirectory,
  currentSiteDirectory,
  readTreeRevision,
  removeStaleFiles,
  siteChanged,
  swapSiteDirectory,
  TreeWriter,
  writeFileAtomic,
  writeFileIfChanged,
  writeTreeRevision,
} from './site-directory.ts';

export interface PublisherOptions {
  db: Database;
  handler: AstroHandler;
  dataDir: string;
  /** The Astro build: its dist/client assets are copied into every full publish. */
  distDir: string;
  /**
   * A second thread for a share of each large full publish and what change publishes leave for
   * later (default: when there are two cores); false: all on this one. Tests hand in their own.
   */
  renderThread?: boolean | RenderThread;
  /** How long a failed deferred or swept render waits before it is tried again (default 5 s); tests make it short. */
  retryDelayMs?: number;
  /** How many routes a full publish renders per batch (default FULL_PUBLISH_BATCH); tests make it small. */
  fullPublishBatch?: number;
  siteUrl: string;
  /** HERALD_APP_URL, for the published pages' forms (see loadSnapshot); siteUrl when unset. */
  appUrl?: string;
  log: Logger;
  now?: () => Date;
  /**
   * Told what each publish wrote, once it is in the live tree: publish targets upload it and
   * CDN caches purge it (see distribution.ts). Called synchronously; must not throw.
   */
  onPublished?: (files: PublishedFiles) => void;
}

/** What one publish put in the live tree. */
export interface PublishedFiles {
  /** The site revision these files show. */
  revision: number;
  /** The live tree's directory. */
  siteDir: string;
  /** 'full': a new tree (what changed in it is not listed); 'files': exactly `written` and `removed`. */
  kind: 'full' | 'files';
  /** Site-relative files written, e.g. 'index.html', 'api/v2/summary.json'. */
  written: string[];
  /** Site-relative paths removed; one ending in '/' is a directory and everything under it. */
  removed: string[];
}

/** Below this many routes a second thread costs more than it saves. */
const OFFLOAD_THRESHOLD = 400;
/**
 * On a change publish these are rendered a moment after the rest: what visitors and
 * Statuspage clients watch during an incident (the index, the incident's page, the JSON,
 * widget data, badges, in the page's default language) must not wait for the history
 * pages, the feeds, the 12-month uptime calendar (which alone costs more than everything
 * else together) or the copies in the other languages.
 */
const DEFERRED_ON_CHANGE = /^\/(uptime|history)\/|\.(rss|atom)$/;
const isDeferredOnChange = (route: PublicRoute) => route.language !== undefined || DEFERRED_ON_CHANGE.test(route.path);
/** Long enough for the change's own answer to go out first, short enough to be unnoticed. */
const DEFER_MS = 100;
/** Deferred routes render this many at a time between changes... */
const DEFERRED_SLICE = 6;
/** ...and a change publish takes along those left waiting longer than this. */
const MAX_DEFER_MS = 2000;
/** A site-wide change's sweep renders this many routes per job on the render thread... */
const SWEEP_SLICE_THREAD = 64;
/** ...and this many at a time on this thread, between changes, when there is no render thread. */
const SWEEP_SLICE_HERE = 12;
/** A sweep route that fails to render alone this many times keeps its old page (and is logged). */
const SWEEP_ATTEMPTS = 3;
/** A deferred render that failed is tried again after this, change or no change. */
const DEFERRED_RETRY_MS = 5000;
/**
 * While a component is not operational today, today's uptime grows with the clock. For
 * that alone the 12-month calendar (3 MB to render in three languages) is rendered again
 * at most this often, so during an incident it is not rendered for every update's text;
 * its today may trail the index's by as much.
 */
const CALENDAR_CLOCK_MS = 60_000;
/** 0 <= elapsed < limit: a clock set back does not count as within. */
const isWithin = (elapsedMs: number, limitMs: number) => elapsedMs >= 0 && elapsedMs < limitMs;
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface PublishResult {
  kind: 'full' | 'incremental';
  revision: number;
  files: number;
  /** The site tree written to. */
  directory: string;
  durationMs: number;
  /** Where the time went: reading the data, rendering (and, for a full publish, writing), then writing or swapping. */
  phasesMs?: { load: number; render: number; swap: number };
  /** Nothing was written: the site already shows a newer revision. */
  superseded?: boolean;
}

/** A publish's outcome, timed from `started` (performance.now()) with its load and render marks. */
function publishResult(
  kind: PublishResult['kind'],
  revision: number,
  directory: string,
  started: number,
  done?: { files: number; loadedMs: number; renderedMs: number },
): PublishResult {
  const durationMs = Math.round(performance.now() - started);
  if (!done) return { kind, revision, files: 0, directory, durationMs, superseded: true };
  const { files, loadedMs, renderedMs } = done;
  return {
    kind,
    revision,
    files,
    directory,
    durationMs,
    phasesMs: {
      load: Math.round(loadedMs),
      render: Math.round(renderedMs - loadedMs),
      swap: Math.round(durationMs - renderedMs),
    },
  };
}

/** History pages are cut by month: a new month, or a new page, moves every page's content. */
function historyShifted(before: Snapshot, after: Snapshot): boolean {
  const month = (s: Snapshot) => monthKey(s.now, s.page.timeZone);
  return (
    month(before) !== month(after) ||
    historyPageCount(before) !== historyPageCount(after) ||
    before.page.timeZone !== after.page.timeZone
  );
}

export interface PublishStatus {
  revision: number | null;
  publishedAt: Date | null;
  durationMs: number | null;
  error: { message: string; at: Date } | null;
  /** Pages a site-wide change (a rename, settings) still re-renders in the background. */
  backlog: number;
}

/** What a change touched; the publisher works out the routes from it. */
export interface ChangeScope {
  /** Incidents or maintenances created, edited or deleted. */
  incidentIds?: readonly string[];
  /**
   * Components whose status (or description) changed, nothing else about them: the pages
   * that show component statuses re-render, incident pages and history do not.
   */
  componentIds?: readonly string[];
  /**
   * Something any page may show changed (a component's or group's name, grouping, order or
   * visibility; the page's name, colours or links): the pages visitors watch first (the
   * index, /api/v2, widget data, badges, the embed card) publish at once, as for any change;
   * then the pages naming the components in `componentIds`, then every other page, in the
   * background (see the sweep), while later changes go first.
   */
  siteWide?: boolean;
  /** Anything that moves routes or cached figures (a deletion, the default language, the time zone): a full publish. */
  everything?: boolean;
}

interface PendingWork {
  full: boolean;
  siteWide: boolean;
  incidentIds: Set<string>;
  componentIds: Set<string>;
  waiters: Array<{ resolve: (r: PublishResult) => void; reject: (e: unknown) => void }>;
}

/**
 * Renders public routes through the Astro handler into the site directory. All work runs
 * through one queue, so publishes never overlap in this process and each one reads the
 * newest committed data: requests that arrive during a publish are merged into the next.
 */
export class Publisher {
  readonly #options: PublisherOptions;
  #pending: PendingWork | null = null;
  #running: Promise<void> | null = null;
  #status: Omit<PublishStatus, 'backlog'> = { revision: null, publishedAt: null, durationMs: null, error: null };
  readonly #thread: RenderThread | null;
  #pruning: Promise<void> = Promise.resolve();
  /**
   * The snapshot of the last publish: a change publish re-reads only what changed and merges it in. Null: the next
   * publish reads all.
   */
  #held: Snapshot | null = null;
  /** The revision of the snapshot the render thread holds (see render-worker.ts); null: none. */
  #threadHolds: number | null = null;
  /** The time (snapshot.now) of the last publish that rendered the uptime calendar. */
  #calendarAsOf = 0;
  /** Routes a change publish left for later (see isDeferredOnChange). */
  #deferred = new Map<string, PublicRoute>();
  #deferTimer: NodeJS.Timeout | undefined;
  #deferredDue = false;
  /** When the oldest deferred route was left for later (performance.now()). */
  #deferredSince: number | null = null;
  /**
   * The background sweep of a site-wide change: every route, the pages naming what changed
   * first, rendered a slice at a time from the newest snapshot, while changes go first.
   */
  #sweep = new Map<string, PublicRoute>();
  #sweeping: Promise<void> | null = null;
  /** Bumped by a full publish: a sweep slice rendered before it is thrown away. */
  #sweepGeneration = 0;
  /** Routes other publishes wrote while a sweep slice rendered: its older bytes must not replace theirs. */
  #writtenSince = new Set<string>();
  /** Set when routes join the sweep; the runner clears it each time it looks (see #startSweep). */
  #sweepQueued = false;
  /** Routes of the sweep whose slice failed, rendered alone from then on, by failures alone. */
  #sweepFailures = new Map<string, number>();
  #failures = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PublisherOptions) {
    this.#options = options;
    const threaded = options.renderThread ?? availableParallelism() > 1;
    this.#thread =
      threaded instanceof RenderThread
        ? threaded
        : threaded
          ? new RenderThread({ distDir: options.distDir, siteUrl: options.siteUrl })
          : null;
  }

  get status(): PublishStatus {
    return { ...this.#status, backlog: this.#sweep.size };
  }

  /** Renders every route into a fresh directory and swaps it in. */
  publishAll(): Promise<PublishResult> {
    return this.#enqueue({ full: true });
  }

  /** Re-renders the routes a committed change affects. */
  publishChange(scope: ChangeScope): Promise<PublishResult> {
    return this.#enqueue({
      full: scope.everything ?? false,
      siteWide: scope.siteWide ?? false,
      incidentIds: scope.incidentIds,
      componentIds: scope.componentIds,
    });
  }

  /**
   * Resolves once no publish is queued or running, nor (unless `sweep: false`) the background
   * sweep of a site-wide change.
   */
  async idle(options: { sweep?: boolean } = {}): Promise<void> {
    const sweep = options.sweep ?? true;
    while (this.#running || this.#deferTimer || (sweep && this.#sweeping)) {
      if (this.#running) await this.#running.catch(() => {});
      else if (sweep && this.#sweeping) await this.#sweeping;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.#pruning;
  }

  #enqueue(request: {
    full: boolean;
    siteWide?: boolean;
    incidentIds?: readonly string[];
    componentIds?: readonly string[];
  }): Promise<PublishResult> {
    this.#pending ??= { full: false, siteWide: false, incidentIds: new Set(), componentIds: new Set(), waiters: [] };
    this.#pending.full ||= request.full;
    this.#pending.siteWide ||= request.siteWide ?? false;
    for (const id of request.incidentIds ?? []) this.#pending.incidentIds.add(id);
    for (const id of request.componentIds ?? []) this.#pending.componentIds.add(id);
    const result = new Promise<PublishResult>((resolve, reject) => this.#pending!.waiters.push({ resolve, reject }));
    this.#running ??= this.#drain();
    return result;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending || this.#deferredDue) {
        if (!this.#pending) {
          await this.#publishDeferredSlice();
          continue;
        }
        const work = this.#pending;
        this.#pending = null;
        const live = await currentSiteDirectory(this.#options.dataDir);
        try {
          // No local copy of the held snapshot: it would stay alive through the full publish that replaces it.
          const result =
            work.full || !live || !this.#held
              ? await this.#publishFull()
              : await this.#publishIncremental(live, this.#held, work);
          this.#status = {
            revision: result.revision,
            publishedAt: this.#now(),
            durationMs: result.durationMs,
            error: null,
          };
          this.#failures = 0;
          this.#options.log.info('published', { ...result });
          for (const waiter of work.waiters) waiter.resolve(result);
          if (result.kind === 'full') this.#clearDeferred();
          if (this.#deferred.size > 0) this.#armDeferred();
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.#status = { ...this.#status, error: { message, at: this.#now() } };
          this.#held = null; // the next attempt reads everything afresh
          this.#options.log.error('publish failed; the previous site stays live', { error: message });
          for (const waiter of work.waiters) waiter.reject(error);
          this.#scheduleRetry(work);
        }
      }
    } finally {
      this.#running = null;
    }
  }

  /**
   * Deferred routes render a little later, not right away: the answer to the change's own
   * request (same thread) must go out first, and a burst of changes renders them once. They
   * render a few at a time, so a change that arrives meanwhile goes first; in a steady
   * stream of changes, a change publish takes along those that waited too long.
   */
  #armDeferred(delayMs = DEFER_MS): void {
    if (this.#closed || this.#deferTimer || this.#deferredDue) return;
    this.#deferTimer = setTimeout(() => {
      this.#deferTimer = undefined;
      this.#deferredDue = true;
      this.#running ??= this.#drain();
    }, delayMs);
    this.#deferTimer.unref();
  }

  #clearDeferred(): void {
    this.#deferred.clear();
    this.#deferredDue = false;
    this.#deferredSince = null;
  }

  /**
   * Renders the next few routes that change publishes left for later, from the newest
   * snapshot: on the render thread when it holds that snapshot, else here.
   */
  async #publishDeferredSlice(): Promise<void> {
    const snapshot = this.#held;
    const dir = await currentSiteDirectory(this.#options.dataDir);
    if (!snapshot || !dir) return this.#clearDeferred();
    const routes = [...this.#deferred.values()].slice(0, DEFERRED_SLICE);
    for (const route of routes) this.#deferred.delete(route.path);
    if (this.#deferred.size === 0) this.#clearDeferred();
    if (this.#sweeping) for (const route of routes) this.#writtenSince.add(route.path);
    try {
      const announce = (written: string[]) =>
        this.#announce({ revision: snapshot.revision, siteDir: dir, kind: 'files', written, removed: [] });
      if (this.#thread && this.#threadHolds === snapshot.revision) {
        try {
          const { written = [] } = await this.#thread.run({ type: 'render', revision: snapshot.revision, routes, dir });
          return announce(written);
        } catch (error) {
          // A page that fails to render is retried like one failing here; a lost thread hands its work to this one.
          if (!(error instanceof RenderThreadLost)) throw error;
          this.#threadHolds = null;
          this.#options.log.warn('the render thread is lost; rendering on this one until the next full publish', {
            error: error.message,
          });
        }
      }
      announce(await renderIntoLiveTree(this.#options.handler, this.#options.siteUrl, snapshot, routes, dir));
    } catch (error) {
      for (const route of routes) this.#deferred.set(route.path, route);
      this.#deferredDue = false;
      this.#options.log.warn('could not render deferred routes; trying again shortly', {
        error: error instanceof Error ? error.message : String(error),
      });
      this.#armDeferred(this.#options.retryDelayMs ?? DEFERRED_RETRY_MS);
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #announce(files: PublishedFiles): void {
    // The render thread's writes are not seen here otherwise (nor a removed directory).
    siteChanged();
    try {
      this.#options.onPublished?.(files);
    } catch (error) {
      this.#options.log.warn('a listener of publishes failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** A failed publish is tried again, later each time (1 s, 2 s, 4 s ... at most a minute). */
  #scheduleRetry(work: PendingWork): void {
    if (this.#closed) return;
    const delay = Math.min(60_000, 1000 * 2 ** this.#failures++);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#enqueue({
        full: work.full,
        siteWide: work.siteWide,
        incidentIds: [...work.incidentIds],
        componentIds: [...work.componentIds],
      }).catch(() => {});
    }, delay);
    this.#retryTimer.unref();
  }

  #render(snapshot: Snapshot, route: PublicRoute): Promise<Buffer> {
    return renderPublicRoute(this.#options.handler, this.#options.siteUrl, snapshot, route);
  }

  /** Stops retries and the render thread; the publisher may not be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    // A sweep left unfinished is done by the next start's full publish.
    this.#sweep.clear();
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#deferTimer);
    this.#deferTimer = undefined;
    await this.idle();
    await this.#thread?.close();
  }

  async #publishFull(): Promise<PublishResult> {
    const started = performance.now();
    const { db, siteUrl, dataDir, distDir } = this.#options;
    // The snapshot held so far goes before the next one is read, here and on the render
    // thread: holding both raised the peak by two snapshots (about 120 MB at 10,000 incidents).
    this.#held = null;
    // The fresh tree has every route: a sweep under way is done.
    this.#sweep.clear();
    this.#sweepFailures.clear();
    this.#sweepGeneration++;
    if (this.#threadHolds !== null) void this.#thread?.run({ type: 'release' }).catch(() => {});
    this.#threadHolds = null;
    const snapshot = await readAtOneMoment(db, (tx) =>
      loadSnapshot(tx, { siteUrl, appUrl: this.#options.appUrl, now: this.#now() }),
    );
    this.#held = snapshot;
    this.#calendarAsOf = snapshot.now.getTime();
    const loadedMs = performance.now() - started;
    const { dir, reused } = await createSiteDirectory(dataDir, path.join(distDir, 'client'), snapshot.revision);
    try {
      // A page's copies in each language side by side: what they share (an update's rendered
      // markdown) is still in its cache when the next copy renders.
      const routes = allPublicRoutes(snapshot).sort((a, b) => compareText(pagePathOf(a), pagePathOf(b)));
      // Nobody reads this tree before the swap, so plain synchronous writes are safe here,
      // and several times faster than a thread-pool round trip per file.
      const tree = new TreeWriter(dir);
      const batches = inBatches(routes, this.#options.fullPublishBatch ?? FULL_PUBLISH_BATCH);
      let next = 0;
      let failed = false;
      // After a failure nobody takes another batch: the tree is about to be removed.
      const take = () => (failed ? undefined : batches[next++]);
      const watch = <T>(work: Promise<T>) =>
        work.catch((error: unknown) => {
          failed = true;
          throw error;
        });
      const renderHere = async () => {
        for (let batch = take(); batch; batch = take()) {
          await renderIntoNewTree(this.#options.handler, siteUrl, snapshot, batch, tree);
          afterBatch();
          // Requests (the admin, the files this process serves) get their turn between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      if (this.#thread && routes.length >= OFFLOAD_THRESHOLD) {
        // Two cores: both threads take batches from one queue until it is empty, so neither
        // waits for the other (the render thread starts late, loading Astro and the
        // snapshot's copy, and runs nicer than this one: see render-worker.ts).
        const thread = this.#thread;
        const renderThere = async () => {
          await thread.run({ type: 'hold', snapshot });
          for (let batch = take(); batch; batch = take()) {
            try {
              await thread.run({ type: 'full', revision: snapshot.revision, routes: batch, dir });
            } catch (error) {
              // A thread that cannot run hands its batch back; a page that fails there fails the publish.
              if (!(error instanceof RenderThreadLost)) throw error;
              batches.push(batch);
              throw error;
            }
          }
        };
        const threadDone = renderThere().then(
          () => true,
          (error: unknown) => {
            if (!(error instanceof RenderThreadLost)) throw error;
            this.#options.log.warn('the render thread is lost; rendering its share here', { error: error.message });
            return false;
          },
        );
        const [threadOutcome, ourOutcome] = await Promise.allSettled([watch(threadDone), watch(renderHere())]);
        for (const outcome of [threadOutcome, ourOutcome]) if (outcome.status === 'rejected') throw outcome.reason;
        const held = threadOutcome.status === 'fulfilled' && threadOutcome.value;
        // Batches handed back after this thread ran out of them.
        await renderHere();
        if (held) this.#threadHolds = snapshot.revision;
      } else {
        await renderHere();
        // The render thread takes what change publishes leave for later: it needs the snapshot
        // (small here). Without it, this thread renders them.
        const held = await this.#thread?.run({ type: 'hold', snapshot }).then(
          () => true,
          () => false,
        );
        if (held) this.#threadHolds = snapshot.revision;
      }
      const renderedMs = performance.now() - started;
      const live = await currentSiteDirectory(dataDir);
      if (live && readTreeRevision(live) > snapshot.revision) {
        // Someone published newer data while this render ran: keep theirs.
        await rm(dir, { recursive: true, force: true });
        return publishResult('full', snapshot.revision, live, started);
      }
      // A reused tree still has what the site no longer does (a deleted incident's pages...).
      if (reused) {
        const assets = await listSiteFiles(path.join(distDir, 'client'));
        await removeStaleFiles(dir, new Set([...assets, ...routes.map((route) => route.file)]));
      }
      writeTreeRevision(dir, snapshot.revision);
      const { pruned } = await swapSiteDirectory(dataDir, dir);
      this.#announce({ revision: snapshot.revision, siteDir: dir, kind: 'full', written: [], removed: [] });
      this.#pruning = pruned.catch((error: unknown) =>
        this.#options.log.warn('could not remove an old site tree', { error: String(error) }),
      );
      return publishResult('full', snapshot.revision, dir, started, { files: routes.length, loadedMs, renderedMs });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  async #publishIncremental(
    dir: string,
    previous: Snapshot,
    { incidentIds, componentIds, siteWide }: Pick<PendingWork, 'incidentIds' | 'componentIds' | 'siteWide'>,
  ): Promise<PublishResult> {
    const started = performance.now();
    const { db, siteUrl } = this.#options;
    const changes = await readAtOneMoment(db, (tx) =>
      loadChanges(tx, [...incidentIds], { siteUrl, appUrl: this.#options.appUrl, now: this.#now(), held: previous }),
    );
    const snapshot = advanceSnapshot(previous, changes.parts, changes.changed, [...incidentIds]);
    this.#held = snapshot;
    try {
      const loadedMs = performance.now() - started;
      // The 12-month calendar (a megabyte per language) changes with the day, the status
      // history, the incidents' days and names, and the clock while any component is not
      // operational today (see CALENDAR_CLOCK_MS): an update's text alone leaves it be.
      const uptimeUnchanged =
        dayKey(previous.now, previous.page.timeZone) === dayKey(snapshot.now, snapshot.page.timeZone) &&
        snapshot.statusChanges === previous.statusChanges &&
        (isWithin(snapshot.now.getTime() - this.#calendarAsOf, CALENDAR_CLOCK_MS) || todayStandsStill(snapshot)) &&
        [...incidentIds].every((id) => sameUptimeEvents(findIncident(previous, id), findIncident(snapshot, id)));
      if (!uptimeUnchanged) this.#calendarAsOf = snapshot.now.getTime();
      const routes: PublicRoute[] = [];
      for (const route of affectedRoutes(snapshot, incidentIds, {
        allHistory: historyShifted(previous, snapshot),
        componentIds,
        previous,
      })) {
        if (uptimeUnchanged && pagePathOf(route) === UPTIME_ROUTE.path) continue;
        if (isDeferredOnChange(route)) this.#deferred.set(route.path, route);
        else routes.push(route);
      }
      // Routes left for later may be gone by now (a deleted incident's copies, a history page past the last).
      for (const [key, route] of this.#deferred) if (!routeExists(snapshot, route)) this.#deferred.delete(key);
      if (this.#deferred.size > 0) this.#deferredSince ??= started;
      else this.#deferredSince = null;
      if (this.#deferredSince !== null && started - this.#deferredSince > MAX_DEFER_MS) {
        routes.push(...this.#deferred.values());
        this.#clearDeferred();
      }
      // Render everything first: a failed render must leave every file as it was. (A change
      // renders on this thread alone: handing the render thread its share measured no faster.)
      const rendered: Array<readonly [PublicRoute, Buffer]> = [];
      await forEachRoute(routes, async (route) => {
        rendered.push([route, await this.#render(snapshot, route)]);
      });
      if (readTreeRevision(dir) > snapshot.revision)
        return publishResult('incremental', snapshot.revision, dir, started);
      const renderedMs = performance.now() - started;
      for (const [route, body] of rendered) {
        writeFileAtomic(path.join(dir, route.file), body);
        if (this.#sweeping) this.#writtenSince.add(route.path);
        this.#sweep.delete(route.path);
      }
      writeTreeRevision(dir, snapshot.revision);
      const removed = await this.#removeGone(dir, previous, snapshot, incidentIds);
      if (siteWide) this.#queueSweep(snapshot, componentIds, new Set(rendered.map(([route]) => route.path)));
      this.#announce({
        revision: snapshot.revision,
        siteDir: dir,
        kind: 'files',
        written: rendered.map(([route]) => route.file),
        removed,
      });
      return publishResult('incremental', snapshot.revision, dir, started, {
        files: routes.length,
        loadedMs,
        renderedMs,
      });
    } finally {
      // Sent once the urgent files are written, so that the thread's work on it does not
      // compete with them for the two cores.
      this.#advanceThread(previous, snapshot, changes.changed, [...incidentIds]);
    }
  }

  /**
   * Moves the render thread's snapshot along by this change: a few small parts and the
   * changed incidents cross threads, not the 10,000 others. Not awaited: a thread that
   * fails to follow is found out by its next render, which then runs here instead.
   */
  #advanceThread(previous: Snapshot, snapshot: Snapshot, changed: IncidentView[], ids: string[]): void {
    if (!this.#thread || this.#threadHolds !== previous.revision) return;
    const { incidents: _all, statusChanges, ...parts } = snapshot;
    const moved = statusChanges === previous.statusChanges ? parts : { ...parts, statusChanges };
    this.#thread.run({ type: 'advance', from: previous.revision, parts: moved, changed, ids }).catch(() => {});
    this.#threadHolds = snapshot.revision;
  }

  /**
   * Leaves every route of the site to the background sweep, but those just written: the
   * pages naming the components the change is about first (incident pages in the default
   * language), then the rest in the order of a full publish (the default language first).
   */
  #queueSweep(snapshot: Snapshot, componentIds: ReadonlySet<string>, written: ReadonlySet<string>): void {
    const naming = snapshot.incidents
      .filter((incident) => incident.componentIds.some((id) => componentIds.has(id)))
      .map((incident) => incidentRoute(incident.id));
    for (const route of [...naming, ...allPublicRoutes(snapshot)])
      if (!written.has(route.path) && !this.#deferred.has(route.path)) this.#sweep.set(route.path, route);
    this.#sweepQueued = true;
    this.#startSweep();
  }

  #startSweep(): void {
    this.#sweeping ??= this.#runSweep().finally(() => {
      this.#sweeping = null;
      // Work queued after the runner last looked (as it was finishing) gets a runner of its own.
      if (this.#sweepQueued && !this.#closed) this.#startSweep();
    });
  }

  /**
   * Renders the sweep a slice at a time from the newest snapshot: on the render thread when it
   * holds that snapshot (while this thread publishes any change that comes meanwhile), else
   * here in smaller slices, each started only when no publish is running. This thread writes
   * each slice in one synchronous run, but not over a route a publish wrote meanwhile, and
   * only the files whose bytes changed (most pages do not show a renamed component).
   */
  async #runSweep(): Promise<void> {
    for (;;) {
      this.#sweepQueued = false;
      if (this.#sweep.size === 0 || this.#closed) return;
      while (this.#running) await this.#running.catch(() => {});
      const dir = await currentSiteDirectory(this.#options.dataDir);
      // Taken together, with no await between: the slice renders from this snapshot, and what
      // publishes write from here on stands over it.
      const snapshot = this.#held;
      const generation = this.#sweepGeneration;
      this.#writtenSince.clear();
      if (!snapshot || !dir || this.#sweep.size === 0) return;
      const onThread = this.#thread !== null && this.#threadHolds === snapshot.revision;
      const routes = this.#takeSweepSlice(onThread ? SWEEP_SLICE_THREAD : SWEEP_SLICE_HERE);
      let bodies: Array<[string, Uint8Array]>;
      try {
        bodies = onThread
          ? ((await this.#thread!.run({ type: 'bodies', revision: snapshot.revision, routes })).bodies ?? [])
          : (await renderExisting(this.#options.handler, this.#options.siteUrl, snapshot, routes)).map(
              ([route, body]): [string, Uint8Array] => [route.path, body],
            );
      } catch (error) {
        if (generation !== this.#sweepGeneration) continue; // a full publish wrote every route meanwhile
        if (error instanceof RenderThreadLost) {
          this.#threadHolds = null;
          for (const route of routes) if (!this.#sweep.has(route.path)) this.#sweep.set(route.path, route);
          continue;
        }
        this.#sweepFailed(routes, error);
        await new Promise((resolve) => setTimeout(resolve, this.#options.retryDelayMs ?? DEFERRED_RETRY_MS).unref());
        continue;
      }
      const live = await currentSiteDirectory(this.#options.dataDir);
      const newest = this.#held;
      if (generation !== this.#sweepGeneration || live !== dir || !newest) continue;
      for (const route of routes) this.#sweepFailures.delete(route.path);
      // Not over what a newer publish wrote, nor back where it removed a page (a deleted
      // incident's, a component hidden since, a history page past the last).
      const byPath = new Map(routes.map((route) => [route.path, route]));
      const written = bodies
        .map(([route, body]) => [byPath.get(route)!, body] as const)
        .filter(([route]) => !this.#writtenSince.has(route.path) && routeExists(newest, route))
        .filter(([route, body]) => writeFileIfChanged(path.join(dir, route.file), body))
        .map(([route]) => route.file);
      if (written.length > 0)
        this.#announce({ revision: newest.revision, siteDir: dir, kind: 'files', written, removed: [] });
    }
  }

  /**
   * The next routes of the sweep. A route whose slice failed is rendered alone, so that one
   * page that cannot render holds up no other.
   */
  #takeSweepSlice(size: number): PublicRoute[] {
    const routes: PublicRoute[] = [];
    for (const route of this.#sweep.values()) {
      const alone = this.#sweepFailures.has(route.path);
      if (alone && routes.length > 0) break;
      routes.push(route);
      if (alone || routes.length === size) break;
    }
    for (const route of routes) this.#sweep.delete(route.path);
    return routes;
  }

  /** A slice failed: its routes go back, each to be rendered alone; one that failed alone three times is given up. */
  #sweepFailed(routes: readonly PublicRoute[], error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    for (const route of routes) {
      const failures = (this.#sweepFailures.get(route.path) ?? 0) + (routes.length === 1 ? 1 : 0);
      if (failures >= SWEEP_ATTEMPTS) {
        this.#sweepFailures.delete(route.path);
        this.#options.log.error('a page of a site-wide change could not be rendered; it keeps its old content', {
          route: route.path,
          error: message,
        });
        continue;
      }
      this.#sweepFailures.set(route.path, failures);
      if (!this.#sweep.has(route.path)) this.#sweep.set(route.path, route);
    }
    this.#options.log.warn('could not render pages of a site-wide change; trying again shortly', { error: message });
  }

  /**
   * Takes down the pages a change made obsolete, in every language: a deleted incident's, history pages past the last.
   */
  async #removeGone(
    dir: string,
    previous: Snapshot,
    snapshot: Snapshot,
    incidentIds: ReadonlySet<string>,
  ): Promise<string[]> {
    const gone: PublicRoute[] = [];
    for (let n = historyPageCount(snapshot) + 1; n <= historyPageCount(previous); n++) gone.push(historyRoute(n));
    for (const id of incidentIds) if (!findIncident(snapshot, id)) gone.push(incidentRoute(id));
    // A component hidden since: its badge and feeds go (a deleted one goes with a full publish).
    const shown = new Set(publicComponents(snapshot).map((component) => component.id));
    for (const component of publicComponents(previous))
      if (!shown.has(component.id)) gone.push(...componentRoutes(component.id));
    const removed = [
      ...new Set(
        gone.flatMap((route) => inEveryLanguage(snapshot, route)).map((copy) => `${path.dirname(copy.file)}/`),
      ),
    ];
    for (const directory of removed) await rm(path.join(dir, directory), { recursive: true, force: true });
    return removed;
  }
}
