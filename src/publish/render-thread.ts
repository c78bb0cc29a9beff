import { Worker } from 'node:worker_threads';
import type { RenderJob, RenderOutput, RenderReply, RenderSetup } from './render-worker.ts';

/**
 * V8 sizes a thread's young generation by the machine's memory (128 MB on a 24 GB machine),
 * and rendering thousands of pages grows it to that size and keeps it there. 24 MB (8 MB
 * semi-spaces) is what `npm run serve` gives the main thread too (see package.json).
 */
const RENDER_THREAD_LIMITS = { maxYoungGenerationSizeMb: 24 };

/** The render thread died or no longer holds the snapshot a job needs: it must be handed one again. */
export class RenderThreadLost extends Error {}

/**
 * The main thread's handle on the render worker. Jobs run one at a time, in the order they
 * are sent; if the worker dies, every job waiting on it fails and the next one starts a
 * fresh worker (which holds no snapshot: see Publisher).
 */
export class RenderThread {
  readonly #setup: RenderSetup;
  /** The worker's script: render-worker.ts (tests hand in others). */
  readonly #script: URL;
  #worker: Worker | null = null;
  #nextId = 0;
  readonly #waiting = new Map<number, { resolve: (output: RenderOutput) => void; reject: (error: Error) => void }>();

  constructor(setup: RenderSetup, script = new URL('./render-worker.ts', import.meta.url)) {
    this.#setup = setup;
    this.#script = script;
  }

  run(job: RenderJob): Promise<RenderOutput> {
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.ref(); // busy: keeps the process alive until it answers
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = null;
  }

  #start(): Worker {
    const worker = new Worker(this.#script, { workerData: this.#setup, resourceLimits: RENDER_THREAD_LIMITS });
    worker.on('message', (reply: RenderReply) => {
      const waiter = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) worker.unref(); // an idle render thread must not keep the process alive
      if (reply.ok) waiter?.resolve({ written: reply.written, bodies: reply.bodies });
      else waiter?.reject(reply.lost ? new RenderThreadLost(reply.message) : new Error(reply.message));
    });
    const fail = (cause: Error) => {
      const error = new RenderThreadLost(cause.message);
      if (this.#worker === worker) this.#worker = null;
      for (const waiter of this.#waiting.values()) waiter.reject(error);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the render thread exited (code ${code})`)));
    return worker;
  }
}
