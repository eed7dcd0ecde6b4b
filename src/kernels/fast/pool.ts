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

/** A worker's answer: `ready` once after start-up, then `done` or `error` per task. */
export interface WorkerReply {
  ready?: boolean;
  done?: boolean;
  error?: string;
}

/**
 * The bookkeeping both adapters share (Node worker_threads, browser Web Workers): one task in flight
 * per worker, settled by its reply; a worker that died makes every later start fail at once instead
 * of waiting for an answer that never comes. Subclasses post the message and may hold the event loop.
 */
export abstract class MessageThreadPool implements ThreadPool {
  private readonly pending: Array<{ resolve(): void; reject(e: Error): void } | null>;
  /** Why the pool cannot be used any more (a worker failed, or dispose()). */
  protected dead: string | undefined;

  constructor(readonly workers: number) {
    this.pending = Array.from({ length: workers }, () => null);
  }

  /** Sends `{ block }` to worker i. */
  protected abstract post(i: number, block: number): void;
  /** Called when worker i's task settles (e.g. to let the event loop go). */
  protected released(_i: number): void {}
  abstract dispose(): Promise<void>;

  start(blocks: readonly number[]): Promise<void> {
    if (this.dead !== undefined) return Promise.reject(new Error(`fast kernels: thread pool unusable, ${this.dead}`));
    if (blocks.length > this.workers) throw new Error(`fast kernels: ${blocks.length} tasks for ${this.workers} workers`);
    return Promise.all(
      blocks.map(
        (block, i) =>
          new Promise<void>((resolve, reject) => {
            this.pending[i] = { resolve, reject };
            this.post(i, block);
          }),
      ),
    ).then(() => undefined);
  }

  /** Worker i answered (`error` undefined: its task is done) or failed. */
  protected settle(i: number, error: string | undefined): void {
    const p = this.pending[i];
    if (!p) return;
    this.pending[i] = null;
    this.released(i);
    if (error === undefined) p.resolve();
    else p.reject(new Error(`fast kernels: worker ${i}: ${error}`));
  }

  /** Worker i failed for good: this and every later start fail with `why`. */
  protected fail(i: number, why: string, message: string): void {
    this.dead ??= why;
    this.settle(i, message);
  }
}
