/**
 * PCA for descriptor compactness (paper fig. 5) and ActivityNet-style 500-dim features.
 *
 * Fit: mean-centre, covariance C = XcᵀXc/(n−1) (float32 SIMD dots over row chunks of the
 * transposed data, accumulated in float64), then the top-k eigenvectors of C:
 *  - k ≥ d/2 or d ≤ 256: full symmetric eigendecomposition (ml-matrix);
 *  - otherwise: block subspace iteration (Halko et al. 2011, alg. 4.4) on C with k + 20 vectors
 *    (float32 SIMD), then Rayleigh–Ritz (ml-matrix eigendecomposition of the small projected matrix).
 * Components are sign-normalised (largest-|value| entry positive) so a model is reproducible.
 *
 * Model file: safetensors (8-byte LE header length, JSON header, raw little-endian data), tensors
 * `mean` F32 (d), `components` F32 (k, d) row-major, `explained_variance` F32 (k);
 * `__metadata__` = {format: "c3d-pca", version: "1"}. Python: `safetensors.numpy.load_file(path)`.
 * Projection: y = (x − mean)·componentsᵀ (no whitening), optionally keeping the first m components.
 */
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import type { FeatureMatrix } from './features.js';
import { SimdArena, padded } from './simd-dot.js';
import { Rng } from './random.js';
import { Tensor } from '../tensor/tensor.js';
import { WeightsError } from '../io/errors.js';
import { readSafetensors, writeSafetensors, type SafetensorsContents } from '../io/safetensors.js';
import { trainAndTest, type ClassifyOptions } from './classify.js';

/** A fitted PCA: `components` rows are unit eigenvectors by decreasing variance. */
export class PcaModel {
  constructor(
    readonly mean: Float32Array,
    /** k × d, row-major. */
    readonly components: Float32Array,
    readonly explainedVariance: Float32Array,
  ) {
    if (components.length !== explainedVariance.length * mean.length) {
      throw new Error(`PcaModel: components hold ${components.length} values, expected ${explainedVariance.length} × ${mean.length}`);
    }
  }

  get inputDim(): number {
    return this.mean.length;
  }

  get numComponents(): number {
    return this.explainedVariance.length;
  }

  /**
   * The projection as extraction's `--pca` applies it to each output row: raw float32 rows in, all
   * components out (structurally src/features/outputs.ts's RowProjection).
   */
  rowProjection(): { inputDim: number; outputDim: number; project(data: Float32Array, rows: number): Float32Array } {
    return { inputDim: this.inputDim, outputDim: this.numComponents, project: (data, rows) => this.project({ rows, dim: this.inputDim, data }).data };
  }

  /** Projects rows of `x` onto the first `dims` (default all) components (float32 SIMD dots). */
  project(x: FeatureMatrix, dims = this.numComponents): FeatureMatrix {
    const d = this.inputDim;
    if (x.dim !== d) throw new Error(`PCA: input has dim ${x.dim}, model expects ${d}`);
    if (!(dims >= 1 && dims <= this.numComponents && Number.isInteger(dims))) {
      throw new Error(`PCA: ${dims} dims requested, model has ${this.numComponents} components`);
    }
    const dp = padded(d);
    const arena = new SimdArena(dp * (dims + 1));
    const f = arena.f32;
    const comps = arena.alloc(dp * dims);
    for (let c = 0; c < dims; c++) f.set(this.components.subarray(c * d, (c + 1) * d), comps + c * dp);
    const row = arena.alloc(dp);
    const out = new Float32Array(x.rows * dims);
    for (let i = 0; i < x.rows; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) f[row + j] = x.data[o + j]! - this.mean[j]!;
      for (let c = 0; c < dims; c++) out[i * dims + c] = arena.dot(4 * row, 4 * (comps + c * dp), dp);
    }
    return { rows: x.rows, dim: dims, data: out };
  }
}

/** Mean of each column (float64 accumulation). */
function columnMean(x: FeatureMatrix): Float32Array {
  const acc = new Float64Array(x.dim);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.dim; j++) acc[j] += x.data[i * x.dim + j]!;
  return Float32Array.from(acc, (v) => v / x.rows);
}

