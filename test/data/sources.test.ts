import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DatasetError, checkClasses, checkEveryClassHasItems, readClipsDataset, readFolderDataset, readHmdb51Dataset, readUcf101Dataset,
  type VideoDataset,
} from '../../src/data/index.js';
import { writeNpy } from '../../src/io/npy.js';
import { framesDir, int64Npy, rawNpy, tempDir, touch } from './helpers.js';

/** One-line DatasetError whose message matches `re`. */
function datasetError(re: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `message has several lines: ${e.message}`);
    assert.match(e.message, re);
    return true;
  };
}

const summary = (ds: VideoDataset): [string, number, number | undefined, string][] => ds.items.map((it) => [it.path, it.label, it.start, it.where]);

test('folder dataset: sorted class folders, recursive videos by extension, frames folders as one video', () => {
  const root = tempDir();
  touch(join(root, 'walk', 'x.avi'));
  touch(join(root, 'walk', 'sub', 'y.MP4'));
  touch(join(root, 'walk', 'notes.txt'));
  framesDir(join(root, 'jump', 'clip1'), 3);
  touch(join(root, 'Zoom', 'z.webm'));
  touch(join(root, 'README.md'));
  touch(join(root, '.cache', 'junk.avi'));
  const ds = readFolderDataset(root);
  assert.equal(ds.kind, 'videos');
  assert.deepEqual(ds.classes, ['Zoom', 'jump', 'walk']);
  const p = (...s: string[]) => join(root, ...s);
  assert.deepEqual(summary(ds), [
    [p('Zoom', 'z.webm'), 0, undefined, p('Zoom', 'z.webm')],
    [p('jump', 'clip1'), 1, undefined, p('jump', 'clip1')],
    [p('walk', 'sub', 'y.MP4'), 2, undefined, p('walk', 'sub', 'y.MP4')],
    [p('walk', 'x.avi'), 2, undefined, p('walk', 'x.avi')],
  ]);
  assert.match(ds.origin, /class folders in .* \(3 classes, 4 videos\)/);
});

test('folder dataset errors: empty class folders (all named), no class folders, missing folder', () => {
  const root = tempDir();
  touch(join(root, 'a', 'v.avi'));
  touch(join(root, 'b', 'readme.txt'));
  mkdirSync(join(root, 'c'));
  assert.throws(() => readFolderDataset(root), datasetError(/: 2 class folder\(s\) have no videos: b, c \(looked for .*\.avi.* files and %06d\.jpg frames folders\)$/));
  const flat = tempDir();
  touch(join(flat, 'v.avi'));
  assert.throws(() => readFolderDataset(flat), datasetError(new RegExp(`^${flat}: no class folders`)));
  assert.throws(() => readFolderDataset(join(flat, 'nope')), datasetError(/nope: cannot list the dataset folder \(ENOENT\)/));
});

/** A UCF101 tree: split files in ROOT/ucfTrainTestlist, one video under ROOT/UCF-101. */
function ucfTree(): string {
  const root = tempDir();
  const lists = join(root, 'ucfTrainTestlist');
  touch(join(lists, 'classInd.txt'), '1 ApplyEyeMakeup\r\n2 HandstandPushups\r\n3 Biking\r\n');
  touch(
    join(lists, 'trainlist01.txt'),
    'ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\r\n\r\nHandstandPushups/v_HandStandPushups_g08_c01.avi 2\r\nBiking/v_Biking_g08_c01.avi 3\r\n',
  );
  // The official testlist spells the folder HandStandPushups.
  touch(join(lists, 'testlist01.txt'), 'Biking/v_Biking_g01_c01.avi\nHandStandPushups/v_HandStandPushups_g01_c01.avi\nApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi\n');
  touch(join(lists, 'testlist02.txt'), 'Biking/v_Biking_g02_c01.avi\nApplyEyeMakeup/v_ApplyEyeMakeup_g02_c01.avi\n');
  touch(join(root, 'UCF-101', 'Biking', 'v_Biking_g08_c01.avi'));
  touch(join(root, 'ApplyEyeMakeup', 'v_ApplyEyeMakeup_g08_c01.avi'));
  return root;
}

