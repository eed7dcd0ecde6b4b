import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatasetError, readListDataset, type VideoDataset } from '../../src/data/index.js';
import { framesDir, tempDir, touch } from './helpers.js';

function datasetError(re: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `message has several lines: ${e.message}`);
    assert.match(e.message, re);
    return true;
  };
}

const rows = (ds: VideoDataset): [string, number, number | undefined][] => ds.items.map((it) => [it.path, it.label, it.start]);

/** A folder with videos a.avi, b.mp4, frames folders frm/a (20 frames), frm/b (5), and MMAction2-named mm/c (4 img_%05d.jpg). */
function tree(): string {
  const dir = tempDir();
  touch(join(dir, 'videos', 'a.avi'));
  touch(join(dir, 'videos', 'b.mp4'));
  framesDir(join(dir, 'frm', 'a'), 20);
  framesDir(join(dir, 'frm', 'b'), 5);
  framesDir(join(dir, 'mm', 'c'), 4, (i) => `img_${String(i).padStart(5, '0')}.jpg`);
  return dir;
}

test('caffe lists: one clip per line; videos start from 0, frames folders from 1 (converted to 0-based)', () => {
  const dir = tree();
  const list = touch(join(dir, 'train.txt'), 'videos/a.avi 0 0\nvideos/a.avi 16 0\nvideos/b.mp4 8 1\n');
  const ds = readListDataset(list);
  assert.deepEqual(rows(ds), [[join(dir, 'videos/a.avi'), 0, 0], [join(dir, 'videos/a.avi'), 0, 16], [join(dir, 'videos/b.mp4'), 1, 8]]);
  assert.deepEqual(ds.items.map((it) => it.where), [`${list}:1`, `${list}:2`, `${list}:3`]);
  assert.deepEqual(ds.classes, ['0', '1']);
  assert.match(ds.origin, /train\.txt \(caffe format, 3 clips\)/);
  // Frames folders, no path repeated: the counts (20, 5) differ from the second column, so caffe.
  const frames = readListDataset(touch(join(dir, 'frames.txt'), 'frm/a 1 0\nfrm/b 5 2\n'));
  assert.deepEqual(rows(frames), [[join(dir, 'frm/a'), 0, 0], [join(dir, 'frm/b'), 2, 4]]);
  assert.deepEqual(frames.classes, ['0', '1', '2']);
  // A single video file on a 3-column line is enough for caffe, even without repeats.
  assert.deepEqual(rows(readListDataset(touch(join(dir, 'one.txt'), 'videos/b.mp4 5 0\n'))), [[join(dir, 'videos/b.mp4'), 0, 5]]);
  // Missing paths: a video extension means a video (from 0), none means a frames folder (from 1).
  assert.deepEqual(rows(readListDataset(touch(join(dir, 'missing.txt'), 'gone.avi 3 0\ngone_frames 3 0\n'))), [[join(dir, 'gone.avi'), 0, 3], [join(dir, 'gone_frames'), 0, 2]]);
});

test('mmaction rawframes lists: every path a folder whose frame count is the second column; no start', () => {
  const dir = tree();
  const list = touch(join(dir, 'raw.txt'), 'frm/a 20 1\nmm/c 4 0\nfrm/b 5 1\n');
  const ds = readListDataset(list);
  assert.deepEqual(rows(ds), [[join(dir, 'frm/a'), 1, undefined], [join(dir, 'mm/c'), 0, undefined], [join(dir, 'frm/b'), 1, undefined]]);
  assert.match(ds.origin, /mmaction format, 3 videos/);
  // One count off: caffe (frames folders, 1-based starts).
  assert.deepEqual(rows(readListDataset(touch(join(dir, 'off.txt'), 'frm/a 20 1\nfrm/b 4 1\n'))).map((r) => r[2]), [19, 3]);
  // Forced formats override the rule.
  assert.deepEqual(rows(readListDataset(list, { format: 'caffe' })).map((r) => r[2]), [19, 3, 4]);
  const dup = touch(join(dir, 'dup.txt'), 'videos/a.avi 0 0\nvideos/a.avi 16 0\n');
  assert.deepEqual(rows(readListDataset(dup, { format: 'mmaction' })).map((r) => r[2]), [undefined, undefined]);
});

