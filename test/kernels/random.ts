/** Deterministic random numbers for the kernel tests (no dependency on Math.random). */
import { Tensor } from '../../src/tensor/index.js';

/** A small uniform [0, 1) generator (32-bit LCG): the same seed gives the same sequence anywhere. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A tensor of uniform values in [lo, hi). */
export function uniformTensor(shape: readonly number[], random: () => number, lo = -1, hi = 1): Tensor {
  const t = new Tensor(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = lo + (hi - lo) * random();
  return t;
}
