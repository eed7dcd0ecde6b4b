/** Ordering pins for the training graphs (src/train/onnx/graph.ts, winograd.ts). */
import { attrInt, DataType, type GraphBuilder } from '../../io/onnx-graph.js';

/**
 * int64 constants that depend on tensor `t`: `values` + a zero computed from t's first element.
 * onnxruntime orders nodes by a depth-first walk from the outputs, which may run a consumer long
 * before or after where the big tensors it shares with others are alive; feeding these as the
 * starts / pads / shape of a Slice, Pad or Reshape pins the order without touching any data:
 * bias, weight, then input gradient per layer; chunk k of a weight gradient after chunk k − 1 (else
 * every chunk's copies are built before the first Gemm runs, all alive at once: C3D conv2a at
 * batch 8, 1 GB instead of 200 MB).
 */
export function after(g: GraphBuilder, t: string, name: string): (values: readonly number[]) => string {
  const first = g.op('Slice', [g.op('Reshape', [t, g.int64([-1])], `${name}:after_flat`), g.int64([0]), g.int64([1])], `${name}:after_first`);
  // 0 × anything is 0 in int64 (a NaN or ∞ cast to int64 included): the values never change.
  const zero = g.op('Mul', [g.op('Cast', [first], `${name}:after_i64`, [attrInt('to', DataType.INT64)]), g.int64([0])], `${name}:after`);
  return (values) => g.op('Add', [g.int64(values), zero], `${name}:pinned`);
}

/** int64 values pinned after some tensor (see after). */
export type Pinned = (values: readonly number[]) => string;
