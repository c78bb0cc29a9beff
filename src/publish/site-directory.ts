import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readlink, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

// Layout under the data directory:
//   site            -> sites/<name>   (symlink; what the server and any CDN sync read)
//   sites/<name>/                     (one complete published tree per full publish)
// Readers resolve `site` per request, so swapping the link switches the whole site at once.

export const SITE_LINK = 'site';
const SITES_DIR = 'sites';

export function siteRoot(dataDir: string): string {
  return path.join(dataDir, SITE_LINK);
}

/**
 * Writes a file so that readers see either the old or the new content, never a mix.
 * Synchronous: a publish writes a dozen small files, which this thread does in well under
 * a millisecond, a fraction of three thread-pool round trips per file.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  replaceFile(file, content, mode);
  siteChanged();
}

/** Writes a temp file beside `file` and renames it over: a reader sees the old bytes or the new. */
function replaceFile(file: string, content: string | Uint8Array, mode = 0o644): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { mode });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** A file's bytes, or null when it is not there (or cannot be read: then it is written anew). */
function readIfPresent(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/**
 * writeFileAtomic, unless the file already holds exactly `content`: a re-render that changed
 * nothing writes nothing, so nothing is uploaded or purged for it. Returns whether it wrote.
 */
export function writeFileIfChanged(file: string, content: Uint8Array): boolean {
  if (readIfPresent(file)?.equals(content)) return false;
  writeFileAtomic(file, content);
  return true;
}

// Who is told, in this thread, that the live site's files may have changed: the file server
// (static-files.ts), which otherwise trusts what it keeps in memory for a moment.
const siteChangeListeners = new Set<() => void>();

export function onSiteChange(listener: () => void): void {
  siteChangeListeners.add(listener);
}

/** Says that files of the live site changed (written, removed, or the tree swapped). */
export function siteChanged(): void {
  for (const listener of siteChangeListeners) listener();
}

// Each tree records the revision its files were rendered from. A render never overwrites
// output of a newer revision (monotonic publishing, also across instances).
/** The file in a tree that holds the revision it was rendered from. */
export function treeRevisionFile(dir: string): string {
  return path.join(dir, '.herald-revision');
}

export function readTreeRevision(dir: string): number {
  try {
    return Number.parseInt(readFileSync(treeRevisionFile(dir), 'utf8'), 10) || 0;
  } catch {
    return -1;
  }
}

export function writeTreeRevision(dir: string, revision: number): void {
  writeFileAtomic(treeRevisionFile(dir), String(revision));
}

/**
 * Writes files into a directory that is not live yet, creating each folder once. The tree may
 * be one a previous full publish retired (see createSiteDirectory): a file that already holds
 * exactly this content is left alone, and one that differs is replaced by a rename, so that a
 * reader still holding the retired tree never sees half a file.
 */
export class TreeWriter {
  readonly root: string;
  readonly #folders = new Set<string>();

  constructor(root: string) {
    this.root = root;
  }

  write(relativeFile: string, content: Uint8Array): void {
    const file = path.join(this.root, relativeFile);
    const existing = readIfPresent(file);
    if (existing) {
      if (!existing.equals(content)) replaceFile(file, content);
      return;
    }
    const folder = path.dirname(file);
    if (!this.#folders.has(folder)) {
      // The parent usually exists already; a recursive mkdir would stat every level again.
      try {
        mkdirSync(folder);
      } catch {
        // Never the tree itself: gone means another process took it, and this publish must fail.
        if (!existsSync(this.root)) throw new Error(`the tree ${this.root} is gone`);
        mkdirSync(folder, { recursive: true });
      }
      this.#folders.add(folder);
    }
    writeFileSync(file, content);
  }
}

/**
 * A directory for a full publish, with the built static assets copied in. It is the tree the
 * previous full publish retired when there is one, renamed: its folders and its unchanged files
 * are reused (creating 10,000 folders takes seconds on a slow disk, and most pages have not
 * changed), and removeStaleFiles then takes out what the site no longer has. Else a fresh one.
 */
export async function createSiteDirectory(
  dataDir: string,
  assetsDir: string,
  revision: number,
): Promise<{ dir: string; reused: boolean }> {
  const sitesDir = path.join(dataDir, SITES_DIR);
  const dir = path.join(sitesDir, `r${revision}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  const retired = await retiredTree(dataDir);
  try {
    if (retired) {
      await rename(path.join(sitesDir, retired), dir);
      await rm(path.join(dir, RETIRED_MARKER), { force: true });
      const now = new Date();
      await utimes(dir, now, now); // a publish in progress, not an abandoned one (see pruneSiteDirectories)
    } else {
      await mkdir(dir, { recursive: true });
    }
    await cp(assetsDir, dir, { recursive: true });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, reused: retired !== null };
}

/**
 * Removes from a tree every file but `keep` (site-relative) and its revision marker, and the
 * folders left empty: after a full publish into a reused tree, the pages of deleted incidents,
 * hidden components and vanished history pages, and temp files of an interrupted write.
 */
export async function removeStaleFiles(dir: string, keep: ReadonlySet<string>): Promise<void> {
  // Synchronous: for 30,000 files, 0.1 s where the promise version takes over a second (a
  // thread-pool round trip per folder).
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  const folders = new Set<string>();
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (keep.has(file) || file === path.basename(treeRevisionFile(dir))) continue;
    rmSync(path.join(dir, file), { force: true });
    for (let folder = path.dirname(file); folder !== '.'; folder = path.dirname(folder)) folders.add(folder);
  }
  // Deepest first; a folder still holding something stays.
  for (const folder of [...folders].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(path.join(dir, folder));
    } catch {
      // Not empty: it still holds pages.
    }
  }
}

/**
 * Points `site` at `dir` with one rename. Returns the removal of trees older than the
 * previous one as a separate promise: deleting 10,000 files takes seconds on a slow disk
 * and nobody needs to wait for it.
 */
export async function swapSiteDirectory(dataDir: string, dir: string): Promise<{ pruned: Promise<void> }> {
  const link = siteRoot(dataDir);
  const previous = await currentSiteDirectory(dataDir);
  const temp = `${link}.${randomBytes(6).toString('hex')}.tmp`;
  await symlink(path.relative(dataDir, dir), temp);
  await rename(temp, link);
  siteChanged();
  // Only a tree that was live and is no more may be reused (not another process's tree in the making).
  if (previous && previous !== dir) await writeFile(path.join(previous, RETIRED_MARKER), '').catch(() => {});
  return { pruned: pruneSiteDirectories(dataDir, 1) };
}

export async function currentSiteDirectory(dataDir: string): Promise<string | null> {
  try {
    return path.resolve(dataDir, await readlink(siteRoot(dataDir)));
  } catch {
    return null;
  }
}

const revisionOf = (name: string) => Number.parseInt(name.slice(1), 10) || 0;

/** The live tree, and the names of the other trees under sites/. */
async function siteTrees(dataDir: string): Promise<{ live: string | null; others: string[] }> {
  const live = await currentSiteDirectory(dataDir);
  const sitesDir = path.join(dataDir, SITES_DIR);
  const entries = await readdir(sitesDir, { withFileTypes: true }).catch(() => []);
  const others = entries.filter((e) => e.isDirectory() && path.join(sitesDir, e.name) !== live).map((e) => e.name);
  return { live, others };
}

/** Marks a tree that was live and was swapped out: the next full publish may reuse it. */
const RETIRED_MARKER = '.herald-retired';

/** The newest tree that was live and was swapped out, if any (see createSiteDirectory). */
async function retiredTree(dataDir: string): Promise<string | null> {
  const sitesDir = path.join(dataDir, SITES_DIR);
  for (const name of await olderTrees(dataDir)) if (existsSync(path.join(sitesDir, name, RETIRED_MARKER))) return name;
  return null;
}

/** The trees older than the live one (retired by earlier full publishes), newest first. */
async function olderTrees(dataDir: string): Promise<string[]> {
  const { live, others } = await siteTrees(dataDir);
  const liveRevision = live ? revisionOf(path.basename(live)) : 0;
  return others
    .filter((name) => revisionOf(name) <= liveRevision)
    .sort((a, b) => revisionOf(b) - revisionOf(a) || b.localeCompare(a));
}
const ABANDONED_AFTER_MS = 10 * 60_000;

/**
 * Keeps the live tree and the `keepPrevious` newest older ones (requests in flight may
 * still read them). Trees newer than the live one belong to a publish in progress,
 * unless they have not been touched for a while: then their publish died.
 */
async function pruneSiteDirectories(dataDir: string, keepPrevious: number): Promise<void> {
  const { live, others } = await siteTrees(dataDir);
  const liveRevision = live ? revisionOf(path.basename(live)) : 0;
  const sitesDir = path.join(dataDir, SITES_DIR);
  const doomed = (await olderTrees(dataDir)).slice(keepPrevious);
  for (const name of others.filter((n) => revisionOf(n) > liveRevision)) {
    const info = await stat(path.join(sitesDir, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > ABANDONED_AFTER_MS) doomed.push(name);
  }
  for (const name of doomed) await rm(path.join(sitesDir, name), { recursive: true, force: true });
}
