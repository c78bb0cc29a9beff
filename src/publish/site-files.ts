import { readdir } from 'node:fs/promises';
import path from 'node:path';

// Small things the publisher's followers share: which files of a local tree are the site,
// and running work over many items a few at a time.

/** Files in a local tree that are not part of the site: its revision marker and atomic-write temp files. */
export function isSiteFile(file: string): boolean {
  return (
    !file.split('/').some((segment) => segment.startsWith('.herald')) &&
    !/\.[0-9a-f]{12}\.tmp$/.test(file) &&
    !file.startsWith('/') &&
    !file.split('/').includes('..')
  );
}

/** Every file of the site in a local tree, site-relative ('incidents/x/index.html'). */
export async function listSiteFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter(isSiteFile);
}

/**
 * Runs `work` over the items, at most `limit` at a time. After a failure no further item is
 * started, the ones under way finish, and the first failure is thrown: nothing is still
 * running when it returns.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  limit: number,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
}
