import { Worker } from 'node:worker_threads';
import type { RenderJob, RenderReply } from './render-worker.ts';

/** The main thread's handle on the render worker; one job at a time. */
export class RenderThread {
  #worker: Worker | null = null;

  run(job: RenderJob): Promise<number> {
    const worker = (this.#worker ??= this.#start());
    return new Promise((resolve, reject) => {
      const onMessage = (reply: RenderReply) => {
        cleanup();
        if (reply.ok) resolve(reply.files);
        else reject(new Error(reply.message));
      };
      const onError = (error: Error) => {
        cleanup();
        this.#worker = null;
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
  }

  #start(): Worker {
    const worker = new Worker(new URL('./render-worker.ts', import.meta.url));
    worker.unref(); // an idle render thread must not keep the process alive
    return worker;
  }
}
