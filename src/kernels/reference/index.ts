/**
 * The reference kernel path: plain TypeScript, one direct loop nest per op, float64 accumulation.
 * It is the readable spec the tests trust (checked against PyTorch fixtures) and the fallback
 * where WebAssembly is unavailable; it is not meant to be fast.
 */
import type { Kernels } from '../api.js';
import { conv3dBackwardBias, conv3dBackwardInput, conv3dBackwardWeight, conv3dForward } from './conv3d.js';
import { maxPool3dBackward, maxPool3dForward } from './pool3d.js';
import { linearBackwardBias, linearBackwardInput, linearBackwardWeight, linearForward } from './linear.js';
import { dropout, dropoutBackward, relu, reluBackward, softmax } from './activations.js';
import { softmaxCrossEntropy } from './loss.js';

export const referenceKernels: Kernels = {
  name: 'reference',
  // The interface is async for the threaded fast path; the reference ops are synchronous, and a
  // throw inside an async method surfaces as a rejected promise, as callers expect.
  async conv3dForward(x, w, b, p, opts) { return conv3dForward(x, w, b, p, opts); },
  async conv3dBackwardInput(dy, w, xShape, p) { return conv3dBackwardInput(dy, w, xShape, p); },
  async conv3dBackwardWeight(x, dy, wShape, p) { return conv3dBackwardWeight(x, dy, wShape, p); },
  async conv3dBackwardBias(dy) { return conv3dBackwardBias(dy); },
  async maxPool3dForward(x, p) { return maxPool3dForward(x, p); },
  async maxPool3dBackward(dy, argmax, xShape) { return maxPool3dBackward(dy, argmax, xShape); },
  async linearForward(x, w, b) { return linearForward(x, w, b); },
  async linearBackwardInput(dy, w) { return linearBackwardInput(dy, w); },
  async linearBackwardWeight(dy, x) { return linearBackwardWeight(dy, x); },
  async linearBackwardBias(dy) { return linearBackwardBias(dy); },
  relu,
  reluBackward,
  dropout,
  dropoutBackward,
  softmax,
  softmaxCrossEntropy,
};

export { convOutputSize, poolOutputSize, conv3dOutputDims, pool3dOutputDims } from './sizes.js';
export * from './validate.js';
