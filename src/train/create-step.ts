/**
 * One place that turns a backend name into a TrainStep, so the training loop, the CLI and the
 * benchmarks choose a backend by flag without importing each implementation: 'wasm' (our kernels,
 * the portable path) or 'onnxruntime' (the training graph on onnxruntime-node, src/train/onnx-step.ts).
 */
import type { NetSpec } from '../models/spec.js';
import type { TrainStep } from './step.js';
import type { ParamMemory } from './param-memory.js';
import type { TrainGraphOptions } from './onnx/graph.js';
import { createWasmStep } from './wasm-step.js';
import { useOnnxRuntime, type ExecutionProviders } from '../runtime/ort.js';

export type TrainBackendName = TrainStep['backend'];

/** Every backend name the flag accepts, implemented or not. */
export const TRAIN_BACKENDS: readonly TrainBackendName[] = ['wasm', 'onnxruntime'];

export interface CreateTrainStepOptions {
  /** Which implementation runs the step (default 'wasm'). */
  backend?: TrainBackendName;
  /** Compute threads (default: one per core). */
  threads?: number;
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu'] (onnxruntime only; default ['cpu']). */
  executionProviders?: ExecutionProviders;
  /** Where onnxruntime writes the gradients (see OnnxStepOptions.memory); the wasm step ignores it. */
  memory?: ParamMemory;
  /** Training-graph choices (onnxruntime only; src/train/onnx/graph.ts): the defaults are the measured best. */
  graph?: TrainGraphOptions;
}

/**
 * The training step for `spec` on the named backend. Throws a one-line Error for an unknown backend
 * (e.g. a typo in `--backend`) or execution providers given to the wasm backend.
 */
export async function createTrainStep(spec: NetSpec, opts: CreateTrainStepOptions = {}): Promise<TrainStep> {
  const backend: string = opts.backend ?? 'wasm';
  switch (backend) {
    case 'wasm':
      if (opts.executionProviders !== undefined) throw new Error('execution providers (--ep) apply to the onnxruntime training backend only');
      return createWasmStep(spec, opts.threads === undefined ? {} : { threads: opts.threads });
    case 'onnxruntime': {
      // Without onnxruntime-node installed (and no --ep asked for), the same step runs on wasm.
      if (!(await useOnnxRuntime(opts.executionProviders))) return createWasmStep(spec, opts.threads === undefined ? {} : { threads: opts.threads });
      const { createOnnxStep } = await import('./onnx-step.js');
      return createOnnxStep(spec, { threads: opts.threads, executionProviders: opts.executionProviders, memory: opts.memory, graph: opts.graph });
    }
    default:
      throw new Error(`unknown training backend '${backend}' (expected one of: ${TRAIN_BACKENDS.join(', ')})`);
  }
}
