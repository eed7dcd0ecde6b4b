/**
 * Fully-connected layer (Caffe's InnerProduct): y = x·wᵀ + b with x (N,K), w (O,K), b (O),
 * and its gradients. Dot products accumulate in float64.
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape, ShapeError } from '../../tensor/shape.js';
import { checkBias, checkTensor } from './validate.js';

export function linearForward(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const op = 'linearForward';
  const [N, K] = checkTensor(op, x, 'x', 2);
  const ws = checkTensor(op, w, 'w', 2);
  const O = ws[0];
  if (ws[1] !== K) throw new ShapeError(`${op}: x ${formatShape(x.shape)} has ${K} features but w ${formatShape(ws)} expects ${ws[1]}`);
  checkBias(op, b, O, ws);
  const y = new Tensor([N, O]);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      let sum = b === null ? 0 : b.data[o];
      for (let k = 0; k < K; k++) sum += x.data[n * K + k] * w.data[o * K + k];
      y.data[n * O + o] = sum;
    }
  }
  return y;
}

/** dx = dy·w: (N,O)·(O,K) → (N,K). */
export function linearBackwardInput(dy: Tensor, w: Tensor): Tensor {
  const op = 'linearBackwardInput';
  const [N, O] = checkTensor(op, dy, 'dy', 2);
  const ws = checkTensor(op, w, 'w', 2);
  const K = ws[1];
  if (ws[0] !== O) throw new ShapeError(`${op}: dy ${formatShape(dy.shape)} has ${O} outputs but w ${formatShape(ws)} has ${ws[0]}`);
  const dx = new Tensor([N, K]);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let o = 0; o < O; o++) sum += dy.data[n * O + o] * w.data[o * K + k];
      dx.data[n * K + k] = sum;
    }
  }
  return dx;
}

/** dw = dyᵀ·x: (O,N)·(N,K) → (O,K). */
export function linearBackwardWeight(dy: Tensor, x: Tensor): Tensor {
  const op = 'linearBackwardWeight';
  const [N, O] = checkTensor(op, dy, 'dy', 2);
  const xs = checkTensor(op, x, 'x', 2);
  const K = xs[1];
  if (xs[0] !== N) throw new ShapeError(`${op}: dy ${formatShape(dy.shape)} and x ${formatShape(xs)} must have the same batch size`);
  const dw = new Tensor([O, K]);
  for (let o = 0; o < O; o++) {
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let n = 0; n < N; n++) sum += dy.data[n * O + o] * x.data[n * K + k];
      dw.data[o * K + k] = sum;
    }
  }
  return dw;
}

/** db = Σ_n dy[n]. */
export function linearBackwardBias(dy: Tensor): Tensor {
  const [N, O] = checkTensor('linearBackwardBias', dy, 'dy', 2);
  const db = new Tensor([O]);
  for (let o = 0; o < O; o++) {
    let sum = 0;
    for (let n = 0; n < N; n++) sum += dy.data[n * O + o];
    db.data[o] = sum;
  }
  return db;
}
