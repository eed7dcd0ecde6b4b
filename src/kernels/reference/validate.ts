/**
 * Argument checks shared by every kernel path. Each runs before any memory is touched and throws
 * ShapeError with a one-line message that names the op and the shapes involved. The `shapeOf…`
 * functions also return the result shape, so a path cannot compute it differently from the checks.
 */
import type { Conv3dParams, Pool3dParams, Triple } from '../api.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt, checkRank, checkShape, formatShape, ShapeError, sizeOf, type Shape } from '../../tensor/shape.js';
import { conv3dOutputDims, pool3dOutputDims } from './sizes.js';

/**
 * Checks that `t` is a tensor of Float32 data matching its shape (rank `rank` when given) and
 * returns its shape. Catches objects that merely look like tensors (e.g. Float64Array data).
 */
export function checkTensor(op: string, t: Tensor, what: string, rank?: number): Shape {
  if (t === null || typeof t !== 'object' || !Array.isArray(t.shape)) {
    throw new ShapeError(`${op}: ${what} must be a Tensor, got ${typeName(t)}`);
  }
  if (!(t.data instanceof Float32Array)) {
    throw new ShapeError(`${op}: ${what} ${formatShape(t.shape)} must hold Float32Array data, got ${typeName(t.data)}`);
  }
  if (rank === undefined) checkShape(op, t.shape, what);
  else checkRank(op, t.shape, rank, what);
  if (t.data.length !== sizeOf(t.shape)) {
    throw new ShapeError(`${op}: ${what} ${formatShape(t.shape)} needs ${sizeOf(t.shape)} elements, data has ${t.data.length}`);
  }
  return t.shape;
}

/** A caller-given shape (e.g. the forward input's shape for a backward op). */
export function checkShapeArg(op: string, shape: Shape, what: string, rank: number): Shape {
  if (!Array.isArray(shape)) throw new ShapeError(`${op}: ${what} must be an array of dims, got ${typeName(shape)}`);
  checkRank(op, shape, rank, what);
  return shape;
}

function checkTriple(op: string, name: string, v: Triple, min: number): void {
  if (!Array.isArray(v) || v.length !== 3) {
    throw new ShapeError(`${op}: ${name} must be a (d, h, w) triple, got ${Array.isArray(v) ? formatShape(v) : typeName(v)}`);
  }
  for (const x of v) checkInt(op, `${name} ${formatShape(v)}`, x, min);
}

export function checkConv3dParams(op: string, p: Conv3dParams): void {
  if (p === null || typeof p !== 'object') throw new ShapeError(`${op}: params must be an object, got ${typeName(p)}`);
  checkTriple(op, 'stride', p.stride, 1);
  checkTriple(op, 'pad', p.pad, 0);
}

/**
 * Pool params. pad < kernel per axis guarantees every window holds at least one real input
 * element (PyTorch is stricter: pad ≤ kernel / 2).
 */
export function checkPool3dParams(op: string, p: Pool3dParams): void {
  if (p === null || typeof p !== 'object') throw new ShapeError(`${op}: params must be an object, got ${typeName(p)}`);
  checkTriple(op, 'kernel', p.kernel, 1);
  checkTriple(op, 'stride', p.stride, 1);
  checkTriple(op, 'pad', p.pad, 0);
  if (p.rounding !== 'ceil' && p.rounding !== 'floor') {
    throw new ShapeError(`${op}: rounding must be 'ceil' or 'floor', got ${String(p.rounding)}`);
  }
  for (let i = 0; i < 3; i++) {
    if (p.pad[i] >= p.kernel[i]) {
      throw new ShapeError(`${op}: pad ${formatShape(p.pad)} must be smaller than kernel ${formatShape(p.kernel)} on every axis`);
    }
  }
}

/** Output shape (N, O, D', H', W') of conv3d for input `x` (N,C,D,H,W) and weights `w` (O,C,kd,kh,kw). */
export function shapeOfConv3d(op: string, x: Shape, w: Shape, p: Conv3dParams): Shape {
  checkConv3dParams(op, p);
  if (x[1] !== w[1]) {
    throw new ShapeError(`${op}: x ${formatShape(x)} has ${x[1]} channels but w ${formatShape(w)} expects ${w[1]}`);
  }
  const kernel: Triple = [w[2], w[3], w[4]];
  const out = conv3dOutputDims([x[2], x[3], x[4]], kernel, p.stride, p.pad);
  if (out.some((d) => d <= 0)) {
    throw new ShapeError(
      `${op}: output size ≤ 0: x ${formatShape(x)} with kernel ${formatShape(kernel)}, ` +
        `stride ${formatShape(p.stride)}, pad ${formatShape(p.pad)} gives ${formatShape(out)}`,
    );
  }
  return [x[0], w[0], out[0], out[1], out[2]];
}

