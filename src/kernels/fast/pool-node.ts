/**
 * Node adapter of the thread pool: persistent worker_threads, created once and reused for every call.
 * Workers are unref()'d so an idle pool never keeps the process alive; dispose() terminates them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MessageThreadPool, type ThreadPoolFactory, type WorkerReply } from './pool.js';

/** Compute threads to use by default: one per core. */
export function defaultThreads(): number {
  return availableParallelism();
}

class NodeThreadPool extends MessageThreadPool {
  constructor(private readonly threads: Worker[]) {
    super(threads.length);
    threads.forEach((w, i) => {
      w.on('message', (m: WorkerReply) => this.settle(i, m.error));
      w.on('error', (e: Error) => this.fail(i, `worker ${i} failed: ${e.message}`, e.message));
      w.on('exit', (code) => this.fail(i, `worker ${i} exited with code ${code}`, `worker exited with code ${code}`));
    });
  }

  protected post(i: number, block: number): void {
    // Hold the event loop open only while a task is in flight.
    this.threads[i]!.ref();
    this.threads[i]!.postMessage({ block });
  }

  protected override released(i: number): void {
    this.threads[i]!.unref();
  }

  async dispose(): Promise<void> {
    this.dead ??= 'disposed';
    await Promise.all(this.threads.map((w) => w.terminate()));
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
          w.once('message', (m: WorkerReply) => (m.ready ? resolve(w) : reject(new Error(`fast kernels: worker failed to start: ${m.error}`))));
          w.once('error', reject);
        }),
    ),
  );
  for (const w of threads) w.unref();
  return new NodeThreadPool(threads);
};
