import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { aslanMeasures, KL_EPSILON } from '../../src/eval/aslan/measures.js';
import { readAslanSplits } from '../../src/eval/aslan/splits.js';
import { runAslan, zNormalize } from '../../src/eval/aslan/protocol.js';
import { roc } from '../../src/eval/roc.js';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/eval/random.js';
import { fixture, tempDir } from './fixtures.js';

test('the 12 measures on hand-computed vectors', () => {
  // x1 = (1, 3, 0), x2 = (1, 1, 2): worked out by hand below.
  const m = aslanMeasures([1, 3, 0], [1, 1, 2]);
  const expect = [
    4, // Σ x1x2 = 1 + 3 + 0
    2, // √4
    Math.sqrt(1 + Math.sqrt(3)), // √(Σ √(x1x2)) = √(1 + √3 + 0)
    Math.sqrt(0.5 + 0.75), // √(1/2 + 3/4 + 0/2)
    4 / (Math.sqrt(10) * Math.sqrt(6)), // cosine
    Math.sqrt(0 + 4 / 4 + 4 / 2), // √(0/2 + 2²/4 + 2²/2)
    4, // |0| + |2| + |−2|
    Math.sqrt(0 + (Math.sqrt(3) - 1) ** 2 + 2), // Hellinger-type
  ];
  expect.forEach((v, i) => assert.ok(Math.abs(m[i]! - v) < 1e-12, `measure ${i + 1}: ${m[i]} vs ${v}`));
  // Rows 9–12 on L1-normalised copies p = (1/4, 3/4, 0), q = (1/4, 1/4, 1/2).
  const p = [0.25, 0.75, 0], q = [0.25, 0.25, 0.5];
  assert.ok(Math.abs(m[8]! - Math.sqrt(0 + 0.25 + 0.25)) < 1e-12, 'measure 9');
  const kl = 0.5 * p.reduce((s, _, i) => s + (p[i]! - q[i]!) * (Math.log(p[i]! + KL_EPSILON) - Math.log(q[i]! + KL_EPSILON)), 0);
  assert.ok(Math.abs(m[9]! - kl) < 1e-12, 'measure 10');
  const m11 = Math.sqrt(0.25) / Math.sqrt(0.5) + Math.sqrt(0.75) / Math.sqrt(1) + Math.sqrt(0.5) / Math.sqrt(0.5);
  assert.ok(Math.abs(m[10]! - m11) < 1e-12, 'measure 11');
  assert.ok(Math.abs(m[11]! - (0.25 + 0.25 + 0)) < 1e-12, 'measure 12');
});

test('measures of identical vectors: zero distances, cosine 1; all-zero vectors give finite zeros', () => {
  const m = aslanMeasures([0.2, 0.5, 0.3], [0.2, 0.5, 0.3]);
  for (const i of [5, 6, 7, 8, 9]) assert.ok(Math.abs(m[i]!) < 1e-12, `measure ${i + 1} = ${m[i]}`);
  assert.ok(Math.abs(m[4]! - 1) < 1e-12);
  const z = aslanMeasures([0, 0], [0, 0]);
  assert.ok(z.every((v) => v === 0), Array.from(z).join());
  const signed = aslanMeasures([-1, 2], [3, -4]);
  assert.ok(signed.every(Number.isFinite));
  assert.equal(signed[0], -11); // measure 1 uses the raw (signed) values
  assert.equal(signed[6], 10);
});

test('View2 split array reads the same from MATLAB v5, compressed v5, v7.3 (HDF5) and CSV', async () => {
  const ref = await readAslanSplits(fixture('view2.csv'));
  assert.equal(ref.length, 3);
  assert.equal(ref[0]!.length, 6);
  assert.deepEqual(ref[1]![2], { id1: '105', id2: '106', same: false });
  assert.deepEqual(ref[2]![1], { id1: '203', id2: '204', same: true });
  for (const f of ['view2_v5.mat', 'view2_v5z.mat', 'view2_v73.mat']) assert.deepEqual(await readAslanSplits(fixture(f)), ref, f);
  await assert.rejects(readAslanSplits(fixture('pca_x.npy')), /pca_x\.npy: not a MATLAB v5 file|no numeric array/);
});

test('ROC/AUC: perfect, inverted and tied scores', () => {
  assert.equal(roc([3, 2, 1, 0], [true, true, false, false]).auc, 1);
  assert.equal(roc([0, 1, 2, 3], [true, true, false, false]).auc, 0);
  assert.equal(roc([1, 1, 1, 1], [true, false, true, false]).auc, 0.5);
  const r = roc([0.9, 0.8, 0.7, 0.6], [true, false, true, false]);
  assert.equal(r.auc, 0.75);
  assert.deepEqual(r.fpr, [0, 0, 0.5, 0.5, 1]);
});

test('z-normalisation uses training statistics only', () => {
  const train = { rows: 3, dim: 1, data: Float32Array.from([1, 2, 3]) };
  const testM = { rows: 1, dim: 1, data: Float32Array.from([4]) };
  zNormalize(train, testM);
  assert.deepEqual(Array.from(train.data), [-1, 0, 1]);
  assert.equal(testM.data[0], 2);
});

test('View-2 protocol end to end on synthetic "same action" pairs separates same from not-same', () => {
  const { dir, cleanup } = tempDir();
  try {
    const rng = new Rng(4);
    const actions = 12, perAction = 4, dim = 16;
    const centre = Array.from({ length: actions }, () => Array.from({ length: dim }, () => Math.abs(rng.normal())));
    const types = ['fc7', 'prob'];
    for (const t of types) mkdirSync(join(dir, t));
    const videos: { id: string; action: number }[] = [];
    for (let a = 0; a < actions; a++) {
      for (let v = 0; v < perAction; v++) {
        const id = `${a * perAction + v + 1}`;
        videos.push({ id, action: a });
        for (const t of types) {
          const clips = Float32Array.from({ length: 2 * dim }, (_, k) => Math.max(0, centre[a]![k % dim]! + 0.3 * rng.normal()));
          writeNpy(join(dir, t, `${id}.npy`), { shape: [2, dim], data: clips });
        }
      }
    }
    // 4 splits, actions disjoint between splits: 3 actions each, same pairs within an action, not-same across.
    const splits = Array.from({ length: 4 }, (_, s) => {
      const vs = videos.filter((v) => Math.floor(v.action / 3) === s);
      const pairs = [];
      for (let i = 0; i < vs.length; i++) for (let j = i + 1; j < vs.length; j++) pairs.push({ id1: vs[i]!.id, id2: vs[j]!.id, same: vs[i]!.action === vs[j]!.action });
      return pairs;
    });
    const r = runAslan(dir, types, splits, {});
    assert.equal(r.folds.length, 4);
    assert.ok(r.mean > 0.9, `accuracy ${r.mean}`);
    assert.ok(r.auc > 0.95, `AUC ${r.auc}`);
    assert.throws(() => runAslan(dir, ['pool5'], splits, {}), /ASLAN split file: 48 video\(s\) have no features in .*pool5: 1, 2, 3/);
  } finally {
    cleanup();
  }
});
