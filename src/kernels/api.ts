/**
 * The kernel interface: every compute op the nets need, declared once. Two implementations
 * register against it — the plain-TypeScript reference path (`reference/`, the readable spec the
 * tests trust) and the fast WebAssembly SIMD path (`fast/`, threads over one shared memory).
 * Layouts follow Caffe/PyTorch: activations NCDHW, conv weights (out, in, kd, kh, kw),
 * fully-connected weights (out, in). Async because the fast path waits on worker threads.
 * All ops validate their arguments and throw ShapeError naming the op and shapes.
 */
import type { Tensor } from '../tensor/tensor.js';

/** Per-axis triple in (depth = time, height, width) order. */
export type Triple = readonly [number, number, number];

export interface Conv3dParams {
  /** Stride per axis (d, h, w); Caffe's Convolution3D has temporal_stride + stride. */
  stride: Triple;
  /** Zero padding per axis (d, h, w), applied at both ends. */
  pad: Triple;
}

/** Options of the forward convolution. */
export interface ConvForwardOptions {
  /**
   * Apply ReLU to the output (v < 0 ? 0 : v), as a conv layer followed by Caffe's in-place ReLU; the
   * fast path does it while writing the output, saving a pass over the activation.
   */
  relu?: boolean;
}

/**
 * Max pooling. `rounding: 'ceil'` is Caffe's Pooling3D: output size = ceil((in + 2·pad − k) / s) + 1,
 * windows start at −pad and the last one may be ragged (clipped to the input), with Caffe's rule that
 * the last window must start inside the input (+pad). `'floor'` is PyTorch's default (ceil_mode=False).
 */
export interface Pool3dParams {
  kernel: Triple;
  stride: Triple;
  pad: Triple;
  rounding: 'ceil' | 'floor';
}

export interface PoolResult {
  y: Tensor;
  /** For each output element, the flat index (within its (n, c) input volume) of the max: Caffe's "switches". */
  argmax: Int32Array;
}

export interface Kernels {
  readonly name: string;

  /** y = conv3d(x, w) + b. x (N,C,D,H,W), w (O,C,kd,kh,kw), b (O) or null → y (N,O,D',H',W'). */
  conv3dForward(x: Tensor, w: Tensor, b: Tensor | null, p: Conv3dParams, opts?: ConvForwardOptions): Promise<Tensor>;
  /** dL/dx given dL/dy and w; `xShape` is the forward input's shape. */
  conv3dBackwardInput(dy: Tensor, w: Tensor, xShape: readonly number[], p: Conv3dParams): Promise<Tensor>;
  /** dL/dw given x and dL/dy; `wShape` is (O,C,kd,kh,kw). */
  conv3dBackwardWeight(x: Tensor, dy: Tensor, wShape: readonly number[], p: Conv3dParams): Promise<Tensor>;
  /** dL/db: dy summed over N, D, H, W → (O). */
  conv3dBackwardBias(dy: Tensor): Promise<Tensor>;

  maxPool3dForward(x: Tensor, p: Pool3dParams): Promise<PoolResult>;
  /** Routes dy back through the switches into a zero tensor of `xShape`. */
  maxPool3dBackward(dy: Tensor, argmax: Int32Array, xShape: readonly number[]): Promise<Tensor>;

  /** y = x·wᵀ + b. x (N,K), w (O,K), b (O) or null → (N,O). */
  linearForward(x: Tensor, w: Tensor, b: Tensor | null): Promise<Tensor>;
  /** dx = dy·w → (N,K). */
  linearBackwardInput(dy: Tensor, w: Tensor): Promise<Tensor>;
  /** dw = dyᵀ·x → (O,K). */
  linearBackwardWeight(dy: Tensor, x: Tensor): Promise<Tensor>;
  /** db = Σ_n dy → (O). */
  linearBackwardBias(dy: Tensor): Promise<Tensor>;

  relu(x: Tensor): Tensor;
  /** dx = dy where y > 0 (y is the ReLU output), else 0. */
  reluBackward(dy: Tensor, y: Tensor): Tensor;
  /** Inverted dropout (Caffe scales kept units by 1/(1−p) at train time); returns output and mask. */
  dropout(x: Tensor, p: number, random: () => number): { y: Tensor; mask: Uint8Array };
  dropoutBackward(dy: Tensor, mask: Uint8Array, p: number): Tensor;
  /** Row-wise softmax over the last dim of (N,K). */
  softmax(x: Tensor): Tensor;
  /**
   * Optional: the caller will never read `t` again, so the kernels may reuse its memory for a later
   * output (the fast path recycles big activations instead of faulting in fresh pages every pass).
   */
  release?(t: Tensor | Int32Array): void;

  /** Mean softmax cross-entropy over the batch and its gradient w.r.t. the logits. labels: class per row. */
  softmaxCrossEntropy(logits: Tensor, labels: Int32Array): { loss: number; grad: Tensor };
}
