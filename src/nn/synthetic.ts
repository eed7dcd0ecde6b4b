/**
 * Deterministic synthetic weights and clips from a 32-bit integer hash, implemented identically in
 * tools/fixtures/models.py (NumPy). Golden outputs of the full C3D can then be checked without
 * committing its 320 MB of weights: generator and test rebuild the same weights bit for bit.
 *
 * Element i of stream s: x = (i + s·0x9E3779B9) mod 2³², then the "lowbias32" mix
 * (x ^= x>>16; x *= 0x7feb352d; x ^= x>>15; x *= 0x846ca68b; x ^= x>>16), u = (x >> 8) / 2²⁴ ∈ [0, 1),
 * value = float32((2u − 1) · scale) computed in float64 — every step is exact or correctly rounded,
 * so NumPy and JavaScript agree exactly.
 */
import { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import { paramShapes } from '../models/shapes.js';
import type { ParamSet } from './params.js';

/** Fills a tensor of `shape` with uniform values in [−scale, scale) from stream `stream`. */
export function syntheticTensor(shape: readonly number[], stream: number, scale: number): Tensor {
  const t = new Tensor(shape);
  const d = t.data;
  const base = Math.imul(stream >>> 0, 0x9e3779b9) >>> 0;
  for (let i = 0; i < d.length; i++) {
    let x = (base + i) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    d[i] = (2 * ((x >>> 8) / 16777216) - 1) * scale;
  }
  return t;
}

/**
 * Weights that keep activations O(1) through deep ReLU stacks: weights uniform with He scale
 * √(6 / fan_in), biases uniform ±0.05. Parameter k (in `paramShapes` order) uses stream
 * seed·1000 + k + 1.
 */
export function syntheticParams(spec: NetSpec, seed = 0): ParamSet {
  const params: ParamSet = new Map();
  let k = 0;
  for (const [name, shape] of paramShapes(spec)) {
    k += 1;
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const scale = name.endsWith('.bias') ? 0.05 : Math.sqrt(6 / fanIn);
    params.set(name, syntheticTensor(shape, seed * 1000 + k, scale));
  }
  return params;
}

/** A batch of clips (N, C, L, H, W) uniform in [−1, 1) from stream seed·1000 (disjoint from the weights). */
export function syntheticClips(spec: NetSpec, batch: number, seed = 0): Tensor {
  return syntheticTensor([batch, ...spec.input], seed * 1000, 1);
}
