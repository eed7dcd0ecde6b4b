/**
 * Train-on-one-set, test-on-another with a linear SVM, on string labels — the step every protocol
 * (UCF101/HMDB51 splits, leave-one-out, k-fold, PCA sweeps) repeats.
 */
import type { FeatureMatrix } from './features.js';
import { LabelEncoder, assertMinPerClass } from './labels.js';
import { trainLinearSvm, decisionValues, argmaxRows, type LinearSvmOptions, type LinearSvmModel } from './linear-svm.js';
import { searchC, type CSearchResult } from './cross-validation.js';

export interface ClassifyOptions extends LinearSvmOptions {
  /** If set, C is chosen from this grid by k-fold CV on the training set (`cvFolds`, default 5). */
  cGrid?: readonly number[];
  cvFolds?: number;
  /** Smallest allowed training samples per class (default 2: one sample cannot be cross-checked). */
  minPerClass?: number;
}

export interface ClassifyResult {
  accuracy: number;
  /** Predicted label per test row. */
  predictions: string[];
  /** Test rows whose true label never occurs in training (always counted wrong). */
  unseenTestLabels: number;
  encoder: LabelEncoder;
  model: LinearSvmModel;
  /** Test decision values (rows × classes, encoder order). */
  decision: Float64Array;
  cSearch?: CSearchResult;
}

export function trainAndTest(
  train: FeatureMatrix,
  trainLabels: readonly string[],
  test: FeatureMatrix,
  testLabels: readonly string[],
  opts: ClassifyOptions = {},
): ClassifyResult {
  if (train.dim !== test.dim) throw new Error(`train features have dim ${train.dim}, test features ${test.dim}`);
  if (trainLabels.length !== train.rows) throw new Error(`${trainLabels.length} train labels for ${train.rows} train rows`);
  if (testLabels.length !== test.rows) throw new Error(`${testLabels.length} test labels for ${test.rows} test rows`);
  const encoder = LabelEncoder.fit(trainLabels);
  const y = encoder.encode(trainLabels);
  if (encoder.classes.length < 2) throw new Error(`training set has ${encoder.classes.length} class; need at least 2`);
  assertMinPerClass(y, encoder.classes, opts.minPerClass ?? 2, 'training set');
  let c = opts.c ?? 1;
  let cSearch: CSearchResult | undefined;
  if (opts.cGrid) {
    cSearch = searchC(train, y, encoder.classes.length, opts.cGrid, opts.cvFolds ?? 5, opts);
    c = cSearch.best;
  }
  const model = trainLinearSvm(train, y, encoder.classes.length, { ...opts, c });
  const decision = decisionValues(model, test);
  const pred = argmaxRows(decision, test.rows, encoder.classes.length);
  const truth = encoder.encode(testLabels);
  let ok = 0;
  let unseen = 0;
  for (let i = 0; i < test.rows; i++) {
    if (truth[i] === -1) unseen++;
    else if (pred[i] === truth[i]) ok++;
  }
  return {
    accuracy: test.rows > 0 ? ok / test.rows : NaN,
    predictions: Array.from(pred, (k) => encoder.decode(k)),
    unseenTestLabels: unseen,
    encoder,
    model,
    decision,
    ...(cSearch ? { cSearch } : {}),
  };
}
