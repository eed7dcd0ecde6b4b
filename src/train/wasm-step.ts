/**
 * The portable training step: our net runtime (src/nn) on the WebAssembly SIMD kernels (or any other
 * `Kernels`, e.g. the reference ones in tests). Also what runs in a browser.
 */
import type { Kernels } from '../kernels/api.js';
import { createFastKernels } from '../kernels/fast/index.js';
import type { NetSpec } from '../models/spec.js';
import { Net } from '../nn/net.js';
import type { ParamSet } from '../nn/params.js';
import type { Tensor } from '../tensor/tensor.js';
import type { StepInput, StepResult, TrainStep } from './step.js';

export interface WasmStepOptions {
  /** Compute threads (default: one per core). */
  threads?: number;
  /** Kernels to use instead of starting the fast ones (not disposed by the step). */
  kernels?: Kernels;
}

type DisposableKernels = Kernels & { dispose?(): Promise<void>; threads?: number };

export async function createWasmStep(spec: NetSpec, opts: WasmStepOptions = {}): Promise<TrainStep> {
  const owned: DisposableKernels | null = opts.kernels ? null : await createFastKernels(opts.threads === undefined ? {} : { threads: opts.threads });
  const kernels: DisposableKernels = opts.kernels ?? owned!;
  let net: Net | null = null;
  // The Net keeps a reference to the parameter map; the optimizer updates its tensors in place, so
  // one Net serves every step as long as the caller passes the same map.
  const netFor = (params: ParamSet): Net => {
    if (!net || net.params !== params) net = new Net(spec, params, kernels);
    return net;
  };
  return {
    backend: 'wasm',
    threads: kernels.threads ?? 1,
    async lossAndGrads(params: ParamSet, input: StepInput): Promise<StepResult> {
      const masks = input.dropoutMasks && input.dropoutMasks.size > 0 ? input.dropoutMasks : undefined;
      return netFor(params).lossAndGrads(input.clips, input.labels, { train: masks !== undefined, dropoutMasks: masks });
    },
    async forward(params: ParamSet, clips: Tensor, outputs: readonly string[]): Promise<Map<string, Tensor>> {
      return (await netFor(params).forward(clips, { outputs, train: false })).blobs;
    },
    async dispose() {
      net = null;
      await owned?.dispose?.();
    },
  };
}
