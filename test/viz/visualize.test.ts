/**
 * The visualize() library call end to end on a small random C3D: the scan keeps, per map, the clips
 * whose strongest unit fires hardest; `top:N` picks the most active maps; each row's projection is
 * the projection of that unit; Grad-CAM ranks clips by the class score; videos are read twice with
 * the same preprocessing; writeVisualization's files decode back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import omggif from 'omggif';
import { createFastKernels } from '../../src/kernels/fast/index.js';
import { getModel } from '../../src/models/index.js';
import { Net, syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { BGR_NO_MEAN } from '../../src/features/convention.js';
import { clipToInput, FramePreparer } from '../../src/features/preprocess.js';
import { readAllFrames } from '../../src/video/decode.js';
import { readNpy } from '../../src/io/npy.js';
import { blobShape, projectActivation, strongestSite } from '../../src/viz/deconv.js';
import { visualize } from '../../src/viz/visualize.js';
import { writeVisualization } from '../../src/viz/visualize-output.js';
import { TopActivations } from '../../src/viz/top-activations.js';
import { makeVideo, tempDir } from '../video/make-videos.js';

const spec = getModel('c3d-sports1m', { width: 1 / 32, length: 8, classes: 5 });
const params = syntheticParams(spec, 4);
const clips = syntheticClips(spec, 6, 4);
const kernels = await createFastKernels({ threads: 2 });
const net = new Net(spec, params, kernels);
const root = tempDir('c3d-viz-');
test.after(() => kernels.dispose());

const LAYER = 'conv3b';
const shape = blobShape(spec, LAYER);

/** Per clip, the layer's blob, computed directly. */
async function blobsOf(x: Tensor): Promise<Float32Array[]> {
  const per = x.size / x.shape[0]!;
  const out: Float32Array[] = [];
  for (let i = 0; i < x.shape[0]!; i++) {
    const { blobs } = await net.forward(new Tensor([1, ...spec.input], x.data.subarray(i * per, (i + 1) * per)), { outputs: [LAYER] });
    out.push(blobs.get(LAYER)!.data.slice());
  }
  return out;
}

test('top activations: per map the K strongest clips (ties keep the earlier clip), most active maps by mean per-clip maximum', () => {
  const t = new TopActivations<string>([2, 1, 1, 2], 2);
  t.offer(Float32Array.from([1, 2, 0, 0]), 'a');
  t.offer(Float32Array.from([3, 2, 1, 1]), 'b');
  t.offer(Float32Array.from([3, 0, 5, 0]), 'c');
  assert.deepEqual(t.top(0).map((k) => [k.clip, k.value, k.site.x]), [['b', 3, 0], ['c', 3, 0]]);
  assert.deepEqual(t.top(1).map((k) => [k.clip, k.value]), [['c', 5], ['b', 1]]);
  assert.deepEqual([...t.activity()], [8 / 3, 2]);
  assert.deepEqual(t.mostActive(2), [0, 1]);
  assert.throws(() => t.offer(new Float32Array(3), 'd'), /3 values, expected 2×1×1×2/);
  assert.throws(() => new TopActivations([1, 1, 1, 1], 0), /top K must be a positive integer/);
});

test('visualize on clips: rows are the K strongest clips of each map, projections of exactly those units', async () => {
  const blobs = await blobsOf(clips);
  const r = await visualize({ net, input: { clips, name: 'set' }, convention: BGR_NO_MEAN, layer: LAYER, maps: [3, 0], top: 2 });
  assert.deepEqual(r.maps, [3, 0]);
  assert.equal(r.scannedClips, 6);
  assert.deepEqual([...r.projections.shape], [4, 3, ...spec.input.slice(1)]);
  for (const [k, row] of r.rows.entries()) {
    const map = k < 2 ? 3 : 0;
    const ranked = blobs.map((b, i) => ({ i, ...strongestSite(b, shape, map) })).sort((a, b) => b.value - a.value || a.i - b.i);
    const want = ranked[row.rank - 1]!;
    assert.equal(row.rank, (k % 2) + 1);
    assert.deepEqual([row.video, row.clipIndex, row.clipStart, row.map], ['set', want.i, null, map]);
    assert.deepEqual(row.position, { t: want.site.t, y: want.site.y, x: want.site.x });
    assert.ok(Math.abs(row.value! - want.value) <= 1e-5 * want.value);
    // The row's clip and projection.
    const per = clips.size / 6;
    const clip = new Tensor([1, ...spec.input], r.clips.data.slice(row.clip * per, (row.clip + 1) * per));
    assert.deepEqual([...clip.data], [...clips.data.subarray(want.i * per, (want.i + 1) * per)]);
    const { tape } = await net.forward(clip, { outputs: [LAYER], keepTape: true });
    const p = await projectActivation(net, tape!, LAYER, want.site, row.value!, 'deconvnet');
    assert.deepEqual([...r.projections.data.subarray(k * per, (k + 1) * per)], [...p.data]);
  }
  // top:N = the maps with the highest mean per-clip maximum.
  const mean = Array.from({ length: shape[0] }, (_, m) => blobs.reduce((s, b) => s + strongestSite(b, shape, m).value, 0) / 6);
  const order = [...mean.keys()].sort((a, b) => mean[b]! - mean[a]! || a - b);
  const auto = await visualize({ net, input: { clips }, convention: BGR_NO_MEAN, layer: LAYER, maps: { top: 3 }, top: 1, method: 'guided' });
  assert.deepEqual(auto.maps, order.slice(0, 3));
  assert.equal(auto.rows.length, 3);
  await assert.rejects(visualize({ net, input: { clips }, convention: BGR_NO_MEAN, layer: LAYER, maps: [8] }), /map 8 is out of range: conv3b has 8 feature maps \(0…7\)/);
});

