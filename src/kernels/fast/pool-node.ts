/**
 * Node adapter of the thread pool: persistent worker_threads, created once and reused for every call.
 * Workers are unref()'d so an idle pool never keeps the process alive; dispose() terminates them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ThreadPool, ThreadPoolFactory } from './pool.js';

interface Reply {
  ready?: boolean;
  done?: boolean;
  error?: string;
}

/** Compute threads to use by default: one per core. */
export function defaultThreads(): number {
  return availableParallelism();
}

class NodeThreadPool implements ThreadPool {
  private readonly pending: Array<{ resolve(): void; reject(e: Error): void } | null>;
  private dead: string | undefined;

  constructor(private readonly threads: Worker[]) {
    this.pending = threads.map(() => null);
    threads.forEach((w, i) => {
      w.on('message', (m: Reply) => this.settle(i, m.error));
      w.on('error', (e: Error) => {
        this.dead = `worker ${i} failed: ${e.message}`;
        this.settle(i, e.message);
      });
      w.on('exit', (code) => {
        this.dead ??= `worker ${i} exited with code ${code}`;
        this.settle(i, `worker exited with code ${code}`);
      });
    });
  }

  get workers(): number {
    return this.threads.length;
  }

  start(blocks: readonly number[]): Promise<void> {
    // A message to a dead worker would never be answered: fail instead of hanging.
    if (this.dead !== undefined) return Promise.reject(new Error(`fast kernels: thread pool unusable, ${this.dead}`));
    if (blocks.length > this.threads.length) throw new Error(`fast kernels: ${blocks.length} tasks for ${this.threads.length} workers`);
    return Promise.all(
      blocks.map(
        (block, i) =>
          new Promise<void>((resolve, reject) => {
            this.pending[i] = { resolve, reject };
            // Hold the event loop open only while a task is in flight.
            this.threads[i].ref();
            this.threads[i].postMessage({ block });
          }),
      ),
    ).then(() => undefined);
  }

  async dispose(): Promise<void> {
    this.dead ??= 'disposed';
    await Promise.all(this.threads.map((w) => w.terminate()));
  }

  private settle(i: number, error: string | undefined): void {
    const p = this.pending[i];
    if (p === null) return;
    this.pending[i] = null;
    this.threads[i].unref();
    if (error === undefined) p.resolve();
    else p.reject(new Error(`fast kernels: worker ${i}: ${error}`));
  }
}

export const createNodeThreadPool: ThreadPoolFactory = async (module, memory, workers) => {
  const url = new URL('./worker-node.js', import.meta.url);
  const threads = await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<Worker>((resolve, reject) => {
          const w = new Worker(url, { workerData: { module, memory } });
          w.once('message', (m: Reply) => (m.ready ? resolve(w) : reject(new Error(`fast kernels: worker failed to start: ${m.error}`))));
          w.once('error', reject);
        }),
    ),
  );
  for (const w of threads) w.unref();
  return new NodeThreadPool(threads);
};
