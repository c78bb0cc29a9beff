import { Worker } from 'node:worker_threads';
import type { RenderJob, RenderReply } from './render-worker.ts';

/** The main thread's handle on the render worker; one job at a time. */
export class RenderThread {
  #worker: Worker | null = null;
  /** The revision of the snapshot the worker holds, when known to be current. */
  revision: number | null = null;

  async run(job: RenderJob): Promise<RenderReply & { ok: true }> {
    const reply = await this.#send(job);
    if (!reply.ok) {
      this.revision = null;
      throw Object.assign(new Error(reply.message), { stale: reply.stale ?? false });
    }
    this.revision = job.kind === 'full' ? job.snapshot.revision : job.parts.revision;
    return reply;
  }

  #send(job: RenderJob): Promise<RenderReply> {
    const worker = (this.#worker ??= this.#start());
    return new Promise((resolve, reject) => {
      const onMessage = (reply: RenderReply) => {
        cleanup();
        resolve(reply);
      };
      const onError = (error: Error) => {
        cleanup();
        this.#worker = null;
        this.revision = null;
        reject(error);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = null;
    this.revision = null;
  }

  #start(): Worker {
    const worker = new Worker(new URL('./render-worker.ts', import.meta.url));
    worker.unref(); // an idle render thread must not keep the process alive
    return worker;
  }
}
