/**
 * Synthetic descriptors with known structure, for tests and benchmarks: Gaussian clusters around
 * random class centres, optionally ReLU'd and L2-normalised like C3D fc6/fc7 descriptors.
 */
import type { FeatureMatrix } from './features.js';
import { l2NormalizeRows } from './features.js';
import { Rng } from './random.js';

export interface ClusterOptions {
  classes: number;
  /** Samples per class. */
  perClass: number;
  dim: number;
  /** Std-dev of the noise around each centre (centres are N(0, 1) per dim). */
  noise: number;
  seed?: number;
  /** Clamp at 0 then L2-normalise rows (descriptor-like). */
  reluNormalize?: boolean;
  /** Fixed class centres (classes × dim) to share between a train and a test set. */
  centres?: Float32Array;
}

export interface ClusterData {
  x: FeatureMatrix;
  /** Class index per row; rows are ordered class by class, shuffled if asked. */
  y: Int32Array;
  centres: Float32Array;
}

/** Draws `classes × perClass` points; rows interleave classes (row i has class i mod classes). */
export function gaussianClusters(o: ClusterOptions): ClusterData {
  const rng = new Rng(o.seed ?? 7);
  const centres = o.centres ?? Float32Array.from({ length: o.classes * o.dim }, () => rng.normal());
  const rows = o.classes * o.perClass;
  const data = new Float32Array(rows * o.dim);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const k = i % o.classes;
    y[i] = k;
    for (let j = 0; j < o.dim; j++) {
      let v = centres[k * o.dim + j]! + o.noise * rng.normal();
      if (o.reluNormalize && v < 0) v = 0;
      data[i * o.dim + j] = v;
    }
  }
  const x = { rows, dim: o.dim, data };
  if (o.reluNormalize) l2NormalizeRows(x);
  return { x, y, centres };
}
