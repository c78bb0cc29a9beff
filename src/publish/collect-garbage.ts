import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection of the calling thread's heap, now.
 *
 * Why: a full publish renders tens of thousands of pages, each a burst of short-lived
 * strings, while V8 sizes the old generation by how fast it fills, not by what is live: at
 * 10,000 incidents the main thread's heap grew to 250-340 MB around 100-120 MB of live data.
 * Collecting between batches of pages keeps each heap nearer its live data.
 *
 * `global.gc` exists only with --expose-gc; the flag set at run time takes effect for
 * contexts created afterwards, so a new context hands the function over (Jest's leak
 * detection does the same).
 */
export function collectGarbage(): void {
  gc ??= (globalThis as { gc?: () => void }).gc ?? exposeGc();
  gc();
}

let gc: (() => void) | undefined;

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
