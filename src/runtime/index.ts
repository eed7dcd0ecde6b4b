/**
 * Inference backends behind one factory: `createBackend({ backend: 'onnxruntime' | 'wasm', spec, params })`.
 * Callers get a `Backend` and never know which one runs them.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import type { Kernels } from '../kernels/api.js';
import { checkParams } from '../nn/params.js';
import type { Backend, BackendName } from './backend.js';
import { createOnnxRuntimeBackend, type OnnxRuntimeOptions } from './onnxruntime-backend.js';
import { createWasmBackend } from './wasm-backend.js';
import { useOnnxRuntime } from './ort.js';

export type { Backend, BackendName } from './backend.js';
export { checkClips } from './clips.js';
export { createOnnxRuntimeBackend, type OnnxRuntimeOptions } from './onnxruntime-backend.js';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './wasm-backend.js';
export { loadOnnxRuntime, OnnxRuntimeMissingError, CUDA_PROVIDER_HINT, ONNXRUNTIME_INSTALL_HINT } from './ort.js';

export const backendNames: readonly BackendName[] = ['onnxruntime', 'wasm'];
/** The default for inference in Node: native onnxruntime. */
export const DEFAULT_BACKEND: BackendName = 'onnxruntime';

export interface CreateBackendOptions {
  backend?: BackendName;
  spec: NetSpec;
  /** `<layer>.weight` / `<layer>.bias` tensors; checked against the spec (errors list expected vs given). */
  params: ReadonlyMap<string, Tensor>;
  /** onnxruntime only: execution providers passed through (default ['cpu']). */
  executionProviders?: OnnxRuntimeOptions['executionProviders'];
  /** Compute threads (onnxruntime intra-op threads, or the wasm kernels' workers). */
  threads?: number;
  /** wasm only: the kernels to run on (default: the fast WebAssembly kernels). */
  kernels?: Kernels;
}

/** Parses a `--backend` value; throws naming the valid ones. */
export function parseBackendName(s: string): BackendName {
  if ((backendNames as readonly string[]).includes(s)) return s as BackendName;
  throw new Error(`unknown backend '${s}' (known: ${backendNames.join(', ')})`);
}

export async function createBackend(opts: CreateBackendOptions): Promise<Backend> {
  const name = opts.backend ?? DEFAULT_BACKEND;
  parseBackendName(name);
  checkParams(opts.spec, opts.params);
  if (name === 'onnxruntime') {
    if (opts.kernels !== undefined) throw new Error('backend onnxruntime: kernels apply to the wasm backend only');
    if (!(await useOnnxRuntime(opts.executionProviders))) return createWasmBackend(opts.spec, opts.params, { threads: opts.threads });
    return createOnnxRuntimeBackend(opts.spec, opts.params, { executionProviders: opts.executionProviders, threads: opts.threads });
  }
  if (opts.executionProviders !== undefined) throw new Error('backend wasm: executionProviders apply to the onnxruntime backend only');
  return createWasmBackend(opts.spec, opts.params, { threads: opts.threads, kernels: opts.kernels });
}