test('UCF101: classInd order, 0-based labels, case-tolerant folders, videos in ROOT or ROOT/UCF-101', () => {
  const root = ucfTree();
  const lists = join(root, 'ucfTrainTestlist');
  const train = readUcf101Dataset(root, 1, 'train');
  assert.deepEqual(train.classes, ['ApplyEyeMakeup', 'HandstandPushups', 'Biking']);
  assert.deepEqual(summary(train), [
    [join(root, 'ApplyEyeMakeup', 'v_ApplyEyeMakeup_g08_c01.avi'), 0, undefined, `${join(lists, 'trainlist01.txt')}:1`],
    // Missing videos keep the ROOT path (checkDatasetFiles reports them); blank lines still count.
    [join(root, 'HandstandPushups', 'v_HandStandPushups_g08_c01.avi'), 1, undefined, `${join(lists, 'trainlist01.txt')}:3`],
    [join(root, 'UCF-101', 'Biking', 'v_Biking_g08_c01.avi'), 2, undefined, `${join(lists, 'trainlist01.txt')}:4`],
  ]);
  assert.equal(train.origin, `UCF101 split 1 train (${root})`);
  const testSet = readUcf101Dataset(root, 1, 'test');
  assert.deepEqual(testSet.items.map((it) => it.label), [2, 1, 0]);
  assert.equal(testSet.items[1]!.path, join(root, 'HandStandPushups', 'v_HandStandPushups_g01_c01.avi'));
  // Split files directly in ROOT work too.
  const flat = tempDir();
  touch(join(flat, 'classInd.txt'), '1 A\n2 B\n');
  touch(join(flat, 'testlist03.txt'), 'B/v_B_g01_c01.avi\nA/v_A_g01_c01.avi\n');
  assert.deepEqual(summary(readUcf101Dataset(flat, 3, 'test')).map((r) => r.slice(1, 2)), [[1], [0]]);
});

test('UCF101 errors: class without video, missing split files, bad split number, bad classInd', () => {
  const root = ucfTree();
  assert.throws(() => readUcf101Dataset(root, 2, 'test'), datasetError(/testlist02\.txt: 1 of 3 classes have no video in this list: HandstandPushups \(label 1\)$/));
  assert.throws(() => readUcf101Dataset(root, 2, 'train'), datasetError(/trainlist02\.txt: cannot read \(ENOENT\)/));
  assert.throws(() => readUcf101Dataset(root, 0, 'train'), datasetError(/split must be a positive integer/));
  assert.throws(() => readUcf101Dataset(tempDir(), 1, 'train'), datasetError(/no classInd\.txt here or in .*ucfTrainTestlist/));
  const gap = tempDir();
  touch(join(gap, 'classInd.txt'), '1 A\n3 C\n');
  assert.throws(() => readUcf101Dataset(gap, 1, 'train'), datasetError(/classInd\.txt: class indices must run 1\.\.2 without gaps; 2 is missing/));
  const bad = tempDir();
  touch(join(bad, 'classInd.txt'), '1 A\n\nA 2\n');
  assert.throws(() => readUcf101Dataset(bad, 1, 'train'), datasetError(/classInd\.txt:3: expected "INDEX CLASS", got "A 2"/));
  touch(join(bad, 'classInd.txt'), '1 A\n2 B\n');
  touch(join(bad, 'trainlist01.txt'), 'A/a.avi 1\nB/b.avi 7\n');
  assert.throws(() => readUcf101Dataset(bad, 1, 'train'), datasetError(/trainlist01\.txt:2: class index 7 is not in classInd\.txt/));
});

/** An HMDB51 tree: split files in ROOT/testTrainMulti_7030_splits, one video under ROOT/hmdb51_org. */
function hmdbTree(): string {
  const root = tempDir();
  const sp = join(root, 'testTrainMulti_7030_splits');
  touch(join(sp, 'brush_hair_test_split1.txt'), 'b1.avi 1 \nb2.avi 2 \nb3.avi 0 \nb4.avi 1 \n');
  touch(join(sp, 'cartwheel_test_split1.txt'), 'c1.avi 2\nc2.avi 1\n');
  touch(join(sp, 'cartwheel_test_split2.txt'), 'c1.avi 1\nc2.avi 1\n');
  touch(join(sp, 'brush_hair_test_split2.txt'), 'b1.avi 2\nb2.avi 1\n');
  touch(join(root, 'hmdb51_org', 'brush_hair', 'b4.avi'));
  return root;
}