test('Grad-CAM: the top class over all clips by default, clips ranked by its score; files decode back', async () => {
  const r = await visualize({ net, input: { clips }, convention: BGR_NO_MEAN, layer: 'conv5b', method: 'gradcam', top: 3 });
  const { blobs } = await net.forward(clips, { outputs: ['fc8', 'prob'] });
  const prob = blobs.get('prob')!.data;
  const mean = [0, 1, 2, 3, 4].map((c) => [0, 1, 2, 3, 4, 5].reduce((s, i) => s + prob[i * 5 + c]!, 0));
  const cls = mean.indexOf(Math.max(...mean));
  const logits = blobs.get('fc8')!.data;
  const order = [0, 1, 2, 3, 4, 5].sort((a, b) => logits[b * 5 + cls]! - logits[a * 5 + cls]!);
  assert.deepEqual(r.rows.map((row) => [row.classIndex, row.clipIndex]), order.slice(0, 3).map((i) => [cls, i]));
  for (const row of r.rows) assert.ok(Math.abs(row.score! - logits[row.clipIndex * 5 + cls]!) <= 1e-4 * Math.abs(row.score!) + 1e-6);
  assert.deepEqual([...r.projections.shape], [3, 1, 8, 112, 112]);
  assert.ok(r.projections.data.every((v) => v >= 0 && v <= 1));

  const out = join(root, 'gradcam');
  const w = writeVisualization(r, out, { convention: BGR_NO_MEAN, saveNpy: true, classNames: ['a', 'b', 'c', 'd', 'e'] });
  assert.deepEqual(w.files.sort(), ['gradcam_01.gif', 'gradcam_01.png', 'gradcam_02.gif', 'gradcam_02.png', 'gradcam_03.gif', 'gradcam_03.png', 'index.json', 'projections.npy']);
  const png = PNG.sync.read(readFileSync(join(out, 'gradcam_02.png')));
  assert.equal(png.width, 8 * 112 + 9 * 2);
  const gif = new omggif.GifReader(readFileSync(join(out, 'gradcam_02.gif')));
  assert.deepEqual([gif.numFrames(), gif.width, gif.height], [8, 116, 2 * 112 + 6]);
  const npy = readNpy(join(out, 'projections.npy'));
  assert.deepEqual(npy.shape, [3, 1, 8, 112, 112]);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  assert.equal(index.rows[0].className, `${cls} (${'abcde'[cls]})`);
});

test('visualize on a video: clips scanned through the extraction pipeline, read again identically; outputs decode back', async () => {
  const video = makeVideo(join(root, 'v.mp4'), 'testsrc2=size=96x72:rate=10', 26, 'libx264', ['-pix_fmt', 'yuv420p']);
  const r = await visualize({ net, input: { videos: [{ path: video, id: 'v' }], stride: 4, jobs: 1 }, convention: BGR_NO_MEAN, layer: 'pool2', maps: [1], top: 3 });
  assert.equal(r.scannedClips, 5); // starts 0, 4, 8, 12, 16 for 26 frames of 8-frame clips
  assert.deepEqual(r.failed, []);
  const prep = new FramePreparer();
  const frames = (await readAllFrames(video)).map((f) => prep.prepare(f));
  const per = 3 * 8 * 112 * 112;
  for (const row of r.rows) {
    assert.equal(row.clipStart, row.clipIndex * 4);
    const want = new Float32Array(per);
    clipToInput(frames.slice(row.clipStart!, row.clipStart! + 8), BGR_NO_MEAN, want);
    assert.deepEqual([...r.clips.data.subarray(row.clip * per, (row.clip + 1) * per)], [...want], `clip ${row.clipIndex} read again`);
  }
  const out = join(root, 'deconv');
  const w = writeVisualization(r, out, { convention: BGR_NO_MEAN, normalize: 'frame', saveNpy: true });
  assert.ok(w.files.includes('pool2_map1_grid.png') && w.files.includes('pool2_map1_03.gif'));
  const grid = PNG.sync.read(readFileSync(join(out, 'pool2_map1_grid.png')));
  assert.deepEqual([grid.width, grid.height], [8 * 56 + 9 * 2, 12 + 6 * 56 + 7 * 2 + 2 * 6]);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  assert.equal(index.normalize, 'frame');
  assert.deepEqual(index.rows.map((x: { video: string; map: number; rank: number }) => [x.video, x.map, x.rank]), [['v', 1, 1], ['v', 1, 2], ['v', 1, 3]]);
  assert.deepEqual(readNpy(join(out, 'projections.npy')).shape, [3, 3, 8, 112, 112]);
});
