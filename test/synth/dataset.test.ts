/**
 * `generateSynthDataset`: the UCF101-style layout that `--ucf101 OUT --split 1` reads unchanged, real
 * H.264 videos of the right length and size, seeded splits, resumable runs, and one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDatasetFiles, readUcf101Dataset } from '../../src/data/index.js';
import { readUcf101Split } from '../../src/eval/protocols/ucf101.js';
import { readAllFrames } from '../../src/video/decode.js';
import { generateSynthDataset, renderVideo, sampleScene, synthSplit, synthVideoName, videoSeed } from '../../src/synth/index.js';
import { tempDir } from '../video/make-videos.js';

const SMALL = { videos: 3, frames: 8, width: 64, height: 48, testFraction: 0.34, jobs: 2 } as const;
const CLASSES = ['ZoomIn', 'ZoomOut', 'MoveUpFast'];

test('writes OUT/<Class>/<Class>_<nnnn>.mp4 and split files that readUcf101Dataset reads; every video decodes to the asked length and size', async () => {
  const out = join(tempDir('c3d-synth-'), 'set');
  const seen: number[] = [];
  const s = await generateSynthDataset({ out, classes: CLASSES, ...SMALL, onProgress: (p) => seen.push(p.done) });
  assert.deepEqual([s.total, s.made, s.kept, s.train, s.test], [9, 9, 0, 6, 3]);
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(readdirSync(out).sort(), ['MoveUpFast', 'ZoomIn', 'ZoomOut', 'classInd.txt', 'synth.json', 'testlist01.txt', 'trainlist01.txt']);
  assert.deepEqual(readdirSync(join(out, 'ZoomIn')), ['ZoomIn_0001.mp4', 'ZoomIn_0002.mp4', 'ZoomIn_0003.mp4']);
  assert.equal(readFileSync(join(out, 'classInd.txt'), 'utf8'), '1 ZoomIn\n2 ZoomOut\n3 MoveUpFast\n');
  assert.match(readFileSync(join(out, 'trainlist01.txt'), 'utf8'), /^ZoomIn\/ZoomIn_000\d\.mp4 1\n/);
  assert.match(readFileSync(join(out, 'testlist01.txt'), 'utf8'), /^ZoomIn\/ZoomIn_000\d\.mp4\n/);

  const train = readUcf101Dataset(out, 1, 'train');
  const testPart = readUcf101Dataset(out, 1, 'test');
  assert.deepEqual(train.classes, CLASSES);
  assert.deepEqual(testPart.classes, CLASSES);
  assert.equal(train.items.length, 6);
  assert.equal(testPart.items.length, 3);
  await checkDatasetFiles(train);
  await checkDatasetFiles(testPart);
  const paths = [...train.items, ...testPart.items].map((it) => it.path).sort();
  assert.equal(new Set(paths).size, 9, 'train and test are disjoint and cover every video');
  for (const it of [...train.items, ...testPart.items]) {
    assert.equal(it.path.split('/').at(-2), CLASSES[it.label], `${it.path} has label ${it.label}`);
    const frames = await readAllFrames(it.path);
    assert.equal(frames.length, 8, it.path);
    assert.deepEqual([frames[0]!.width, frames[0]!.height, frames[0]!.channels], [64, 48, 3], it.path);
  }
  // The eval protocols key videos by file name: unique across classes.
  const split = readUcf101Split(out, 1);
  assert.equal(new Set([...split.train.ids, ...split.test.ids]).size, 9);

  // The file holds what the renderer drew for that video's seed (H.264 at crf 20: within a few grey levels).
  const decoded = await readAllFrames(join(out, 'ZoomOut', 'ZoomOut_0002.mp4'));
  const drawn = renderVideo(sampleScene('ZoomOut', videoSeed(1, 'ZoomOut', 2), { width: 64, height: 48, frames: 8 }), 'bgr');
  let se = 0;
  let n = 0;
  decoded.forEach((f, i) => f.data.forEach((v, k) => ((se += (v - drawn[i]![k]!) ** 2), n++)));
  const psnr = 10 * Math.log10((255 * 255) / (se / n));
  assert.ok(psnr > 28, `PSNR ${psnr.toFixed(1)} dB`);
  const other = renderVideo(sampleScene('ZoomOut', videoSeed(1, 'ZoomOut', 3), { width: 64, height: 48, frames: 8 }), 'bgr');
  let seOther = 0;
  decoded.forEach((f, i) => f.data.forEach((v, k) => (seOther += (v - other[i]![k]!) ** 2)));
  assert.ok(seOther > 10 * se, 'another video is far from this one');

  const manifest = JSON.parse(readFileSync(join(out, 'synth.json'), 'utf8'));
  assert.deepEqual(manifest, { generator: 'c3d synth', version: 1, seed: 1, frames: 8, width: 64, height: 48, fps: 25, crf: 20, classes: CLASSES, videos: 3 });
});

test('resumable: a second run keeps every video; more videos or classes extend the set; a video does not depend on the other classes', async () => {
  const root = tempDir('c3d-synth-');
  const out = join(root, 'a');
  await generateSynthDataset({ out, classes: ['Pulse', 'Diverge'], ...SMALL, videos: 2, testFraction: 0.5 });
  const file = join(out, 'Diverge', synthVideoName('Diverge', 1));
  const mtime = statSync(file).mtimeMs;
  // A temp file left by a killed run (its PID is not running) is cleaned up.
  const stale = join(out, 'Diverge', `${synthVideoName('Diverge', 3)}.tmp-999999999-0`);
  writeFileSync(stale, 'half');
  const again = await generateSynthDataset({ out, classes: ['Pulse', 'Diverge'], ...SMALL, videos: 2, testFraction: 0.5 });
  assert.deepEqual([again.made, again.kept], [0, 4]);
  assert.equal(statSync(file).mtimeMs, mtime);
  assert.equal(existsSync(stale), false);
  const more = await generateSynthDataset({ out, classes: ['Diverge', 'Pulse', 'ZoomIn'], ...SMALL, videos: 3, testFraction: 0.5 });
  assert.deepEqual([more.made, more.kept], [5, 4]);
  assert.equal(readFileSync(join(out, 'classInd.txt'), 'utf8'), '1 Diverge\n2 Pulse\n3 ZoomIn\n');
  assert.equal(readUcf101Dataset(out, 1, 'train').items.length + readUcf101Dataset(out, 1, 'test').items.length, 9);

  // Same seed, another class list and folder: the same Diverge video, byte for byte.
  const alone = join(root, 'b');
  await generateSynthDataset({ out: alone, classes: ['Diverge'], ...SMALL, videos: 1, testFraction: 0 });
  assert.deepEqual(readFileSync(join(alone, 'Diverge', synthVideoName('Diverge', 1))), readFileSync(file));
  assert.equal(readFileSync(join(alone, 'testlist01.txt'), 'utf8'), '');
});

test('the split: seeded per class, round(videos × fraction) test videos, at least one on each side', () => {
  const a = synthSplit(1, 'ZoomIn', 20, 0.3);
  assert.equal(a.test.length, 6);
  assert.equal(a.train.length, 14);
  assert.deepEqual([...a.train, ...a.test].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.deepEqual(synthSplit(1, 'ZoomIn', 20, 0.3), a);
  assert.notDeepEqual(synthSplit(2, 'ZoomIn', 20, 0.3).test, a.test);
  assert.notDeepEqual(synthSplit(1, 'ZoomOut', 20, 0.3).test, a.test);
  assert.equal(synthSplit(1, 'ZoomIn', 3, 0.01).test.length, 1);
  assert.equal(synthSplit(1, 'ZoomIn', 3, 0.99).test.length, 2);
  assert.deepEqual(synthSplit(1, 'ZoomIn', 1, 0), { test: [], train: [1] });
  assert.throws(() => synthSplit(1, 'ZoomIn', 1, 0.3), /1 video per class cannot be split/);
  assert.throws(() => synthSplit(1, 'ZoomIn', 5, 1), /test fraction must be in \[0, 1\), got 1/);
});

test('errors name the folder and the problem; nothing is written into a folder that is not ours', async () => {
  const root = tempDir('c3d-synth-');
  const file = join(root, 'file.txt');
  writeFileSync(file, 'x');
  await assert.rejects(generateSynthDataset({ out: file, classes: ['ZoomIn'], ...SMALL }), { message: `${file}: is a file, not a folder` });
  const foreign = join(root, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  await assert.rejects(generateSynthDataset({ out: foreign, classes: ['ZoomIn'], ...SMALL }), {
    message: `${foreign}: folder is not empty and has no synth.json (not made by c3d synth); give a new or empty folder`,
  });
  assert.deepEqual(readdirSync(foreign), ['notes.txt']);

  const out = join(root, 'set');
  await generateSynthDataset({ out, classes: ['ZoomIn'], ...SMALL, videos: 2, testFraction: 0.5 });
  await assert.rejects(generateSynthDataset({ out, classes: ['ZoomIn'], ...SMALL, videos: 2, frames: 9, testFraction: 0.5 }), {
    message: `${join(out, 'synth.json')}: this folder holds videos made with frames 8, not frames 9; use the same options to extend it, or another folder`,
  });
  await assert.rejects(generateSynthDataset({ out: join(root, 'x'), classes: ['ZoomIn', 'Spin'], ...SMALL }), /unknown class 'Spin' \(known: MoveRightSlow/);
  await assert.rejects(generateSynthDataset({ out: join(root, 'x'), classes: ['ZoomIn'], ...SMALL, width: 8 }), /width must be an integer in \[16, 4096\], got 8/);
  assert.equal(existsSync(join(root, 'x')), false);
  const badFfmpeg = join(root, 'bad');
  await assert.rejects(generateSynthDataset({ out: badFfmpeg, classes: ['ZoomIn'], ...SMALL, ffmpeg: join(root, 'no-ffmpeg') }), (e: Error) => {
    assert.match(e.message, /ZoomIn_000\d\.mp4: cannot run ffmpeg \(.*no-ffmpeg\): spawn .* ENOENT$/);
    return true;
  });
  assert.deepEqual(readdirSync(join(badFfmpeg, 'ZoomIn')), [], 'no partial video left behind');
});
