/**
 * ASLAN View-2 protocol as C3D §5 runs it: per video, each feature type (prob, fc7, fc6, pool5)
 * averaged over clips and L2-normalised; per pair, the 12 ASLAN measures on each type (48 values);
 * each of the 48 dimensions z-normalised with mean/σ of the 9 training splits (σ = 0 → 1);
 * linear SVM same/not-same; 10-fold leave-one-split-out. Reports mean accuracy ± standard error
 * (σ̂ with n−1, /√10) and the ROC/AUC of all test decision values pooled over the folds.
 *
 * Feature layout: `<dir>/<type>/<videoId>.npy` with the ids used in the split file.
 */
import { join } from 'node:path';
import { type FeatureMatrix } from '../features.js';
import { loadVideoDescriptors } from '../video-descriptors.js';
import { aslanMeasures, MEASURE_COUNT } from './measures.js';
import type { AslanSplits, AslanPair } from './splits.js';
import { trainAndTest, type ClassifyOptions } from '../classify.js';
import { meanAndStdError } from '../protocols/run.js';
import { roc, type RocResult } from '../roc.js';

export interface AslanResult {
  folds: number[];
  mean: number;
  stdError: number;
  auc: number;
  roc: RocResult;
}

/** 12 × types.length measures for each pair, given one descriptor matrix per type (rows by id). */
export function pairFeatures(pairs: readonly AslanPair[], perType: FeatureMatrix[], rowOf: Map<string, number>): FeatureMatrix {
  const dim = MEASURE_COUNT * perType.length;
  const data = new Float64Array(pairs.length * dim);
  pairs.forEach((p, i) => {
    perType.forEach((m, t) => {
      const a = m.data.subarray(rowOf.get(p.id1)! * m.dim, (rowOf.get(p.id1)! + 1) * m.dim);
      const b = m.data.subarray(rowOf.get(p.id2)! * m.dim, (rowOf.get(p.id2)! + 1) * m.dim);
      aslanMeasures(a, b, data, i * dim + t * MEASURE_COUNT);
    });
  });
  return { rows: pairs.length, dim, data: Float32Array.from(data) };
}

/** z-normalises `test` and `train` in place with the mean/σ of `train` (σ = 0 → 1). */
export function zNormalize(train: FeatureMatrix, test: FeatureMatrix): void {
  const d = train.dim;
  const mean = new Float64Array(d), sq = new Float64Array(d);
  for (let i = 0; i < train.rows; i++) for (let j = 0; j < d; j++) mean[j] += train.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= train.rows;
  for (let i = 0; i < train.rows; i++) for (let j = 0; j < d; j++) sq[j] += (train.data[i * d + j]! - mean[j]!) ** 2;
  const inv = Float64Array.from(sq, (s) => {
    const sd = Math.sqrt(s / Math.max(1, train.rows - 1));
    return sd > 0 ? 1 / sd : 1;
  });
  for (const m of [train, test]) for (let i = 0; i < m.rows; i++) for (let j = 0; j < d; j++) m.data[i * d + j] = (m.data[i * d + j]! - mean[j]!) * inv[j]!;
}

/** Runs View-2 on pair features already computed per split. */
export function runAslanOnPairs(perSplit: FeatureMatrix[], splits: AslanSplits, opts: ClassifyOptions = {}): AslanResult {
  if (perSplit.length < 2) throw new Error(`ASLAN: need at least 2 splits, got ${perSplit.length}`);
  const folds: number[] = [];
  const scores: number[] = [];
  const truth: boolean[] = [];
  const label = (p: AslanPair) => (p.same ? 'same' : 'not-same');
  for (let f = 0; f < perSplit.length; f++) {
    const trainIdx = perSplit.map((_, k) => k).filter((k) => k !== f);
    const dim = perSplit[0]!.dim;
    const rows = trainIdx.reduce((a, k) => a + perSplit[k]!.rows, 0);
    const train = { rows, dim, data: new Float32Array(rows * dim) };
    let at = 0;
    for (const k of trainIdx) {
      train.data.set(perSplit[k]!.data, at);
      at += perSplit[k]!.data.length;
    }
    const test = { rows: perSplit[f]!.rows, dim, data: perSplit[f]!.data.slice() };
    zNormalize(train, test);
    const trainLabels = trainIdx.flatMap((k) => splits[k]!.map(label));
    const testLabels = splits[f]!.map(label);
    const r = trainAndTest(train, trainLabels, test, testLabels, opts);
    folds.push(r.accuracy);
    const sameCol = r.encoder.classes.indexOf('same');
    const K = r.encoder.classes.length;
    for (let i = 0; i < test.rows; i++) {
      scores.push(r.decision[i * K + sameCol]!);
      truth.push(splits[f]![i]!.same);
    }
  }
  const curve = roc(scores, truth);
  return { folds, ...meanAndStdError(folds), auc: curve.auc, roc: curve };
}

/** Loads descriptors from `<dir>/<type>/<id>.npy`, builds the 12 × types measures, runs View-2. */
export function runAslan(dir: string, types: readonly string[], splits: AslanSplits, opts: ClassifyOptions = {}): AslanResult {
  const ids = [...new Set(splits.flatMap((s) => s.flatMap((p) => [p.id1, p.id2])))];
  const rowOf = new Map(ids.map((id, i) => [id, i]));
  const perType = types.map((t) => loadVideoDescriptors([join(dir, t)], ids, 'ASLAN split file'));
  const perSplit = splits.map((pairs) => pairFeatures(pairs, perType, rowOf));
  return runAslanOnPairs(perSplit, splits, opts);
}
