/**
 * Protocols over a plain video list ("VIDEO_ID LABEL" per line): leave-one-out (the YUPENN and
 * Maryland scene protocol, paper §4 table 5: each video is tested by a model trained on all the
 * others) and stratified k-fold.
 */
import { type VideoSplit, videoId, lines } from './splits.js';
import { stratifiedFolds } from '../cross-validation.js';
import { LabelEncoder } from '../labels.js';
import { readFileOrThrow } from '../../io/read-file.js';

/** Reads "VIDEO LABEL" lines (the label is the rest of the line after the first whitespace). */
export function readVideoList(path: string): { ids: string[]; labels: string[] } {
  const text = readFileOrThrow(path, 'utf8');
  const ids: string[] = [];
  const labels: string[] = [];
  lines(text).forEach((l, n) => {
    const m = /^(\S+)\s+(.+)$/.exec(l);
    if (!m) throw new Error(`${path}:${n + 1}: expected "VIDEO LABEL", got "${l}"`);
    ids.push(videoId(m[1]!));
    labels.push(m[2]!.trim());
  });
  const seen = new Set<string>();
  const dups = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  if (dups.length > 0) throw new Error(`${path}: duplicate video id(s): ${dups.slice(0, 10).join(', ')}`);
  return { ids, labels };
}

/** Index-based splits: for each fold, the rows to train on and to test on. */
export interface IndexFold {
  name: string;
  train: number[];
  test: number[];
}

/** Leave-one-out: n folds, fold i tests row i. */
export function leaveOneOutFolds(n: number): IndexFold[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `loo${i}`,
    train: Array.from({ length: n - 1 }, (_, k) => (k < i ? k : k + 1)),
    test: [i],
  }));
}

/** Stratified k-fold over labels. */
export function kFolds(labels: readonly string[], k: number, seed = 1): IndexFold[] {
  const fold = stratifiedFolds(LabelEncoder.fit(labels).encode(labels), k, seed);
  return Array.from({ length: k }, (_, f) => ({
    name: `fold${f + 1}`,
    train: [...fold.keys()].filter((i) => fold[i] !== f),
    test: [...fold.keys()].filter((i) => fold[i] === f),
  }));
}

/** Materialises index folds over a list as video splits. */
export function foldsToSplits(list: { ids: string[]; labels: string[] }, folds: IndexFold[]): VideoSplit[] {
  const pick = (idx: number[]) => ({ ids: idx.map((i) => list.ids[i]!), labels: idx.map((i) => list.labels[i]!) });
  return folds.map((f) => ({ name: f.name, train: pick(f.train), test: pick(f.test) }));
}
