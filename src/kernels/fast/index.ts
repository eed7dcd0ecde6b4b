/**
 * The fast kernel path: WebAssembly SIMD compute core + persistent worker threads over one shared
 * memory. `createFastKernels()` compiles the core once, starts the pool, warms every op up and
 * returns kernels implementing the `Kernels` interface; call `dispose()` to stop the workers.
 */
import { Tensor } from '../../tensor/tensor.js';
import { checkBlocking } from './abi.js';
import { Arena } from './arena.js';
import { FastKernels } from './fast-kernels.js';
import { compileCore, createSharedMemory, instantiateCore, PAGE_BYTES } from './module.js';
import { noWorkers, type ThreadPoolFactory } from './pool.js';

export { FastKernels } from './fast-kernels.js';
export type { ThreadPool, ThreadPoolFactory } from './pool.js';

export interface FastKernelOptions {
  /** Compute threads including the calling one (default: one per core). 1 = no workers. */
  threads?: number;
  /** Thread-pool adapter (default: Node worker_threads); browsers pass a Web Worker adapter. */
  pool?: ThreadPoolFactory;
}

export async function createFastKernels(options: FastKernelOptions = {}): Promise<FastKernels> {
  let threads = options.threads;
  let factory = options.pool;
  if (factory === undefined || threads === undefined) {
    const node = await import('./pool-node.js');
    factory ??= node.createNodeThreadPool;
    threads ??= node.defaultThreads();
  }
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) {
    throw new RangeError(`createFastKernels: threads must be an integer in [1, 256], got ${threads}`);
  }
  const module = await compileCore();
  const memory = createSharedMemory(Math.ceil(Arena.fixedBytes(threads) / PAGE_BYTES) + 16);
  const core = await instantiateCore(module, memory);
  checkBlocking(core);
  const arena = new Arena(memory, core.heapBase(), threads);
  const pool = threads > 1 ? await factory(module, memory, threads - 1) : noWorkers;
  const kernels = new FastKernels(core, arena, pool);
  try {
    await warmUp(kernels);
  } catch (e) {
    await kernels.dispose();
    throw e;
  }
  return kernels;
}

/**
 * Runs every core entry point a few times on every thread on small problems. V8 starts wasm in its
 * baseline compiler and tiers a function up only between calls, so the first long call of an op would
 * otherwise run entirely in baseline code.
 */
async function warmUp(k: FastKernels): Promise<void> {
  const fill = (shape: number[]) => {
    const t = new Tensor(shape);
    for (let i = 0; i < t.size; i++) t.data[i] = ((i * 7919) % 17) / 17 - 0.5;
    return t;
  };
  const p = { stride: [1, 1, 1] as const, pad: [1, 1, 1] as const };
  // Rows of 12: some im2col panels sit on one output row, others span two (both packing paths).
  const x = fill([1, 8, 4, 12, 12]);
  const w = fill([32, 8, 3, 3, 3]);
  for (let i = 0; i < 3; i++) {
    const y = await k.conv3dForward(x, w, null, p);
    await k.conv3dBackwardInput(y, w, x.shape, p);
    await k.conv3dBackwardWeight(x, y, w.shape, p);
    const pooled = await k.maxPool3dForward(y, { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'ceil' });
    await k.maxPool3dBackward(pooled.y, pooled.argmax, y.shape);
    const a = fill([16, 256]);
    const fc = fill([256, 256]);
    const o = await k.linearForward(a, fc, null);
    await k.linearBackwardInput(o, fc);
    await k.linearBackwardWeight(o, a);
  }
}