/** Output shape (N, C, D', H', W') of max pooling for input `x` (N,C,D,H,W). */
export function shapeOfPool3d(op: string, x: Shape, p: Pool3dParams): Shape {
  checkPool3dParams(op, p);
  const out = pool3dOutputDims([x[2], x[3], x[4]], p);
  if (out.some((d) => d <= 0)) {
    throw new ShapeError(
      `${op}: output size ≤ 0: x ${formatShape(x)} with kernel ${formatShape(p.kernel)}, ` +
        `stride ${formatShape(p.stride)}, pad ${formatShape(p.pad)} gives ${formatShape(out)}`,
    );
  }
  return [x[0], x[1], out[0], out[1], out[2]];
}

/** Throws unless `actual` equals the shape the op expects, naming both. */
export function checkExpectedShape(op: string, actual: Shape, expected: Shape, what: string, why: string): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: ${what} ${formatShape(actual)} should be ${formatShape(expected)} (${why})`);
  }
}

/** Bias (O) for a layer with `outputs` outputs, or null. */
export function checkBias(op: string, b: Tensor | null, outputs: number, wShape: Shape): void {
  if (b === null) return;
  const shape = checkTensor(op, b, 'b', 1);
  if (shape[0] !== outputs) {
    throw new ShapeError(`${op}: b ${formatShape(shape)} must have ${outputs} elements to match w ${formatShape(wShape)}`);
  }
}

/** Class labels: an Int32Array of `rows` integers in [0, classes). */
export function checkLabels(op: string, labels: Int32Array, rows: number, classes: number, logits: Shape): void {
  if (!(labels instanceof Int32Array)) {
    throw new ShapeError(`${op}: labels must be an Int32Array, got ${typeName(labels)}`);
  }
  if (labels.length !== rows) {
    throw new ShapeError(`${op}: ${labels.length} labels for logits ${formatShape(logits)} (need ${rows})`);
  }
  for (let i = 0; i < rows; i++) {
    if (labels[i] < 0 || labels[i] >= classes) {
      throw new ShapeError(`${op}: label ${labels[i]} at row ${i} out of range [0, ${classes}) for logits ${formatShape(logits)}`);
    }
  }
}

/** Pool switches: one Int32Array index per output element, each inside its (n, c) input volume. */
export function checkArgmax(op: string, argmax: Int32Array, dy: Shape, xShape: Shape): void {
  if (!(argmax instanceof Int32Array)) {
    throw new ShapeError(`${op}: argmax must be an Int32Array, got ${typeName(argmax)}`);
  }
  if (argmax.length !== sizeOf(dy)) {
    throw new ShapeError(`${op}: argmax has ${argmax.length} entries but dy ${formatShape(dy)} has ${sizeOf(dy)}`);
  }
  const volume = xShape[2] * xShape[3] * xShape[4];
  for (let i = 0; i < argmax.length; i++) {
    if (argmax[i] < 0 || argmax[i] >= volume) {
      throw new ShapeError(`${op}: argmax[${i}] = ${argmax[i]} is outside the input volume of xShape ${formatShape(xShape)}`);
    }
  }
}

/** Dropout probability in [0, 1): p = 1 would divide by zero in the 1/(1−p) scaling. */
export function checkDropoutP(op: string, p: number): void {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p >= 1) {
    throw new ShapeError(`${op}: dropout probability must be in [0, 1), got ${String(p)}`);
  }
}

/** A keep/drop mask of one byte per element. */
export function checkMask(op: string, mask: Uint8Array, shape: Shape): void {
  if (!(mask instanceof Uint8Array)) throw new ShapeError(`${op}: mask must be a Uint8Array, got ${typeName(mask)}`);
  if (mask.length !== sizeOf(shape)) {
    throw new ShapeError(`${op}: mask has ${mask.length} entries but dy ${formatShape(shape)} has ${sizeOf(shape)}`);
  }
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'object';
}

/** Arguments of maxPool3dBackward: dy, its switches and the forward input's shape; returns (dy, x) shapes. */
export function checkPoolBackward(op: string, dy: Tensor, argmax: Int32Array, xShape: readonly number[]): { ds: Shape; xs: Shape } {
  const ds = checkTensor(op, dy, 'dy', 5);
  const xs = checkShapeArg(op, xShape, 'xShape', 5);
  if (ds[0] !== xs[0] || ds[1] !== xs[1]) {
    throw new ShapeError(`${op}: dy ${formatShape(ds)} and xShape ${formatShape(xs)} must agree on batch and channels`);
  }
  checkArgmax(op, argmax, ds, xs);
  return { ds, xs };
}
