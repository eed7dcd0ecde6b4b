/**
 * The training step behind one small interface, so a second backend (onnxruntime graphs, issue 12)
 * can replace the wasm one without the loop knowing: parameters + a batch of clips + labels → mean
 * softmax cross-entropy and the gradient of every parameter.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { ParamSet } from '../nn/params.js';

export interface StepInput {
  /** (N, C, L, H, W) preprocessed clips. */
  clips: Tensor;
  /** Class per clip. */
  labels: Int32Array;
  /**
   * Dropout keep-masks per dropout layer name (1 = kept), each of the layer's (N, …) size, drawn by
   * the caller from its seeded streams, so every backend and every micro-batch split sees the same
   * masks. Missing or empty: dropout off (test mode, or p = 0).
   */
  dropoutMasks?: ReadonlyMap<string, Uint8Array>;
}

export interface StepResult {
  /** Mean cross-entropy over the N clips. */
  loss: number;
  /** (N, classes) logits, for training accuracy. */
  logits: Tensor;
  /**
   * dL/dθ for every parameter, L the mean over the N clips. Valid until the step's next
   * `lossAndGrads` call: a backend may write the next gradients into the same tensors (onnxruntime
   * does, to keep no second 314 MB set for C3D); copy them to keep them longer.
   */
  grads: ParamSet;
  /**
   * Σ g² of each gradient, when the backend had it for free (onnxruntime sums them in its graph, on
   * every thread): the optimizer then skips its own pass over the gradients for the global norm.
   */
  gradSumSquares?: ReadonlyMap<string, number>;
}

export interface TrainStep {
  readonly backend: 'wasm' | 'onnxruntime';
  /** Compute threads the step keeps busy. */
  readonly threads: number;
  /** Forward + backward of one (micro-)batch with the given parameters (read, not modified). */
  lossAndGrads(params: ParamSet, input: StepInput): Promise<StepResult>;
  /** Test-mode forward to the named blobs (dropout off), e.g. ['prob']. */
  forward(params: ParamSet, clips: Tensor, outputs: readonly string[]): Promise<Map<string, Tensor>>;
  dispose(): Promise<void>;
}
