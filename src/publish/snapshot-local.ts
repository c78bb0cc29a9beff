import type { Snapshot } from '../domain/snapshot.ts';

/** The snapshot a public route renders from; the middleware guarantees it is there. */
export function snapshotOf(locals: App.Locals): Snapshot {
  if (!locals.snapshot) throw new Error('public route rendered without a snapshot');
  return locals.snapshot;
}
