/** Element-wise and row-wise activations: ReLU, inverted dropout, softmax. */
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../tensor/shape.js';
import { checkDropoutP, checkExpectedShape, checkMask, checkTensor } from './validate.js';

/** max(0, x); NaN passes through (as in PyTorch) rather than being hidden as 0. */
export function relu(x: Tensor): Tensor {
  checkTensor('relu', x, 'x');
  const y = new Tensor(x.shape);
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i];
    y.data[i] = v < 0 ? 0 : v;
  }
  return y;
}

/**
 * relu, overwriting t: Caffe's in-place ReLU layer (and a conv's fused ReLU). Returns t.
 * A second activation of the same size would cost several times the ReLU itself.
 */
export function reluInPlace(t: Tensor): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (d[i]! < 0) d[i] = 0;
  return t;
}

/**
 * dx = dy where the ReLU output y > 0, else 0. Taking y rather than x lets the in-place ReLU
 * of Caffe (which overwrites x with y) be differentiated too.
 */
export function reluBackward(dy: Tensor, y: Tensor): Tensor {
  const op = 'reluBackward';
  const ds = checkTensor(op, dy, 'dy');
  checkExpectedShape(op, checkTensor(op, y, 'y'), ds, 'y', 'the shape of dy');
  const dx = new Tensor(ds);
  for (let i = 0; i < dy.size; i++) dx.data[i] = y.data[i] > 0 ? dy.data[i] : 0;
  return dx;
}

/**
 * Inverted dropout, Caffe's train-time form: each unit is kept with probability 1 − p (kept when
 * `random()` ≥ p, `random` uniform in [0, 1)) and scaled by 1/(1 − p), so test time is the
 * identity. mask[i] = 1 for kept units.
 */
export function dropout(x: Tensor, p: number, random: () => number): { y: Tensor; mask: Uint8Array } {
  const op = 'dropout';
  checkTensor(op, x, 'x');
  checkDropoutP(op, p);
  if (typeof random !== 'function') throw new ShapeError(`${op}: random must be a function returning numbers in [0, 1)`);
  const scale = 1 / (1 - p);
  const y = new Tensor(x.shape);
  const mask = new Uint8Array(x.size);
  for (let i = 0; i < x.size; i++) {
    if (random() >= p) {
      mask[i] = 1;
      y.data[i] = x.data[i] * scale;
    }
  }
  return { y, mask };
}

/** dx = dy · mask / (1 − p): the same scaling as the forward pass. */
export function dropoutBackward(dy: Tensor, mask: Uint8Array, p: number): Tensor {
  const op = 'dropoutBackward';
  const ds = checkTensor(op, dy, 'dy');
  checkMask(op, mask, ds);
  checkDropoutP(op, p);
  const scale = 1 / (1 - p);
  const dx = new Tensor(ds);
  for (let i = 0; i < dy.size; i++) dx.data[i] = mask[i] ? dy.data[i] * scale : 0;
  return dx;
}

/** log Σ exp(row), stable: the row max is taken out before exponentiating. */
export function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (let k = 0; k < row.length; k++) max = Math.max(max, row[k]);
  let sum = 0;
  for (let k = 0; k < row.length; k++) sum += Math.exp(row[k] - max);
  return Math.log(sum) + max;
}

/** Row-wise softmax of (N,K), stable: the row max is subtracted before exponentiating. */
export function softmax(x: Tensor): Tensor {
  const [N, K] = checkTensor('softmax', x, 'x', 2);
  const y = new Tensor([N, K]);
  for (let n = 0; n < N; n++) {
    const row = x.data.subarray(n * K, (n + 1) * K);
    const lse = logSumExp(row);
    for (let k = 0; k < K; k++) y.data[n * K + k] = Math.exp(row[k] - lse);
  }
  return y;
}
