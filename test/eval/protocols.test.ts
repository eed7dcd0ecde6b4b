import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readUcf101Split } from '../../src/eval/protocols/ucf101.js';
import { readHmdb51Split } from '../../src/eval/protocols/hmdb51.js';
import { readVideoList, leaveOneOutFolds, kFolds, foldsToSplits } from '../../src/eval/protocols/list.js';
import { runProtocol, meanAndStdError } from '../../src/eval/protocols/run.js';
import { loadVideoDescriptors } from '../../src/eval/video-descriptors.js';
import { concatNormalized, fromRows, loadFeatures } from '../../src/eval/features.js';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/eval/random.js';
import { tempDir } from './fixtures.js';

const CLASSES = ['ApplyEyeMakeup', 'Biking', 'Diving'];

/** Writes per-video features (3 clips each) around class centres into `dir`; returns ids by class. */
function writeVideos(dir: string, seed: number, dim = 8, perClass = 6): Map<string, string[]> {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const out = new Map<string, string[]>();
  CLASSES.forEach((c, k) => {
    const ids: string[] = [];
    for (let g = 1; g <= perClass; g++) {
      const id = `v_${c}_g0${g}_c01`;
      const clips = Float32Array.from({ length: 3 * dim }, (_, i) => (i % dim === k ? 3 : 0) + 0.2 * rng.normal());
      writeNpy(join(dir, `${id}.npy`), { shape: [3, dim], data: clips });
      ids.push(id);
    }
    out.set(c, ids);
  });
  return out;
}

test('UCF101 split files: classInd + trainlist/testlist, per-split accuracy and mean', () => {
  const { dir, cleanup } = tempDir();
  try {
    const feats = join(dir, 'fc6');
    const ids = writeVideos(feats, 1);
    const splits = join(dir, 'ucfTrainTestlist');
    mkdirSync(splits);
    writeFileSync(join(splits, 'classInd.txt'), CLASSES.map((c, i) => `${i + 1} ${c}`).join('\r\n') + '\r\n');
    for (const n of [1, 2]) {
      const train: string[] = [], testL: string[] = [];
      CLASSES.forEach((c, k) => ids.get(c)!.forEach((id, g) => ((g + n) % 3 === 0 ? testL.push(`${c}/${id}.avi`) : train.push(`${c}/${id}.avi ${k + 1}`))));
      writeFileSync(join(splits, `trainlist0${n}.txt`), train.join('\n'));
      writeFileSync(join(splits, `testlist0${n}.txt`), testL.join('\n'));
    }
    const s1 = readUcf101Split(splits, 1);
    assert.equal(s1.train.ids.length, 12);
    assert.equal(s1.test.ids.length, 6);
    assert.equal(s1.test.labels[0], 'ApplyEyeMakeup');
    assert.ok(s1.train.ids[0]!.startsWith('v_ApplyEyeMakeup'));
    const res = runProtocol([s1, readUcf101Split(splits, 2)], [feats]);
    assert.deepEqual(res.splits.map((s) => s.accuracy), [1, 1]);
    assert.equal(res.mean, 1);
    // A split file naming a video without features: error lists it.
    writeFileSync(join(splits, 'testlist03.txt'), 'Biking/v_Biking_g99_c01.avi\nDiving/v_Diving_g98_c01.avi\n');
    writeFileSync(join(splits, 'trainlist03.txt'), 'Biking/v_Biking_g01_c01.avi 2\n');
    assert.throws(() => runProtocol([readUcf101Split(splits, 3)], [feats]), /split3: 2 video\(s\) have no features in .*: v_Biking_g99_c01, v_Diving_g98_c01/);
    writeFileSync(join(splits, 'testlist03.txt'), 'Surfing/v_Surfing_g01_c01.avi\n');
    assert.throws(() => readUcf101Split(splits, 3), /testlist03\.txt: 1 video\(s\) of unknown class: Surfing\/v_Surfing_g01_c01\.avi/);
  } finally {
    cleanup();
  }
});

test('HMDB51 split files: 1 = train, 2 = test, 0 = unused', () => {
  const { dir, cleanup } = tempDir();
  try {
    const feats = join(dir, 'f');
    const ids = writeVideos(feats, 2);
    const sp = join(dir, 'splits');
    mkdirSync(sp);
    CLASSES.forEach((c) => writeFileSync(join(sp, `${c}_test_split1.txt`), ids.get(c)!.map((id, g) => `${id}.avi ${[1, 1, 2, 0, 1, 2][g]} `).join('\n') + '\n'));
    const s = readHmdb51Split(sp, 1);
    assert.equal(s.train.ids.length, 9);
    assert.equal(s.test.ids.length, 6);
    assert.equal(runProtocol([s], [feats]).mean, 1);
    assert.throws(() => readHmdb51Split(sp, 2), /no \*_test_split2\.txt files/);
  } finally {
    cleanup();
  }
});

