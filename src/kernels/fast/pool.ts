/**
 * The thread-pool contract of the fast path. The calling thread always computes one share itself; a
 * pool adds `workers` more threads, each with its own instance of the compute core over the same
 * shared memory. Kept free of Node APIs so a browser adapter (Web Workers) can implement it too.
 */
export interface ThreadPool {
  /** Worker threads besides the calling one. */
  readonly workers: number;
  /** Starts `run(blocks[i])` on worker i (blocks.length ≤ workers); resolves when all have finished. */
  start(blocks: readonly number[]): Promise<void>;
  /** Terminates the workers. */
  dispose(): Promise<void>;
}

/** Creates a pool of `workers` threads over `memory`, each instantiating `module`. */
export type ThreadPoolFactory = (module: WebAssembly.Module, memory: WebAssembly.Memory, workers: number) => Promise<ThreadPool>;

/** No extra threads: everything runs on the calling thread. */
export const noWorkers: ThreadPool = {
  workers: 0,
  async start(blocks) {
    if (blocks.length > 0) throw new Error('fast kernels: no worker threads to run on');
  },
  async dispose() {},
};
