/**
 * Linear SVM by dual coordinate descent — LIBLINEAR's `solve_l2r_l1l2_svc` (Hsieh et al., ICML 2008),
 * the solver behind `liblinear-train -s 1` (L2-loss, the default) and `-s 3` (L1-loss), with its
 * random permutation per outer iteration, shrinking, stopping rule (projected-gradient gap ≤ eps,
 * default 0.1) and bias handling (`-B b`: each x gets an extra constant feature b whose weight is
 * regularised like the others, as in LIBLINEAR 2.3).
 *
 * Multi-class is one-vs-rest exactly as LIBLINEAR does it: classes in order of first appearance,
 * one binary problem per class (class k = +1, the rest −1), prediction = argmax of w_k·x (first
 * maximum wins); with two classes a single w is trained for class 0 and class 1's score is −w·x.
 *
 * Written for dense float32 rows (10K × 4096): one dot and one axpy per coordinate step, both in a
 * small WebAssembly SIMD module (simd-dot.ts). Unlike LIBLINEAR (float64 throughout) w is float32
 * during training — ~1e-6 relative rounding, far below the default tolerance (at eps 1e-5 the
 * weights still match the converged LIBLINEAR optimum to 1e-4; below ~1e-6 the L2-loss solver can
 * no longer close the gap) — and is returned as float64.
 */
import type { FeatureMatrix } from './features.js';
import { Rng } from './random.js';
import { SimdRows } from './simd-dot.js';

export type SvmLoss = 'l2' | 'l1';

export interface LinearSvmOptions {
  /** Cost C (LIBLINEAR `-c`, default 1). */
  c?: number;
  /** 'l2' = squared hinge (`-s 1`, default), 'l1' = hinge (`-s 3`). */
  loss?: SvmLoss;
  /** Bias feature value (LIBLINEAR `-B`); ≤ 0 for no bias. Default 1. */
  bias?: number;
  /** Stopping tolerance on the projected-gradient gap (LIBLINEAR `-e`, default 0.1). */
  eps?: number;
  /** Outer-iteration cap (LIBLINEAR's is 1000). */
  maxIter?: number;
  /** Seed of the coordinate permutation. */
  seed?: number;
  /** Per-class callback, e.g. for progress on stderr. */
  onClass?: (k: number, numClasses: number, iterations: number) => void;
}

/** A trained one-vs-rest model: `numClasses` weight rows of `dim + 1` (last entry: bias weight). */
export interface LinearSvmModel {
  numClasses: number;
  dim: number;
  /** Bias feature value used in training (0 = none). */
  bias: number;
  /** Row-major (models × (dim + 1)); `models` is 1 for two classes, else `numClasses`. */
  weights: Float64Array;
  /** Outer iterations each binary problem took. */
  iterations: number[];
}

/** Σ_j x[xo + j]·w[j], four accumulators so V8 keeps the adds independent. */
function dot(x: Float32Array, xo: number, w: Float64Array, dim: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += x[xo + j]! * w[j]!;
    s1 += x[xo + j + 1]! * w[j + 1]!;
    s2 += x[xo + j + 2]! * w[j + 2]!;
    s3 += x[xo + j + 3]! * w[j + 3]!;
  }
  for (; j < dim; j++) s0 += x[xo + j]! * w[j]!;
  return s0 + s1 + (s2 + s3);
}

/** ‖x_i‖² + bias² for every row: the Q_ii shared by all one-vs-rest problems. */
export function rowSquaredNorms(m: FeatureMatrix, bias: number): Float64Array {
  const q = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const o = i * m.dim;
    let s = 0;
    for (let j = 0; j < m.dim; j++) s += m.data[o + j]! * m.data[o + j]!;
    q[i] = s + bias * bias;
  }
  return q;
}

/**
 * Solves one binary problem (y ∈ {+1, −1}) on rows held in `rows` (whose weight vector must be zero
 * on entry). Leaves w in `rows.w`; returns the bias weight and the number of outer iterations.
 */