test('HMDB51: 1 = train, 2 = test, 0 unused; sorted classes; videos in ROOT/<class> or ROOT/hmdb51_org/<class>', () => {
  const root = hmdbTree();
  const sp = join(root, 'testTrainMulti_7030_splits');
  const train = readHmdb51Dataset(root, 1, 'train');
  assert.deepEqual(train.classes, ['brush_hair', 'cartwheel']);
  assert.deepEqual(summary(train), [
    [join(root, 'brush_hair', 'b1.avi'), 0, undefined, `${join(sp, 'brush_hair_test_split1.txt')}:1`],
    [join(root, 'hmdb51_org', 'brush_hair', 'b4.avi'), 0, undefined, `${join(sp, 'brush_hair_test_split1.txt')}:4`],
    [join(root, 'cartwheel', 'c2.avi'), 1, undefined, `${join(sp, 'cartwheel_test_split1.txt')}:2`],
  ]);
  const testSet = readHmdb51Dataset(root, 1, 'test');
  assert.deepEqual(testSet.items.map((it) => [it.path.slice(root.length), it.label]), [[join('/brush_hair', 'b2.avi'), 0], [join('/cartwheel', 'c1.avi'), 1]]);
  assert.equal(testSet.origin, `HMDB51 split 1 test (${root})`);
  // Split files directly in ROOT.
  const flat = tempDir();
  touch(join(flat, 'run_test_split3.txt'), 'r.avi 2\n');
  assert.deepEqual(summary(readHmdb51Dataset(flat, 3, 'test')), [[join(flat, 'run', 'r.avi'), 0, undefined, `${join(flat, 'run_test_split3.txt')}:1`]]);
});

