/** Runs a linear-SVM protocol (a list of video splits) over per-video feature folders. */
import type { VideoSplit } from './splits.js';
import { loadVideoDescriptors } from '../video-descriptors.js';
import { selectRows } from '../features.js';
import { trainAndTest, type ClassifyOptions } from '../classify.js';

export interface SplitResult {
  name: string;
  accuracy: number;
  train: number;
  test: number;
  /** Chosen C (the fixed one unless a grid was searched). */
  c: number;
}

export interface ProtocolResult {
  splits: SplitResult[];
  mean: number;
  /** Standard error of the mean over splits (σ̂ with n−1, / √n); 0 for one split. */
  stdError: number;
}

/** Mean and standard error (sample σ / √n). */
export function meanAndStdError(values: readonly number[]): { mean: number; stdError: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, stdError: 0 };
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, stdError: Math.sqrt(v / n) };
}

/**
 * Loads each video's descriptor once (from every folder in `featureDirs`, normalised and
 * concatenated if several), then trains and tests per split. For leave-one-out the test
 * "accuracy" of a split is 0 or 1 and the mean is the protocol's accuracy.
 */
export function runProtocol(
  splits: VideoSplit[],
  featureDirs: readonly string[],
  opts: ClassifyOptions = {},
  onSplit?: (r: SplitResult, k: number, n: number) => void,
): ProtocolResult {
  const ids = [...new Set(splits.flatMap((s) => [...s.train.ids, ...s.test.ids]))];
  const where = splits.length === 1 ? splits[0]!.name : 'split files';
  const all = loadVideoDescriptors(featureDirs, ids, where);
  const rowOf = new Map(ids.map((id, i) => [id, i]));
  const results = splits.map((s, k) => {
    const train = selectRows(all, s.train.ids.map((id) => rowOf.get(id)!));
    const test = selectRows(all, s.test.ids.map((id) => rowOf.get(id)!));
    const r = trainAndTest(train, s.train.labels, test, s.test.labels, opts);
    const res = { name: s.name, accuracy: r.accuracy, train: train.rows, test: test.rows, c: r.cSearch?.best ?? opts.c ?? 1 };
    onSplit?.(res, k, splits.length);
    return res;
  });
  return { splits: results, ...meanAndStdError(results.map((r) => r.accuracy)) };
}
