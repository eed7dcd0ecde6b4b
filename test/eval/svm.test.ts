import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNpy } from '../../src/io/npy.js';
import { loadFeatures } from '../../src/eval/features.js';
import { trainLinearSvm, decisionValues, predictLinearSvm, accuracy } from '../../src/eval/linear-svm.js';
import { gaussianClusters } from '../../src/eval/synthetic.js';
import { trainAndTest } from '../../src/eval/classify.js';
import { stratifiedFolds, searchC, crossValidate } from '../../src/eval/cross-validation.js';
import { LabelEncoder } from '../../src/eval/labels.js';
import { fixture } from './fixtures.js';

const xtr = loadFeatures(fixture('svm_train.npy'));
const xte = loadFeatures(fixture('svm_test.npy'));
const ytr = readNpy(fixture('svm_train_y.npy')).data as Int32Array;
const yte = readNpy(fixture('svm_test_y.npy')).data as Int32Array;

/** Pearson correlation of two equal-length arrays. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]! / n; mb += b[i]! / n; }
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

for (const loss of ['l2', 'l1'] as const) {
  test(`${loss}-loss: converges to the LIBLINEAR optimum (scikit-learn LinearSVC, same solver, no iteration cap)`, () => {
    const ref = readNpy(fixture(`svm_optimum_${loss}_weights.npy`));
    const model = trainLinearSvm(xtr, ytr, 4, { c: 1, loss, bias: 1, eps: 1e-5, maxIter: 5000 });
    const scale = Math.max(...Array.from(ref.data, Math.abs));
    let maxErr = 0;
    for (let i = 0; i < ref.data.length; i++) maxErr = Math.max(maxErr, Math.abs(model.weights[i]! - ref.data[i]!));
    assert.ok(maxErr < 1e-4 * scale, `max |w − w_opt| = ${maxErr} (scale ${scale})`);
  });

  test(`${loss}-loss at the default tolerance: accuracy within 0.5 points of liblinear-train -s ${loss === 'l2' ? 1 : 3}, similar decision values`, () => {
    const model = trainLinearSvm(xtr, ytr, 4, { loss });
    const ours = accuracy(predictLinearSvm(model, xte), yte);
    const theirs = accuracy(readNpy(fixture(`svm_liblinear_${loss}_pred.npy`)).data as Int32Array, yte);
    assert.ok(Math.abs(ours - theirs) <= 0.005, `ours ${ours}, liblinear ${theirs}`);
    const dec = decisionValues(model, xte);
    const refDec = readNpy(fixture(`svm_liblinear_${loss}_decision.npy`)).data;
    const r = correlation(dec, refDec);
    assert.ok(r > 0.995, `decision-value correlation with liblinear ${r}`);
  });
}

test('separable Gaussian clusters are classified perfectly; training is deterministic per seed', () => {
  const tr = gaussianClusters({ classes: 5, perClass: 20, dim: 32, noise: 0.3, seed: 3 });
  const te = gaussianClusters({ classes: 5, perClass: 10, dim: 32, noise: 0.3, seed: 4, centres: tr.centres });
  const a = trainLinearSvm(tr.x, tr.y, 5, { seed: 9 });
  const b = trainLinearSvm(tr.x, tr.y, 5, { seed: 9 });
  assert.equal(accuracy(predictLinearSvm(a, te.x), te.y), 1);
  assert.deepEqual(a.weights, b.weights);
});

test('two classes: one weight vector as liblinear, scores (d, −d), labels in first-appearance order', () => {
  const tr = gaussianClusters({ classes: 2, perClass: 15, dim: 8, noise: 0.5, seed: 5 });
  const labels = Array.from(tr.y, (k) => (k === 0 ? 'b' : 'a'));
  const r = trainAndTest(tr.x, labels, tr.x, labels, {});
  assert.deepEqual(r.encoder.classes, ['b', 'a']);
  assert.equal(r.model.weights.length, 9);
  for (let i = 0; i < tr.x.rows; i++) assert.equal(r.decision[2 * i + 1], -r.decision[2 * i]!);
  assert.equal(r.accuracy, 1);
});

test('stratified folds spread each class evenly; C search reports every grid point', () => {
  const y = Int32Array.from({ length: 30 }, (_, i) => i % 3);
  const fold = stratifiedFolds(y, 5, 2);
  for (let f = 0; f < 5; f++) {
    const members = Array.from(y).filter((_, i) => fold[i] === f);
    assert.equal(members.length, 6);
    for (let c = 0; c < 3; c++) assert.equal(members.filter((v) => v === c).length, 2);
  }
  const tr = gaussianClusters({ classes: 3, perClass: 10, dim: 6, noise: 0.8, seed: 6 });
  const s = searchC(tr.x, tr.y, 3, [0.01, 1, 100], 3);
  assert.deepEqual(s.table.map((t) => t.c), [0.01, 1, 100]);
  assert.ok(s.table.every((t) => t.accuracy >= 0 && t.accuracy <= 1));
  assert.equal(s.best, s.table.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)).c);
  const cv = crossValidate(tr.x, tr.y, 3, 3);
  assert.equal(cv.folds.length, 3);
});

test('labels unseen in training count as wrong and are reported', () => {
  const tr = gaussianClusters({ classes: 2, perClass: 5, dim: 4, noise: 0.1, seed: 1 });
  const enc = ['x', 'y'];
  const r = trainAndTest(tr.x, Array.from(tr.y, (k) => enc[k]!), tr.x, Array.from(tr.y, (k) => (k === 0 ? 'x' : 'zzz')), {});
  assert.equal(r.unseenTestLabels, 5);
  assert.equal(r.accuracy, 0.5);
});

test('bad input: a class with one sample, label count mismatch, dim mismatch', () => {
  const tr = gaussianClusters({ classes: 3, perClass: 4, dim: 4, noise: 0.1, seed: 1 });
  const labels = Array.from(tr.y, (k) => `c${k}`);
  labels[0] = 'lonely';
  assert.throws(() => trainAndTest(tr.x, labels, tr.x, labels, {}), /training set: class\(es\) with fewer than 2 samples: 'lonely'/);
  assert.throws(() => trainAndTest(tr.x, labels.slice(1), tr.x, labels, {}), /11 train labels for 12 train rows/);
  const other = gaussianClusters({ classes: 3, perClass: 4, dim: 5, noise: 0.1, seed: 1 });
  assert.throws(() => trainAndTest(tr.x, labels, other.x, labels, {}), /train features have dim 4, test features 5/);
  assert.equal(LabelEncoder.fit(['b', 'a', 'b']).classes.join(), 'b,a');
});