test('leave-one-out and k-fold over a video list; 3-net concatenation of normalised descriptors', () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = join(dir, 'net1'), b = join(dir, 'net2');
    const ids = writeVideos(a, 3);
    writeVideos(b, 4);
    const list = join(dir, 'videos.txt');
    writeFileSync(list, CLASSES.flatMap((c) => ids.get(c)!.map((id) => `${id}.avi ${c}`)).join('\n'));
    const l = readVideoList(list);
    assert.equal(l.ids.length, 18);
    const loo = leaveOneOutFolds(18);
    assert.deepEqual(loo[2]!.test, [2]);
    assert.equal(loo[2]!.train.length, 17);
    assert.ok(!loo[2]!.train.includes(2));
    assert.equal(runProtocol(foldsToSplits(l, loo), [a]).mean, 1);
    const kf = kFolds(l.labels, 3);
    assert.deepEqual(kf.map((f) => f.test.length), [6, 6, 6]);
    assert.equal(runProtocol(foldsToSplits(l, kf), [a, b]).mean, 1);
    const both = loadVideoDescriptors([a, b], l.ids.slice(0, 2));
    assert.equal(both.dim, 16);
    let n1 = 0;
    for (let j = 0; j < 8; j++) n1 += both.data[j]! ** 2;
    assert.ok(Math.abs(n1 - 1) < 1e-5, 'each net part is L2-normalised');
  } finally {
    cleanup();
  }
});

test('bad descriptor files: different dims and NaN rows are listed', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeNpy(join(dir, 'a.npy'), { shape: [2, 4], data: new Float32Array(8).fill(1) });
    writeNpy(join(dir, 'b.npy'), { shape: [2, 5], data: new Float32Array(10).fill(1) });
    writeNpy(join(dir, 'c.npy'), { shape: [1, 4], data: Float32Array.from([1, NaN, 0, 0]) });
    assert.throws(() => loadVideoDescriptors([dir], ['a', 'b']), /feature dims differ \(first file has 4\): b\.npy \(5\)/);
    assert.throws(() => loadVideoDescriptors([dir], ['a', 'c']), /NaN\/Inf features for video\(s\) c/);
    writeNpy(join(dir, 'rows.npy'), { shape: [3, 2], data: Float32Array.from([0, 1, Infinity, 0, 1, NaN]) });
    assert.throws(() => loadFeatures(join(dir, 'rows.npy')), /rows\.npy: NaN\/Inf values in row\(s\) 1, 2/);
    assert.throws(() => concatNormalized([fromRows([[1]]), fromRows([[1], [2]])]), /part 1 has 2 rows, part 0 has 1/);
  } finally {
    cleanup();
  }
});

test("features in class subfolders (c3d extract UCF-101/ keeps them) are found by file name; a name in two folders is an error", () => {
  const { dir, cleanup } = tempDir();
  try {
    const flat = join(dir, 'flat');
    const ids = [...writeVideos(flat, 3).values()].flat();
    const nested = join(dir, 'nested');
    for (const id of ids) {
      const cls = id.split('_')[1]!;
      mkdirSync(join(nested, cls), { recursive: true });
      writeFileSync(join(nested, cls, `${id}.npy`), readFileSync(join(flat, `${id}.npy`)));
    }
    assert.deepEqual(loadVideoDescriptors([nested], ids).data, loadVideoDescriptors([flat], ids).data);
    mkdirSync(join(nested, 'Other'));
    writeFileSync(join(nested, 'Other', `${ids[0]}.npy`), readFileSync(join(flat, `${ids[0]}.npy`)));
    assert.throws(() => loadVideoDescriptors([nested], ids), new RegExp(`1 video\\(s\\) have features in two subfolders of .*nested: ${ids[0]} \\(`));
    assert.throws(() => loadVideoDescriptors([nested], ['v_Missing_g01_c01']), /1 video\(s\) have no features in .*nested: v_Missing_g01_c01/);
  } finally {
    cleanup();
  }
});

test('mean ± standard error uses the n−1 sample deviation', () => {
  const r = meanAndStdError([0.7, 0.8, 0.9]);
  assert.ok(Math.abs(r.mean - 0.8) < 1e-12);
  assert.ok(Math.abs(r.stdError - 0.1 / Math.sqrt(3)) < 1e-12);
});
