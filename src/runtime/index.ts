/**
 * Inference backends behind one factory: `createBackend({ backend: 'onnxruntime' | 'wasm', spec, params })`.
 * Callers get a `Backend` and never know which one runs them.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import type { Kernels } from '../kernels/api.js';
import { checkParams } from '../nn/params.js';
import type { Backend, BackendName, Precision } from './backend.js';
import { quantizeNet, type QuantizeOptions } from '../quant/quantize-net.js';
import { createOnnxRuntimeBackend, type OnnxRuntimeOptions } from './onnxruntime-backend.js';
import { createWasmBackend } from './wasm-backend.js';
import { loadOnnxRuntime, useOnnxRuntime } from './ort.js';

export type { Backend, BackendName, Precision } from './backend.js';
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
  /** 'fp32' (default) or 'int8' (onnxruntime only; needs `int8Model` or `calibration`, see docs/int8.md). */
  precision?: Precision;
  /** int8: a ready model written by `c3d quantize` (WeightSet.int8.model), run as it is. */
  int8Model?: Uint8Array;
  /** int8 without a ready model: calibrate on these clips (N, C, L, H, W) and quantise now. */
  calibration?: QuantizeOptions & { clips: Tensor };
}

export const precisions: readonly Precision[] = ['fp32', 'int8'];

/** A precision that cannot be had here (int8 on wasm, int8 without calibration…); one line. */
export class PrecisionError extends Error {
  override name = 'PrecisionError';
}

/** Parses a `--precision` value; throws naming the valid ones. */
export function parsePrecision(s: string): Precision {
  if ((precisions as readonly string[]).includes(s)) return s as Precision;
  throw new PrecisionError(`unknown precision '${s}' (known: ${precisions.join(', ')})`);
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
  const precision = opts.precision ?? 'fp32';
  parsePrecision(precision);
  if (precision === 'int8') return createInt8Backend(name, opts);
  if (opts.int8Model) throw new PrecisionError('these weights are an int8 model (c3d quantize): run them with precision int8, or load the fp32 weights it was made from');
  if (name === 'onnxruntime') {
    if (opts.kernels !== undefined) throw new Error('backend onnxruntime: kernels apply to the wasm backend only');
    if (!(await useOnnxRuntime(opts.executionProviders))) return createWasmBackend(opts.spec, opts.params, { threads: opts.threads });
    return createOnnxRuntimeBackend(opts.spec, opts.params, { executionProviders: opts.executionProviders, threads: opts.threads });
  }
  if (opts.executionProviders !== undefined) throw new Error('backend wasm: executionProviders apply to the onnxruntime backend only');
  return createWasmBackend(opts.spec, opts.params, { threads: opts.threads, kernels: opts.kernels });
}

/** int8: onnxruntime's CPU kernels on the quantised graph (src/quant); the wasm kernels are fp32 only. */
async function createInt8Backend(name: BackendName, opts: CreateBackendOptions): Promise<Backend> {
  if (name === 'wasm') throw new PrecisionError('precision int8 runs on the onnxruntime backend only (the wasm kernels compute in fp32): use --backend onnxruntime or --precision fp32');
  if (opts.kernels !== undefined) throw new Error('backend onnxruntime: kernels apply to the wasm backend only');
  await loadOnnxRuntime(); // int8 never falls back to the (fp32) wasm backend: a missing onnxruntime is an error
  let bytes = opts.int8Model;
  if (!bytes) {
    if (!opts.calibration) {
      throw new PrecisionError('precision int8 needs calibration: an .int8.onnx written by `c3d quantize`, or calibration clips (--calibrate-clips N)');
    }
    const { clips, ...quantizeOptions } = opts.calibration;
    bytes = (await quantizeNet(opts.spec, opts.params, clips, { threads: opts.threads, ...quantizeOptions })).bytes;
  }
  return createOnnxRuntimeBackend(opts.spec, opts.params, {
    executionProviders: opts.executionProviders, threads: opts.threads, model: { bytes, precision: 'int8' },
  });
}