test('plain lists: PATH LABEL, relative to the list folder or absolute; class count from max label or given', () => {
  const dir = tree();
  const abs = join(dir, 'videos', 'b.mp4');
  const list = touch(join(dir, 'sub', 'val.txt'), `# comment\n../videos/a.avi 2\n\n${abs} 0\n`);
  const ds = readListDataset(list);
  assert.deepEqual(rows(ds), [[join(dir, 'videos/a.avi'), 2, undefined], [abs, 0, undefined]]);
  assert.deepEqual(ds.items.map((it) => it.where), [`${list}:2`, `${list}:4`]);
  assert.deepEqual(ds.classes, ['0', '1', '2']);
  assert.match(ds.origin, /plain format, 2 videos/);
  assert.deepEqual(readListDataset(list, { classes: 5, format: 'plain' }).classes, ['0', '1', '2', '3', '4']);
  assert.equal(readListDataset(list, { format: 'mmaction' }).items.length, 2);
});

test('list file errors name file:line and quote the line', () => {
  const dir = tree();
  const f = (name: string, text: string) => touch(join(dir, name), text);
  const mixed = f('mixed.txt', 'videos/a.avi 0 0\nvideos/b.mp4 1\n');
  assert.throws(() => readListDataset(mixed), datasetError(/mixed\.txt:2: 2 columns \("videos\/b\.mp4 1"\) but .*mixed\.txt:1 has 3 \("videos\/a\.avi 0 0"\); a list file must be all/));
  const four = f('four.txt', 'videos/a.avi 0\nvideos/a.avi 0 16 1\n');
  assert.throws(() => readListDataset(four), datasetError(/four\.txt:2: expected "PATH LABEL", .* got "videos\/a\.avi 0 16 1"$/));
  const one = f('one.txt', '\nvideos/a.avi\n');
  assert.throws(() => readListDataset(one), datasetError(/one\.txt:2: expected .* got "videos\/a\.avi"$/));
  const word = f('word.txt', 'videos/a.avi 0\nvideos/b.mp4 Biking\n');
  assert.throws(() => readListDataset(word), datasetError(/word\.txt:2: label 'Biking' is not an integer in "videos\/b\.mp4 Biking"$/));
  const frac = f('frac.txt', 'videos/a.avi 0.5 0\n');
  assert.throws(() => readListDataset(frac), datasetError(/frac\.txt:1: second column '0\.5' is not a non-negative integer/));
  const neg = f('neg.txt', 'videos/a.avi 0\nvideos/b.mp4 -1\n');
  assert.throws(() => readListDataset(neg), datasetError(/neg\.txt:2: label -1 is outside \[0, 1\) \(1 classes\) in "videos\/b\.mp4 -1"$/));
  const big = f('big.txt', 'videos/a.avi 0\nvideos/b.mp4 3\n');
  assert.throws(() => readListDataset(big, { classes: 3 }), datasetError(/big\.txt:2: label 3 is outside \[0, 3\) \(3 classes\)/));
  assert.throws(() => readListDataset(big, { classes: 0 }), datasetError(/big\.txt: class count must be a positive integer, got 0/));
  const zero = f('zero.txt', 'frm/a 0 0\nfrm/a 16 0\n');
  assert.throws(() => readListDataset(zero), datasetError(/zero\.txt:1: start frame 0 for frames folder .*frm\/a: Caffe list files number frames from 1/));
  assert.throws(() => readListDataset(f('empty.txt', '\n# nothing\n')), datasetError(/empty\.txt: no entries/));
  assert.throws(() => readListDataset(join(dir, 'absent.txt')), datasetError(/absent\.txt: cannot read \(ENOENT\)/));
  assert.throws(() => readListDataset(big, { format: 'caffe' }), datasetError(/big\.txt:1: format 'caffe' expects "PATH START_FRAME LABEL" lines, got "videos\/a\.avi 0"/));
  assert.throws(() => readListDataset(zero, { format: 'plain' }), datasetError(/zero\.txt:1: format 'plain' expects "PATH LABEL" lines/));
});
