/**
 * Browser adapter of the fast kernels' thread pool (src/kernels/fast/pool.ts): persistent Web Workers
 * (./kernel-worker.js next to the bundle) over one shared WebAssembly memory. Shared memory needs a
 * cross-origin isolated page (COOP/COEP headers, which `c3d serve` sends).
 */
import type { ThreadPool, ThreadPoolFactory } from '../kernels/fast/pool.js';

interface Reply {
  ready?: boolean;
  done?: boolean;
  error?: string;
}

class WebThreadPool implements ThreadPool {
  private readonly pending: Array<{ resolve(): void; reject(e: Error): void } | null>;
  private dead: string | undefined;

  constructor(private readonly threads: Worker[]) {
    this.pending = threads.map(() => null);
    threads.forEach((w, i) => {
      w.onmessage = (e: MessageEvent<Reply>) => this.settle(i, e.data.error);
      w.onerror = (e) => {
        this.dead = `worker ${i} failed: ${e.message}`;
        this.settle(i, e.message);
      };
    });
  }

  get workers(): number {
    return this.threads.length;
  }

  start(blocks: readonly number[]): Promise<void> {
    if (this.dead !== undefined) return Promise.reject(new Error(`fast kernels: thread pool unusable, ${this.dead}`));
    if (blocks.length > this.threads.length) throw new Error(`fast kernels: ${blocks.length} tasks for ${this.threads.length} workers`);
    return Promise.all(
      blocks.map(
        (block, i) =>
          new Promise<void>((resolve, reject) => {
            this.pending[i] = { resolve, reject };
            this.threads[i].postMessage({ block });
          }),
      ),
    ).then(() => undefined);
  }

  async dispose(): Promise<void> {
    this.dead ??= 'disposed';
    for (const w of this.threads) w.terminate();
  }

  private settle(i: number, error: string | undefined): void {
    const p = this.pending[i];
    if (p === null) return;
    this.pending[i] = null;
    if (error === undefined) p.resolve();
    else p.reject(new Error(`fast kernels: worker ${i}: ${error}`));
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
          w.onmessage = (e: MessageEvent<Reply>) => (e.data.ready ? resolve(w) : reject(new Error(`fast kernels: worker failed to start: ${e.data.error}`)));
          w.onerror = (e) => reject(new Error(`fast kernels: worker failed to start: ${e.message}`));
          w.postMessage({ module, memory });
        }),
    ),
  );
  return new WebThreadPool(threads);
};
