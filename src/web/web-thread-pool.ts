/**
 * Browser adapter of the fast kernels' thread pool (src/kernels/fast/pool.ts): persistent Web Workers
 * (./kernel-worker.js next to the bundle) over one shared WebAssembly memory. Shared memory needs a
 * cross-origin isolated page (COOP/COEP headers, which `c3d serve` sends).
 */
import { MessageThreadPool, type ThreadPoolFactory, type WorkerReply } from '../kernels/fast/pool.js';

class WebThreadPool extends MessageThreadPool {
  constructor(private readonly threads: Worker[]) {
    super(threads.length);
    threads.forEach((w, i) => {
      w.onmessage = (e: MessageEvent<WorkerReply>) => this.settle(i, e.data.error);
      w.onerror = (e) => this.fail(i, `worker ${i} failed: ${e.message}`, e.message);
    });
  }

  protected post(i: number, block: number): void {
    this.threads[i]!.postMessage({ block });
  }

  async dispose(): Promise<void> {
    this.dead ??= 'disposed';
    for (const w of this.threads) w.terminate();
  }
}

/** Starts `workers` Web Workers, each instantiating the core over `memory`. */
export const createWebThreadPool: ThreadPoolFactory = async (module, memory, workers) => {
  if (!globalThis.crossOriginIsolated) throw new Error('our wasm kernels need threads over shared memory: serve the page with COOP/COEP headers (c3d serve does) or use threads=1');
  const url = new URL('./kernel-worker.js', import.meta.url);
  const threads = await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<Worker>((resolve, reject) => {
          const w = new Worker(url, { type: 'module' });
          w.onmessage = (e: MessageEvent<WorkerReply>) => (e.data.ready ? resolve(w) : reject(new Error(`fast kernels: worker failed to start: ${e.data.error}`)));
          w.onerror = (e) => reject(new Error(`fast kernels: worker failed to start: ${e.message}`));
          w.postMessage({ module, memory });
        }),
    ),
  );
  return new WebThreadPool(threads);
};
