import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../infra/log.ts';
import type { PublishedFiles } from './publisher.ts';
import { PurgeQueue, type Purger, type PurgeStatus } from './purge.ts';
import { listSiteFiles } from './site-files.ts';
import type { TargetStatus } from './targets/mirror.ts';
import { urlPathOf } from './targets/upload-order.ts';

// Where a publish goes after the local tree: publish targets (buckets, see targets/) take the
// files, then CDN caches forget the URLs that changed. With no target, the caches are purged
// as soon as the local tree has the files (the CDN's origin is Herald itself); with targets,
// once every target holds the revision (the CDN's origin is a bucket). Everything here runs
// in the background: a slow target or cache delays neither the local site nor each other.

/** A publish target as distribution sees it (targets/mirror.ts's TargetMirror). */
export interface Mirror {
  push(files: PublishedFiles): void;
  readonly status: TargetStatus;
  close(): Promise<void>;
}

/** Each target's lag and each cache's queue, for /healthz and the admin. */
export interface DistributionStatus {
  targets: TargetStatus[];
  caches: PurgeStatus[];
}

/** Every file of the site under `dir`, site-relative, with the MD5 of its bytes. */
async function hashTree(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const file of await listSiteFiles(dir)) {
    const bytes = await readFile(path.join(dir, file)).catch(() => null);
    if (bytes) hashes.set(file, createHash('md5').update(bytes).digest('hex'));
  }
  return hashes;
}

/** How often a purge waiting for targets checks whether they hold its revision. */
const TARGET_POLL_MS = 25;

export class Distribution {
  readonly #mirrors: Mirror[];
  readonly #caches: PurgeQueue[];
  readonly #log: Logger;
  /**
   * The live tree's files and their hashes, known after the first full publish: what a full publish changed is the
   * difference.
   */
  #hashes: Map<string, string> | null = null;
  /** Work on the hashes, one publish at a time, in order. */
  #hashing: Promise<void> = Promise.resolve();
  /** Purges waiting for the targets to hold their revision. */
  #waiting: Array<{ revision: number; paths: string[] | 'all' }> = [];
  #poll: NodeJS.Timeout | undefined;

  constructor(options: { mirrors: Mirror[]; purgers: Purger[]; log: Logger }) {
    this.#mirrors = options.mirrors;
    this.#log = options.log;
    this.#caches = options.purgers.map((purger) => new PurgeQueue(purger, options.log));
  }

  get active(): boolean {
    return this.#mirrors.length > 0 || this.#caches.length > 0;
  }

  /** For the publisher's onPublished: never throws, returns at once. */
  readonly published = (files: PublishedFiles): void => {
    for (const mirror of this.#mirrors) mirror.push(files);
    if (this.#caches.length === 0) return;
    this.#hashing = this.#hashing
      .then(() => this.#changedPaths(files))
      .then((paths) => this.#purgeWhenReached(files.revision, paths))
      .catch((error: unknown) => {
        this.#log.warn('could not work out what to purge; purging the whole site', {
          error: error instanceof Error ? error.message : String(error),
        });
        this.#hashes = null;
        this.#purgeWhenReached(files.revision, 'all');
      });
  };

  get status(): DistributionStatus {
    return { targets: this.#mirrors.map((mirror) => mirror.status), caches: this.#caches.map((cache) => cache.status) };
  }

  /** Resolves when every purge asked for so far is done (tests). Targets have their own idle(). */
  async idle(): Promise<void> {
    await this.#hashing;
    while (this.#waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, TARGET_POLL_MS));
    await Promise.all(this.#caches.map((cache) => cache.idle()));
  }

  async close(): Promise<void> {
    clearInterval(this.#poll);
    this.#poll = undefined;
    for (const cache of this.#caches) cache.close();
    await Promise.all(this.#mirrors.map((mirror) => mirror.close()));
  }

  /** The URL paths a publish changed; 'all' for the first full publish (nothing to compare with). */
  async #changedPaths(files: PublishedFiles): Promise<string[] | 'all'> {
    if (files.kind === 'full') {
      const before = this.#hashes;
      this.#hashes = await hashTree(files.siteDir);
      if (!before) return 'all';
      const changed: string[] = [];
      for (const [file, hash] of this.#hashes) if (before.get(file) !== hash) changed.push(urlPathOf(file));
      for (const file of before.keys()) if (!this.#hashes.has(file)) changed.push(urlPathOf(file));
      return changed;
    }
    if (this.#hashes) {
      for (const directory of files.removed)
        for (const file of [...this.#hashes.keys()])
          if (file.startsWith(directory) || file === directory) this.#hashes.delete(file);
      for (const file of files.written) {
        const bytes = await readFile(path.join(files.siteDir, file)).catch(() => null);
        if (bytes) this.#hashes.set(file, createHash('md5').update(bytes).digest('hex'));
      }
    }
    return [...files.written, ...files.removed].map(urlPathOf);
  }

  #purgeWhenReached(revision: number, paths: string[] | 'all'): void {
    if (paths !== 'all' && paths.length === 0) return;
    this.#waiting.push({ revision, paths });
    this.#release();
    if (this.#waiting.length > 0 && !this.#poll) {
      this.#poll = setInterval(() => this.#release(), TARGET_POLL_MS);
      this.#poll.unref();
    }
  }

  /** Purges what every target now holds (all of it, without targets). */
  #release(): void {
    const held = Math.min(...this.#mirrors.map((mirror) => mirror.status.revision ?? -1));
    const ready = this.#waiting.filter((w) => w.revision <= held);
    this.#waiting = this.#waiting.filter((w) => w.revision > held);
    for (const { paths } of ready) for (const cache of this.#caches) cache.push(paths);
    if (this.#waiting.length === 0) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }
}
