import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { ClassificationTally, averageScores, testReport, confusionCsv, csvField, rankOfLabel, argmaxScore } from '../../src/train/metrics.js';
import { trainingCurvesPng, movingAverage, smoothingWindow, type CurvePoint } from '../../src/train/curves.js';
import { confusionPng, heatColour } from '../../src/viz/confusion.js';
import { roundTicks } from '../../src/viz/line-plot.js';

const f32 = (...v: number[]) => Float32Array.from(v);

/** Writes a PNG under $C3D_TEST_PNG_DIR (for looking at it) when that is set; no-op otherwise. */
function keep(name: string, png: Buffer): void {
  const dir = process.env.C3D_TEST_PNG_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${name}`, png);
}

function decode(bytes: Buffer): { width: number; height: number; rgb(x: number, y: number): [number, number, number]; colours: number } {
  const png = PNG.sync.read(bytes);
  const seen = new Set<number>();
  for (let i = 0; i < png.width * png.height; i++) seen.add((png.data[4 * i]! << 16) | (png.data[4 * i + 1]! << 8) | png.data[4 * i + 2]!);
  return {
    width: png.width, height: png.height, colours: seen.size,
    rgb: (x, y) => { const o = 4 * (y * png.width + x); return [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!]; },
  };
}

test('ranking: stable (−score, index) order; ties go to the lower class index', () => {
  assert.equal(rankOfLabel([0.1, 0.5, 0.4], 1), 0);
  assert.equal(rankOfLabel([0.1, 0.5, 0.4], 0), 2);
  assert.equal(rankOfLabel([0.3, 0.3, 0.4], 0), 1); // 2 beats it; 1 ties but has a higher index
  assert.equal(rankOfLabel([0.3, 0.3, 0.4], 1), 2); // 2 beats it, 0 ties with a lower index
  assert.equal(argmaxScore([0.2, 0.4, 0.4]), 1);
  assert.equal(argmaxScore([0.25, 0.25, 0.25, 0.25]), 0);
});

test('tally: top-1, top-5, mean class accuracy and confusion on a hand-computed example', () => {
  // K = 6. Items (scores, label) and, by hand, the rank of the true class and the top-1 prediction:
  const items: Array<[number[], number]> = [
    [[0.9, 0.02, 0.02, 0.02, 0.02, 0.02], 0], // rank 0, pred 0 — hit
    [[0.1, 0.5, 0.1, 0.1, 0.1, 0.1], 0], //        rank 1 (0 ties 2..5 but has the lowest index), pred 1
    [[0.0, 0.1, 0.2, 0.3, 0.35, 0.05], 0], //     rank 5 (last), pred 4 — misses top-5
    [[0.1, 0.6, 0.1, 0.1, 0.05, 0.05], 1], //     rank 0, pred 1 — hit
    [[0.2, 0.2, 0.2, 0.2, 0.1, 0.1], 3], //       rank 3 (0, 1, 2 tie with lower index), pred 0
    [[0.3, 0.3, 0.1, 0.1, 0.1, 0.1], 1], //       tie at the top: rank 1, pred 0 — a top-1 miss
  ];
  const t = new ClassificationTally(6);
  for (const [s, l] of items) t.add(f32(...s), l);
  assert.equal(t.count, 6);
  assert.equal(t.top1(), 2 / 6);
  assert.equal(t.topK(2), 4 / 6); // ranks 0,1,0,1 → 4 items
  assert.equal(t.top5(), 5 / 6); // all but the rank-5 item
  assert.equal(t.topK(6), 1);
  assert.equal(t.topK(50), 1);
  // Per-class recall: class 0: 1/3, class 1: 1/2, class 3: 0/1; classes 2, 4, 5 absent → left out.
  assert.deepEqual(t.perClassRecall(), [1 / 3, 1 / 2, null, 0, null, null]);
  assert.equal(t.meanClassAccuracy(), (1 / 3 + 1 / 2 + 0) / 3);
  const cm = t.confusion().map((r) => Array.from(r));
  assert.deepEqual(cm, [
    [1, 1, 0, 0, 1, 0],
    [1, 1, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(t.classCounts(), [3, 2, 0, 1, 0, 0]);
  // A copy: changing it leaves the tally alone.
  t.confusion()[0]![0] = 99;
  assert.equal(t.confusion()[0]![0], 1);
});

test('tally: K < 5 caps top-5 at K (always a hit); an all-equal vector predicts class 0', () => {
  const t = new ClassificationTally(3);
  t.add(f32(1 / 3, 1 / 3, 1 / 3), 2);
  t.add(f32(0.1, 0.1, 0.8), 0);
  assert.equal(t.top1(), 0);
  assert.equal(t.topK(2), 1 / 2); // the ranks are 2 and 1
  assert.equal(t.top5(), 1);
  assert.deepEqual(t.confusion().map((r) => Array.from(r)), [[0, 0, 1], [0, 0, 0], [1, 0, 0]]);
  assert.equal(t.meanClassAccuracy(), 0);
});

test('tally: an empty tally reports NaN; bad input throws one clear line', () => {
  const t = new ClassificationTally(4);
  assert.ok(Number.isNaN(t.top1()) && Number.isNaN(t.meanClassAccuracy()));
  assert.throws(() => t.add(f32(0.5, 0.5), 0), /^Error: metrics: item 0 has 2 scores, expected 4$/);
  assert.throws(() => t.add(f32(0.25, 0.25, 0.25, 0.25), 4), /item 0 has label 4, expected an integer in \[0, 4\)/);
  assert.throws(() => t.add(f32(0.25, NaN, 0.25, 0.25), 1), /item 0 has a non-finite score \(NaN\) for class 1/);
  assert.equal(t.count, 0);
  assert.throws(() => new ClassificationTally(0), /positive integer/);
  assert.throws(() => t.topK(0), /k ≥ 1/);
});

test('averageScores: element-wise mean of the clip vectors; video-level tally from clip averages', () => {
  const clips = [f32(0.6, 0.3, 0.1), f32(0.2, 0.7, 0.1), f32(0.1, 0.8, 0.1)];
  const avg = averageScores(clips);
  assert.ok(avg instanceof Float32Array);
  const expected = [0.3, 0.6, 0.1];
  expected.forEach((v, i) => assert.ok(Math.abs(avg[i]! - v) < 1e-6, `${avg[i]} vs ${v}`));
  assert.throws(() => averageScores([]), /at least one clip/);
  assert.throws(() => averageScores([f32(1, 0), f32(1)]), /clip 1 has 1 scores, clip 0 has 2/);

  // Video of true class 1: clip-level top-1 is 2/3, the averaged video is right.
  const clip = new ClassificationTally(3), video = new ClassificationTally(3);
  for (const c of clips) clip.add(c, 1);
  video.add(avg, 1);
  assert.equal(clip.top1(), 2 / 3);
  assert.equal(video.top1(), 1);
});

test('testReport: the fixed keys, fractions in [0, 1], video level when present', () => {
  const names = ['walk', 'run', 'jump'];
  const clip = new ClassificationTally(3), video = new ClassificationTally(3);
  const videos: Array<[Float32Array[], number]> = [
    [[f32(0.7, 0.2, 0.1), f32(0.4, 0.5, 0.1)], 0],
    [[f32(0.1, 0.8, 0.1), f32(0.1, 0.6, 0.3)], 1],
    [[f32(0.5, 0.1, 0.4), f32(0.1, 0.1, 0.8)], 2],
  ];
  for (const [cs, label] of videos) {
    for (const c of cs) clip.add(c, label);
    video.add(averageScores(cs), label);
  }
  const r = testReport({ clip, video, classNames: names });
  assert.deepEqual(Object.keys(r), ['clip_top1', 'clip_top5', 'video_top1', 'video_top5', 'mean_class_accuracy', 'videos', 'clips', 'mean_class_accuracy_clip', 'classes']);
  for (const k of ['clip_top1', 'clip_top5', 'video_top1', 'video_top5', 'mean_class_accuracy', 'mean_class_accuracy_clip'] as const) {
    const v = r[k];
    assert.ok(typeof v === 'number' && v >= 0 && v <= 1, `${k} = ${v}`);
  }
  assert.equal(r.clip_top1, 4 / 6);
  assert.equal(r.clip_top5, 1);
  assert.equal(r.video_top1, 1); // video 2 averages to (0.3, 0.1, 0.6)
  assert.equal(r.mean_class_accuracy, 1); // video level
  assert.equal(r.mean_class_accuracy_clip, (1 / 2 + 1 + 1 / 2) / 3);
  assert.equal(r.videos, 3);
  assert.equal(r.clips, 6);
  assert.deepEqual(r.classes, names);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(r)));

  // Without a video level: video accuracies null, mean class accuracy from the clips.
  const clipOnly = testReport({ clip, classNames: names });
  assert.equal(clipOnly.video_top1, null);
  assert.equal(clipOnly.video_top5, null);
  assert.equal(clipOnly.videos, 0);
  assert.equal(clipOnly.mean_class_accuracy, clipOnly.mean_class_accuracy_clip);
  assert.throws(() => testReport({ clip, classNames: ['a'] }), /1 class names for 3 classes/);
});

test('confusionCsv: header of predicted names, a row per true class, names quoted when needed', () => {
  const csv = confusionCsv([Int32Array.from([3, 1]), Int32Array.from([0, 2])], ['plain', 'Walk, "fast"']);
  assert.equal(csv, 'true\\predicted,plain,"Walk, ""fast"""\nplain,3,1\n"Walk, ""fast""",0,2\n');
  assert.equal(confusionCsv([[5]], ['a']), 'true\\predicted,a\na,5\n');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(csvField('Apply_Eye-Makeup'), 'Apply_Eye-Makeup');
  assert.throws(() => confusionCsv([[1, 2]], ['a', 'b']), /1 matrix rows for 2 class names/);
  assert.throws(() => confusionCsv([[1], [2]], ['a', 'b']), /matrix row 0 has 1 columns, expected 2/);
});

/** Luminance of a pixel (darker = smaller). */
const lum = ([r, g, b]: [number, number, number]) => 0.299 * r + 0.587 * g + 0.114 * b;

test('confusion PNG: labelled small matrix; the diagonal of a perfect matrix is the darkest', () => {
  const k = 5;
  const names = ['ApplyEyeMakeup', 'Archery', 'BabyCrawling', 'a very long class name indeed', 'Basketball'];
  const perfect = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 10 + i : 0)));
  const png = confusionPng(perfect, names, { gridSize: 300 });
  keep('confusion-perfect.png', png);
  const d = decode(png);
  assert.ok(d.width > 300 && d.height > 300, `${d.width}×${d.height}`);
  assert.ok(d.colours > 3);
  // Find the grid: its cells are 60 px (300 / 5); sample cell centres through the known layout by
  // scanning for the darkest pixel column/row instead of hard-coding margins.
  const dark = heatColour(1);
  let gx = -1, gy = -1;
  for (let y = 0; y < d.height && gx < 0; y++) for (let x = 0; x < d.width; x++) {
    const p = d.rgb(x, y);
    if (p[0] === dark[0] && p[1] === dark[1] && p[2] === dark[2]) { gx = x; gy = y; break; }
  }
  assert.ok(gx >= 0, 'no fully dark cell found');
  // (gx, gy) is the top-left pixel of cell (0, 0); sample each cell 3 px in from its corner.
  const cell = 60;
  const at = (i: number, j: number) => lum(d.rgb(gx + j * cell + 3, gy + i * cell + 3));
  let darkestOff = Infinity;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j) darkestOff = Math.min(darkestOff, at(i, j));
  for (let i = 0; i < k; i++) assert.ok(at(i, i) < darkestOff, `diagonal ${i}: ${at(i, i)} vs off-diagonal ${darkestOff}`);
  assert.throws(() => confusionPng([[1, 0]], ['a', 'b']), /1 matrix rows for 2 class names/);
  assert.throws(() => confusionPng([[1, -1], [0, 0]], ['a', 'b']), /cell \(0, 1\) is -1/);
});

test('confusion PNG: many classes render without labels; colour ramp is monotone', () => {
  const k = 101;
  const names = Array.from({ length: k }, (_, i) => `class${i}`);
  // Mostly right, some confusion with the next class; class 7 absent (grey row).
  const m = Array.from({ length: k }, (_, i) => {
    const row = new Int32Array(k);
    if (i !== 7) { row[i] = 8; row[(i + 1) % k] = 2; }
    return row;
  });
  const png = confusionPng(m, names);
  keep('confusion-101.png', png);
  const d = decode(png);
  assert.ok(d.width >= 606 && d.height >= 606, `${d.width}×${d.height}`); // 6-px cells
  assert.ok(d.colours > 4);
  for (let v = 0.1; v <= 1; v += 0.1) assert.ok(lum([...heatColour(v)]) < lum([...heatColour(v - 0.1)]), `ramp at ${v}`);
  assert.deepEqual(heatColour(0), [255, 255, 255]);
});

test('training curves PNG: two panels from a log with missing fields', () => {
  const log: CurvePoint[] = [];
  for (let it = 0; it <= 400; it += 4) {
    const p: CurvePoint = { iteration: it, loss: 4.6 * Math.exp(-it / 150) + 0.3 * Math.abs(Math.sin(it)), lr: it < 200 ? 0.003 : 0.0003 };
    if (it % 8 === 0) p.train_acc = Math.min(1, it / 400 + 0.1 * Math.abs(Math.cos(it)));
    if (it % 100 === 0 && it > 0) { p.val_clip_top1 = it / 500; p.val_video_top1 = it / 450; }
    log.push(p);
  }
  log.push({ iteration: 404, loss: NaN });
  const png = trainingCurvesPng(log, { width: 640 });
  keep('curves.png', png);
  const d = decode(png);
  assert.equal(d.width, 640);
  assert.equal(d.height, 600);
  let blue = 0, green = 0, orange = 0;
  for (let y = 0; y < d.height; y++) for (let x = 0; x < d.width; x++) {
    const [r, g, b] = d.rgb(x, y);
    if (r === 31 && g === 119 && b === 180) blue++;
    if (r === 44 && g === 160 && b === 44) green++;
    if (r === 255 && g === 127 && b === 14) orange++;
  }
  assert.ok(blue > 300 && green > 50 && orange > 300, `smoothed loss ${blue}, val clip ${green}, train acc ${orange}`);

  // Only validation points (no loss at all) and an empty log still render, with notes.
  const sparse = decode(trainingCurvesPng([{ iteration: 1000, val_clip_top1: 0.4 }, { iteration: 2000, val_clip_top1: 0.5 }]));
  assert.equal(sparse.height, 600);
  const empty = trainingCurvesPng([]);
  keep('curves-empty.png', empty);
  assert.ok(decode(empty).colours > 2);
});

test('moving average: trailing window, shorter at the start', () => {
  assert.deepEqual(movingAverage([1, 2, 3, 4, 5], 2), [1, 1.5, 2.5, 3.5, 4.5]);
  assert.deepEqual(movingAverage([4, 2], 1), [4, 2]);
  assert.equal(smoothingWindow(10), 1);
  assert.equal(smoothingWindow(1000), 40);
  assert.equal(smoothingWindow(1e6), 200);
});

test('curve axes: round x ticks end at the first round step past the last iteration', () => {
  assert.deepEqual(roundTicks(0, 60), [0, 10, 20, 30, 40, 50, 60]);
  assert.deepEqual(roundTicks(0, 404), [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(roundTicks(0, 1900), [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  // A diverging spike is cut off instead of flattening the curve; the panels keep their size.
  const log: CurvePoint[] = Array.from({ length: 200 }, (_, i) => ({ iteration: 100 * i, loss: i === 100 ? 87.3365 : 2 - i / 200 }));
  const d = decode(trainingCurvesPng(log));
  assert.equal(d.width, 720);
  assert.equal(d.height, 600);
});