export function solveBinary(
  rows: SimdRows,
  y: Int8Array,
  sqNorms: Float64Array,
  opts: { c: number; loss: SvmLoss; bias: number; eps: number; maxIter: number; rng: Rng },
): { wBias: number; iterations: number } {
  const l = rows.rows;
  const n = rows.stride;
  const wPtr = rows.wPtr;
  const { dot, axpy } = rows;
  const { c, loss, bias, eps, maxIter, rng } = opts;
  // LIBLINEAR: L2 loss → diag = 0.5/C, upper bound ∞; L1 loss → diag = 0, upper bound C.
  const diag = loss === 'l2' ? 0.5 / c : 0;
  const upper = loss === 'l2' ? Infinity : c;
  const alpha = new Float64Array(l);
  const qd = new Float64Array(l);
  const index = new Int32Array(l);
  for (let i = 0; i < l; i++) {
    qd[i] = sqNorms[i]! + diag;
    index[i] = i;
  }
  let wBias = 0;
  let activeSize = l;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let iter = 0;
  while (iter < maxIter) {
    let pgMaxNew = -Infinity;
    let pgMinNew = Infinity;
    rng.shuffle(index, activeSize);
    for (let s = 0; s < activeSize; s++) {
      const i = index[s]!;
      const yi = y[i]!;
      const xPtr = rows.rowPtr(i);
      const g = yi * (dot(xPtr, wPtr, n) + wBias * bias) - 1 + alpha[i]! * diag;
      let pg = 0;
      const a = alpha[i]!;
      if (a === 0) {
        if (g > pgMaxOld) {
          // Shrinking: a bound variable whose gradient says it stays there leaves the active set.
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (g < 0) pg = g;
      } else if (a === upper) {
        if (g < pgMinOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (g > 0) pg = g;
      } else pg = g;
      if (pg > pgMaxNew) pgMaxNew = pg;
      if (pg < pgMinNew) pgMinNew = pg;
      if (Math.abs(pg) > 1e-12) {
        const na = Math.min(Math.max(a - g / qd[i]!, 0), upper);
        alpha[i] = na;
        const d = (na - a) * yi;
        axpy(d, xPtr, wPtr, n);
        wBias += d * bias;
      }
    }
    iter++;
    if (pgMaxNew - pgMinNew <= eps) {
      if (activeSize === l) break;
      // Converged on the shrunk set: LIBLINEAR re-checks once with every variable active.
      activeSize = l;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMaxNew;
    pgMinOld = pgMinNew;
    if (pgMaxOld <= 0) pgMaxOld = Infinity;
    if (pgMinOld >= 0) pgMinOld = -Infinity;
  }
  return { wBias, iterations: iter };
}

/** Trains a one-vs-rest linear SVM on rows `m` with class indices `y` (0..numClasses−1). */
export function trainLinearSvm(
  m: FeatureMatrix,
  y: Int32Array,
  numClasses: number,
  options: LinearSvmOptions = {},
): LinearSvmModel {
  const c = options.c ?? 1;
  const loss = options.loss ?? 'l2';
  const bias = Math.max(0, options.bias ?? 1);
  const eps = options.eps ?? 0.1;
  const maxIter = options.maxIter ?? 1000;
  if (!(c > 0)) throw new Error(`trainLinearSvm: C must be > 0, got ${c}`);
  if (y.length !== m.rows) throw new Error(`trainLinearSvm: ${y.length} labels for ${m.rows} rows`);
  if (numClasses < 2) throw new Error(`trainLinearSvm: need at least 2 classes, got ${numClasses}`);
  for (let i = 0; i < y.length; i++) {
    if (!(y[i]! >= 0 && y[i]! < numClasses)) throw new Error(`trainLinearSvm: label ${y[i]} of row ${i} is not in 0..${numClasses - 1}`);
  }
  const models = numClasses === 2 ? 1 : numClasses;
  const stride = m.dim + 1;
  const weights = new Float64Array(models * stride);
  const sqNorms = rowSquaredNorms(m, bias);
  const rows = new SimdRows(m);
  const rng = new Rng(options.seed ?? 1);
  const yb = new Int8Array(m.rows);
  const iterations: number[] = [];
  for (let k = 0; k < models; k++) {
    for (let i = 0; i < m.rows; i++) yb[i] = y[i] === k ? 1 : -1;
    rows.w.fill(0);
    const { wBias, iterations: it } = solveBinary(rows, yb, sqNorms, { c, loss, bias, eps, maxIter, rng });
    const w = weights.subarray(k * stride, (k + 1) * stride);
    for (let j = 0; j < m.dim; j++) w[j] = rows.w[j]!;
    w[m.dim] = wBias;
    iterations.push(it);
    options.onClass?.(k, models, it);
  }
  return { numClasses, dim: m.dim, bias, weights, iterations };
}

/** Decision values (rows × numClasses), float64. */
export function decisionValues(model: LinearSvmModel, m: FeatureMatrix): Float64Array {
  if (m.dim !== model.dim) throw new Error(`svm: features have dim ${m.dim}, model expects ${model.dim}`);
  const K = model.numClasses;
  const stride = model.dim + 1;
  const models = K === 2 ? 1 : K;
  const out = new Float64Array(m.rows * K);
  for (let k = 0; k < models; k++) {
    const w = model.weights.subarray(k * stride, (k + 1) * stride);
    const wb = w[model.dim]! * model.bias;
    for (let i = 0; i < m.rows; i++) {
      const v = dot(m.data, i * m.dim, w, model.dim) + wb;
      if (K === 2) {
        out[i * 2] = v;
        out[i * 2 + 1] = -v;
      } else out[i * K + k] = v;
    }
  }
  return out;
}

/** Predicted class index per row (argmax of the decision values; first maximum wins, as LIBLINEAR). */
export function predictLinearSvm(model: LinearSvmModel, m: FeatureMatrix): Int32Array {
  const dec = decisionValues(model, m);
  return argmaxRows(dec, m.rows, model.numClasses);
}

/** Row-wise argmax of a rows × cols matrix. */
export function argmaxRows(a: Float64Array | Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bv = a[i * cols]!;
    for (let k = 1; k < cols; k++) {
      if (a[i * cols + k]! > bv) {
        bv = a[i * cols + k]!;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Fraction of `pred[i] === truth[i]`. */
export function accuracy(pred: Int32Array, truth: Int32Array): number {
  if (pred.length !== truth.length) throw new Error(`accuracy: ${pred.length} predictions for ${truth.length} labels`);
  if (pred.length === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) ok++;
  return ok / pred.length;
}