/** Covariance (d × d, float64, full symmetric) of x around `mean`. */
export function covariance(x: FeatureMatrix, mean: Float32Array): Float64Array {
  const { rows: n, dim: d } = x;
  const chunk = 256;
  const arena = new SimdArena(d * chunk + 8);
  const base = arena.alloc(d * chunk);
  const res = arena.alloc(4);
  const f = arena.f32;
  const cov = new Float64Array(d * d);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const m = Math.min(chunk, n - i0);
    const len = padded(m);
    // Transposed, centred chunk: column j of the chunk is contiguous (len floats, zero-padded).
    f.fill(0, base, base + d * len);
    for (let i = 0; i < m; i++) {
      const o = (i0 + i) * d;
      for (let j = 0; j < d; j++) f[base + j * len + i] = x.data[o + j]! - mean[j]!;
    }
    // Four fixed columns j0..j0+3 (kept in L1) against every streamed column k ≥ j0.
    for (let j0 = 0; j0 < d; j0 += 4) {
      const pj = [0, 1, 2, 3].map((r) => 4 * (base + Math.min(j0 + r, d - 1) * len)) as [number, number, number, number];
      for (let k = j0; k < d; k++) {
        arena.dot4(4 * (base + k * len), pj[0], pj[1], pj[2], pj[3], len, 4 * res);
        for (let r = 0; r < 4 && j0 + r <= k; r++) cov[(j0 + r) * d + k] += f[res + r]!;
      }
    }
  }
  const scale = 1 / Math.max(1, n - 1);
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const v = cov[j * d + k]! * scale;
      cov[j * d + k] = v;
      cov[k * d + j] = v;
    }
  }
  return cov;
}

/**
 * Top-k eigenpairs of the symmetric d × d matrix `cov` by block subspace iteration with
 * p = k + 20 vectors (float32 SIMD dots for C·Q, modified Gram–Schmidt), then
 * Rayleigh–Ritz on QᵀCQ. Returns vectors as columns of a d × k matrix.
 */
function subspaceEig(cov: Float64Array, d: number, k: number, opts: PcaFitOptions): { values: number[]; vectors: Matrix } {
  const p = Math.min(d, k + 20);
  const dp = padded(d);
  const arena = new SimdArena(dp * (d + 2 * p) + 8);
  const f = arena.f32;
  const cBase = arena.alloc(dp * d);
  let qBase = arena.alloc(dp * p); // Qᵀ: row m = column m of Q
  let zBase = arena.alloc(dp * p);
  for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) f[cBase + j * dp + l] = cov[j * d + l]!;
  const rng = new Rng(opts.seed ?? 1);
  for (let m = 0; m < p; m++) for (let l = 0; l < d; l++) f[qBase + m * dp + l] = rng.normal();
  const dot = (a: number, b: number) => arena.dot(4 * a, 4 * b, dp);
  const orthonormalise = (base: number, passes: number) => {
    for (let pass = 0; pass < passes; pass++) {
      for (let m = 0; m < p; m++) {
        const vm = base + m * dp;
        for (let r = 0; r < m; r++) {
          const vr = base + r * dp;
          arena.axpy(-dot(vr, vm), 4 * vr, 4 * vm, dp);
        }
        const norm = Math.sqrt(dot(vm, vm));
        const inv = norm > 0 ? 1 / norm : 0;
        for (let l = 0; l < d; l++) f[vm + l]! *= inv;
      }
    }
  };
  const res = arena.alloc(4);
  const multiply = () => {
    // Z = C·Q, stored transposed: Zᵀ[m, j] = C_j · Qᵀ_m; four Q columns per streamed row of C.
    for (let m0 = 0; m0 < p; m0 += 4) {
      const q = [0, 1, 2, 3].map((r) => 4 * (qBase + Math.min(m0 + r, p - 1) * dp)) as [number, number, number, number];
      for (let j = 0; j < d; j++) {
        arena.dot4(4 * (cBase + j * dp), q[0], q[1], q[2], q[3], dp, 4 * res);
        for (let r = 0; r < 4 && m0 + r < p; r++) f[zBase + (m0 + r) * dp + j] = f[res + r]!;
      }
    }
  };
  orthonormalise(qBase, 1);
  const rounds = opts.iterations ?? 5;
  for (let it = 0; it < rounds; it++) {
    multiply();
    // One Gram–Schmidt pass keeps the power iteration stable; the last basis gets a second pass
    // ("twice is enough") so Rayleigh–Ritz sees an orthonormal Q.
    orthonormalise(zBase, it === rounds - 1 ? 2 : 1);
    [qBase, zBase] = [zBase, qBase];
  }
  multiply();
  const small = new Matrix(p, p);
  for (let m = 0; m < p; m++) {
    for (let r = m; r < p; r++) {
      const v = 0.5 * (dot(qBase + m * dp, zBase + r * dp) + dot(qBase + r * dp, zBase + m * dp));
      small.set(m, r, v);
      small.set(r, m, v);
    }
  }
  const e = symmetricEig(small);
  const vectors = new Matrix(d, k);
  for (let c = 0; c < k; c++) {
    const acc = new Float64Array(d);
    for (let m = 0; m < p; m++) {
      const u = e.vectors.get(m, c);
      const qm = qBase + m * dp;
      for (let l = 0; l < d; l++) acc[l] += u * f[qm + l]!;
    }
    for (let l = 0; l < d; l++) vectors.set(l, c, acc[l]!);
  }
  return { values: e.values.slice(0, k), vectors };
}

