/**
 * An inference backend runs one built net (spec + weights) on batches of clips. Two implementations:
 * `wasm` (our kernels) and `onnxruntime` (native, default for inference in Node). Callers never know
 * which one runs them (the TensorFlow.js idea: an op declared once, a kernel per backend).
 */
import type { Tensor } from '../tensor/tensor.js';

export type BackendName = 'wasm' | 'onnxruntime';

/** Arithmetic of the convolutions: fp32, or int8 (static quantisation, src/quant; onnxruntime only). */
export type Precision = 'fp32' | 'int8';

export interface Backend {
  readonly name: BackendName;
  /** Names of the blobs this net can return (e.g. conv5b, pool5, fc6, fc7, fc8, prob). */
  readonly outputNames: readonly string[];
  /** Input clip shape without the batch dim, (C, L, H, W), e.g. (3, 16, 112, 112). */
  readonly inputShape: readonly [number, number, number, number];
  /** CPU threads a forward pass keeps busy (undefined when unknown, e.g. a GPU execution provider). */
  readonly threads?: number;
  /** 'int8' when the convs run quantised (src/quant); fp32 when absent. */
  readonly precision?: Precision;
  /**
   * Runs a batch of preprocessed clips (N, C, L, H, W) and returns the requested blobs, each with
   * the batch as dim 0. fc6/fc7 are post-ReLU (Caffe's in-place ReLU), as the C3D descriptor is.
   */
  run(clips: Tensor, outputs: readonly string[]): Promise<Map<string, Tensor>>;
  /** Frees native sessions / worker threads. */
  dispose(): Promise<void>;
}