test('HMDB51 errors: class without video in the part, bad line, no split files', () => {
  const root = hmdbTree();
  assert.throws(() => readHmdb51Dataset(root, 2, 'test'), datasetError(/^1 HMDB51 split file\(s\) mark no video 2 \(test\): .*cartwheel_test_split2\.txt$/));
  assert.throws(() => readHmdb51Dataset(root, 3, 'train'), datasetError(/: no \*_test_split3\.txt files here or in .*testTrainMulti_7030_splits \(HMDB51's split files/));
  touch(join(root, 'testTrainMulti_7030_splits', 'cartwheel_test_split1.txt'), 'c1.avi 2\n\nc2.avi train\n');
  assert.throws(() => readHmdb51Dataset(root, 1, 'train'), datasetError(/cartwheel_test_split1\.txt:3: expected "VIDEO 0\|1\|2", got "c2\.avi train"/));
});

test('clips dataset: float32 (N,C,L,H,W) with int64 / int32 / float labels', () => {
  const dir = tempDir();
  const x = join(dir, 'X.npy');
  const clips = Float32Array.from({ length: 3 * 3 * 2 * 2 * 2 }, (_, i) => i / 10);
  writeNpy(x, { shape: [3, 3, 2, 2, 2], data: clips });
  const y64 = touch(join(dir, 'y64.npy'), int64Npy([2, 0, 1]));
  const ds = readClipsDataset(x, y64);
  assert.equal(ds.kind, 'clips');
  assert.deepEqual(ds.shape, [3, 3, 2, 2, 2]);
  assert.deepEqual(Array.from(ds.clips), Array.from(clips));
  assert.ok(ds.labels instanceof Int32Array);
  assert.deepEqual(Array.from(ds.labels), [2, 0, 1]);
  assert.deepEqual(ds.classes, ['0', '1', '2']);
  const y32 = join(dir, 'y32.npy');
  writeNpy(y32, { shape: [3, 1], data: Int32Array.from([1, 1, 0]) });
  assert.deepEqual(readClipsDataset(x, y32, { classes: 4 }).classes, ['0', '1', '2', '3']);
  const yf = join(dir, 'yf.npy');
  writeNpy(yf, { shape: [3], data: Float64Array.from([3, 0, 1]) });
  assert.deepEqual(Array.from(readClipsDataset(x, yf).labels), [3, 0, 1]);
});

test('clips dataset errors name the file: dtype, rank, count, non-integer / out-of-range labels', () => {
  const dir = tempDir();
  const x = join(dir, 'X.npy');
  writeNpy(x, { shape: [2, 1, 1, 1, 1], data: new Float32Array(2) });
  const y = (name: string, bytes: Uint8Array) => touch(join(dir, name), bytes);
  const good = y('good.npy', int64Npy([0, 1]));
  const x64 = join(dir, 'X64.npy');
  writeNpy(x64, { shape: [2, 1, 1, 1, 1], data: new Float64Array(2) });
  assert.throws(() => readClipsDataset(x64, good), datasetError(/X64\.npy: clips must be float32, got float64/));
  const x4 = join(dir, 'X4.npy');
  writeNpy(x4, { shape: [2, 1, 1, 1], data: new Float32Array(2) });
  assert.throws(() => readClipsDataset(x4, good), datasetError(/X4\.npy: clips must have shape \(N, C, L, H, W\), got \(2, 1, 1, 1\)/));
  assert.throws(() => readClipsDataset(x, y('three.npy', int64Npy([0, 1, 1]))), datasetError(/three\.npy: 3 labels for 2 clips in .*X\.npy/));
  assert.throws(() => readClipsDataset(x, y('2d.npy', int64Npy([0, 1, 1, 0], [2, 2]))), datasetError(/2d\.npy: labels must have shape \(N\) or \(N, 1\), got \(2, 2\)/));
  assert.throws(() => readClipsDataset(x, y('frac.npy', rawNpy('<f4', [2], Float32Array.from([0, 0.5])))), datasetError(/frac\.npy: label 0\.5 at index 1 is not an integer/));
  assert.throws(() => readClipsDataset(x, y('neg.npy', int64Npy([0, -1]))), datasetError(/neg\.npy: label -1 at index 1 is negative/));
  assert.throws(() => readClipsDataset(x, good, { classes: 1 }), datasetError(/good\.npy: label 1 at index 1 is outside \[0, 1\) \(1 classes\)/));
  assert.throws(() => readClipsDataset(x, y('huge.npy', int64Npy([0, 2 ** 40]))), datasetError(/huge\.npy: int64 value 1099511627776 at flat index 1 does not fit in int32/));
  assert.throws(() => readClipsDataset(join(dir, 'none.npy'), good), datasetError(/none\.npy: cannot read \(ENOENT\)/));
  writeFileSync(join(dir, 'junk.npy'), 'not numpy at all');
  assert.throws(() => readClipsDataset(x, join(dir, 'junk.npy')), datasetError(/junk\.npy: not a \.npy file/));
});

const videos = (classes: string[], labels: number[], origin = 'list.txt'): VideoDataset => ({
  kind: 'videos',
  classes,
  items: labels.map((label, i) => ({ path: `v${i}.avi`, label, where: `${origin}:${i + 1}` })),
  origin,
});

test('checkClasses: identical lists pass; differing lists name both sources and the first difference', () => {
  checkClasses(videos(['a', 'b'], [0, 1]), videos(['a', 'b'], [1]), 'train', 'val');
  assert.throws(
    () => checkClasses(videos(['a', 'b', 'c'], [0]), videos(['a', 'B', 'c'], [0]), 'train.txt', 'val.txt'),
    datasetError(/^class lists differ: train\.txt has 3 classes, val\.txt has 3; first difference at label 1: 'b' vs 'B'$/),
  );
  assert.throws(
    () => checkClasses(videos(['a', 'b'], [0]), videos(['a', 'b', 'c'], [0]), 'ucf101 split 1', 'val.txt'),
    datasetError(/ucf101 split 1 has 2 classes, val\.txt has 3; first difference at label 2: nothing vs 'c'$/),
  );
});

test('checkEveryClassHasItems: empty classes and out-of-range labels name the source (and line)', () => {
  checkEveryClassHasItems(videos(['0', '1'], [1, 0, 1]));
  assert.throws(() => checkEveryClassHasItems(videos(['0', '1', '2', '3'], [0, 2, 2])), datasetError(/^list\.txt: 2 of 4 classes have no video to train on: 1, 3$/));
  assert.throws(() => checkEveryClassHasItems(videos(['run', 'walk'], [1])), datasetError(/list\.txt: 1 of 2 classes have no video to train on: run \(label 0\)/));
  assert.throws(() => checkEveryClassHasItems(videos(['0', '1'], [0, 1, 2])), datasetError(/^list\.txt:3: label 2 is outside \[0, 2\) \(2 classes\)$/));
  const clips = { kind: 'clips' as const, classes: ['0', '1'], clips: new Float32Array(2), shape: [2, 1, 1, 1, 1] as [number, number, number, number, number], labels: Int32Array.from([1, 1]), origin: 'clips X.npy' };
  assert.throws(() => checkEveryClassHasItems(clips), datasetError(/^clips X\.npy: 1 of 2 classes have no clip to train on: 0$/));
});