/** Symmetric eigendecomposition, returned by decreasing eigenvalue: vectors as columns of V. */
function symmetricEig(a: Matrix): { values: number[]; vectors: Matrix } {
  const e = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const vals = e.realEigenvalues;
  const order = vals.map((_, i) => i).sort((p, q) => vals[q]! - vals[p]!);
  const V = e.eigenvectorMatrix;
  return { values: order.map((i) => vals[i]!), vectors: V.subMatrixColumn(order) };
}

export interface PcaFitOptions {
  /** Subspace-iteration rounds (default 5). */
  iterations?: number;
  seed?: number;
}

/** Fits a PCA with `k` components on the rows of `x`. */
export function fitPca(x: FeatureMatrix, k: number, opts: PcaFitOptions = {}): PcaModel {
  const d = x.dim;
  if (x.rows < 2) throw new Error(`PCA: need at least 2 rows, got ${x.rows}`);
  if (!(k >= 1 && k <= d && Number.isInteger(k))) throw new Error(`PCA: k must be an integer in 1..${d}, got ${k}`);
  const mean = columnMean(x);
  const cov = covariance(x, mean);
  let values: number[];
  let vectors: Matrix; // d × k
  if (2 * k >= d || d <= 256) {
    const C = new Matrix(d, d);
    for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) C.set(j, l, cov[j * d + l]!);
    const e = symmetricEig(C);
    values = e.values.slice(0, k);
    vectors = e.vectors.subMatrix(0, d - 1, 0, k - 1);
  } else {
    ({ values, vectors } = subspaceEig(cov, d, k, opts));
  }
  const components = new Float32Array(k * d);
  for (let c = 0; c < k; c++) {
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(vectors.get(j, c)) > Math.abs(big)) big = vectors.get(j, c);
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[c * d + j] = sign * vectors.get(j, c);
  }
  return new PcaModel(mean, components, Float32Array.from(values, (v) => Math.max(0, v)));
}

/** Writes the model as safetensors (see the file comment), atomically. */
export function savePca(path: string, model: PcaModel): void {
  const d = model.inputDim;
  const k = model.numComponents;
  const tensors = new Map([
    ['mean', new Tensor([d], model.mean)],
    ['components', new Tensor([k, d], model.components)],
    ['explained_variance', new Tensor([k], model.explainedVariance)],
  ]);
  writeSafetensors(path, tensors, { format: 'c3d-pca', version: '1' });
}

/** Reads a model written by `savePca` (or any safetensors file with those three F32 tensors). */
export function loadPca(path: string): PcaModel {
  let file: SafetensorsContents;
  try {
    file = readSafetensors(path);
  } catch (e) {
    throw new Error(`${path}: not a safetensors PCA model (${e instanceof WeightsError ? e.problem : (e as Error).message})`);
  }
  const tensor = (name: string, shape: (s: readonly number[]) => boolean): Float32Array => {
    const t = file.tensors.get(name);
    if (!t || file.dtypes.get(name) !== 'F32' || !shape(t.shape)) throw new Error(`${path}: missing or malformed F32 tensor '${name}'`);
    return t.data;
  };
  const mean = tensor('mean', (s) => s.length === 1);
  const components = tensor('components', (s) => s.length === 2 && s[1] === mean.length);
  const ev = tensor('explained_variance', (s) => s.length === 1 && s[0] === components.length / mean.length);
  return new PcaModel(mean, components, ev);
}

/** One row of the accuracy-vs-dims table. */
export interface PcaSweepRow {
  dims: number;
  accuracy: number;
}

/**
 * Accuracy vs number of PCA dims (paper fig. 5): project train and test with the first `dims`
 * components of `model`, then train/test a linear SVM for each entry of `dimsList`.
 */
export function pcaSweep(
  model: PcaModel,
  train: FeatureMatrix,
  trainLabels: readonly string[],
  test: FeatureMatrix,
  testLabels: readonly string[],
  dimsList: readonly number[],
  opts: ClassifyOptions = {},
): PcaSweepRow[] {
  return dimsList.map((dims) => {
    const r = trainAndTest(model.project(train, dims), trainLabels, model.project(test, dims), testLabels, opts);
    return { dims, accuracy: r.accuracy };
  });
}
