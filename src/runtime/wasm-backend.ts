/**
 * The `wasm` backend: the spec run by our own net runtime (src/nn) on a `Kernels` implementation —
 * the WebAssembly SIMD kernels by default, or any other (e.g. the plain-TypeScript reference kernels).
 */
import type { Kernels } from '../kernels/api.js';
import { createFastKernels } from '../kernels/fast/index.js';
import { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import { Net } from '../nn/net.js';
import type { Backend } from './backend.js';
import { checkClips, checkOutputs } from './clips.js';

export interface WasmBackendOptions {
  /** Worker threads for the fast kernels (default: theirs). */
  threads?: number;
  /** Kernels to run on (default: the fast WebAssembly kernels, started and stopped with the backend). */
  kernels?: Kernels;
  /**
   * Clips per forward pass (default 1): a batch runs as consecutive passes of this many clips, whose
   * outputs are concatenated. C3D's activations are ~50 MB per clip per layer; big batches only add
   * memory traffic, and the fc layers (where batching would pay) are ~4% of the work.
   */
  microBatch?: number;
}

type DisposableKernels = Kernels & { dispose?(): Promise<void> };

/** The wasm backend also says which kernels run it ('fast' or 'reference'), for logs and benchmarks. */
export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  readonly kernelsName: string;
}

export async function createWasmBackend(spec: NetSpec, params: ReadonlyMap<string, Tensor>, opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const microBatch = opts.microBatch ?? 1;
  if (!Number.isSafeInteger(microBatch) || microBatch < 1) throw new Error(`wasm backend: microBatch must be a positive integer, got ${microBatch}`);
  const owned = opts.kernels ? null : await createFastKernels(opts.threads === undefined ? {} : { threads: opts.threads });
  const kernels: DisposableKernels = opts.kernels ?? owned!;
  let net: Net | null;
  try {
    net = new Net(spec, new Map(params), kernels);
  } catch (err) {
    await owned?.dispose?.();
    throw err;
  }
  const outputNames = net.blobNames;
  const [c, l, h, w] = spec.input;
  return {
    name: 'wasm',
    outputNames,
    inputShape: [c, l, h, w],
    // The fast kernels say how many threads they run; other kernels (the reference) run on this one.
    threads: (kernels as { threads?: number }).threads ?? 1,
    kernelsName: kernels.name,
    async run(clips, outputs) {
      const current = net;
      if (!current) throw new Error('wasm backend: used after dispose()');
      checkClips(spec, clips);
      checkOutputs(spec, outputNames, outputs);
      const n = clips.shape[0]!;
      if (n <= microBatch) return (await current.forward(clips, { outputs, train: false })).blobs;
      const clipSize = clips.size / n;
      const result = new Map<string, Tensor>();
      for (let start = 0; start < n; start += microBatch) {
        const m = Math.min(microBatch, n - start);
        const part = new Tensor([m, ...clips.shape.slice(1)], clips.data.subarray(start * clipSize, (start + m) * clipSize));
        const blobs = (await current.forward(part, { outputs, train: false })).blobs;
        for (const [name, t] of blobs) {
          let all = result.get(name);
          if (!all) result.set(name, (all = new Tensor([n, ...t.shape.slice(1)])));
          all.data.set(t.data, (start * t.size) / m);
        }
      }
      return result;
    },
    async dispose() {
      net = null;
      await owned?.dispose?.();
    },
  };
}
