/** k-fold cross-validation and the C search built on it. */
import type { FeatureMatrix } from './features.js';
import { selectRows } from './features.js';
import { Rng } from './random.js';
import { trainLinearSvm, predictLinearSvm, accuracy, type LinearSvmOptions } from './linear-svm.js';

/**
 * Stratified fold assignment: each class's samples are shuffled and dealt round-robin over the
 * folds, so every fold sees every class in proportion. Returns the fold (0..k−1) of each sample.
 */
export function stratifiedFolds(y: Int32Array, k: number, seed = 1): Int32Array {
  if (!(k >= 2)) throw new Error(`k-fold: k must be ≥ 2, got ${k}`);
  if (y.length < k) throw new Error(`k-fold: ${y.length} samples cannot fill ${k} folds`);
  const rng = new Rng(seed);
  const fold = new Int32Array(y.length);
  const byClass = new Map<number, number[]>();
  y.forEach((c, i) => {
    const list = byClass.get(c) ?? [];
    list.push(i);
    byClass.set(c, list);
  });
  let next = 0; // continue dealing where the last class stopped, so small classes don't all land in fold 0
  for (const idx of byClass.values()) {
    rng.shuffle(idx);
    for (const i of idx) fold[i] = next++ % k;
  }
  return fold;
}

/** Indices with fold === f (test) and fold !== f (train). */
export function foldSplit(fold: Int32Array, f: number): { train: Int32Array; test: Int32Array } {
  const train: number[] = [];
  const test: number[] = [];
  fold.forEach((g, i) => (g === f ? test : train).push(i));
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

export interface CvResult {
  /** Accuracy of each fold. */
  folds: number[];
  mean: number;
}

/** k-fold accuracy of a linear SVM with options `opts`. */
export function crossValidate(
  x: FeatureMatrix,
  y: Int32Array,
  numClasses: number,
  k: number,
  opts: LinearSvmOptions = {},
  seed = 1,
): CvResult {
  const fold = stratifiedFolds(y, k, seed);
  const folds: number[] = [];
  for (let f = 0; f < k; f++) {
    const { train, test } = foldSplit(fold, f);
    const model = trainLinearSvm(selectRows(x, train), y.filter((_, i) => fold[i] !== f), numClasses, opts);
    folds.push(accuracy(predictLinearSvm(model, selectRows(x, test)), y.filter((_, i) => fold[i] === f)));
  }
  return { folds, mean: folds.reduce((a, b) => a + b, 0) / k };
}

/** Default C grid: 10⁻³ … 10². */
export const DEFAULT_C_GRID = [0.001, 0.01, 0.1, 1, 10, 100];

export interface CSearchResult {
  best: number;
  table: { c: number; accuracy: number }[];
}

/**
 * Picks C by k-fold cross-validation on the training set (ties → the smaller C, the more
 * regularised model). Same folds for every C.
 */
export function searchC(
  x: FeatureMatrix,
  y: Int32Array,
  numClasses: number,
  grid: readonly number[] = DEFAULT_C_GRID,
  k = 5,
  opts: LinearSvmOptions = {},
  seed = 1,
): CSearchResult {
  if (grid.length === 0) throw new Error('C search: empty grid');
  const table = [...grid].sort((a, b) => a - b).map((c) => ({ c, accuracy: crossValidate(x, y, numClasses, k, { ...opts, c }, seed).mean }));
  let best = table[0]!;
  for (const t of table) if (t.accuracy > best.accuracy) best = t;
  return { best: best.c, table };
}
