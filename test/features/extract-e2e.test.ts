/**
 * End to end with the real net (onnxruntime backend) on a tiny C3D spec (width 1/16, 5 classes,
 * synthetic weights): `c3d extract` and `c3d classify` as a user runs them, checked against the same
 * net run clip by clip through the library.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { videoDescriptor } from '../../src/features/aggregate.js';
import { clipStarts } from '../../src/features/clips.js';
import { resolveConvention } from '../../src/features/convention.js';
import { readNpy } from '../../src/io/npy.js';
import { clipToInput, FramePreparer } from '../../src/features/preprocess.js';
import { saveSafetensors } from '../../src/io/weights.js';
import { writeNpy } from '../../src/io/npy.js';
import { fitPca, savePca } from '../../src/eval/pca.js';
import { featureMatrix } from '../../src/eval/features.js';
import { getModel } from '../../src/models/index.js';
import { syntheticParams } from '../../src/nn/index.js';
import { createBackend } from '../../src/runtime/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { readAllFrames } from '../../src/video/decode.js';
import { makeVideo, tempDir } from '../video/make-videos.js';

const root = tempDir('c3d-e2e-');
const MAIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const spec = getModel('c3d-sports1m', { width: 0.0625, classes: 5 });
const params = syntheticParams(spec, 3);
const convention = { channels: 'bgr' as const, mean: { kind: 'bgr' as const, values: [90, 98, 102] as [number, number, number] }, note: 'test weights' };
const weights = join(root, 'tiny.safetensors');
const videos = join(root, 'videos');
mkdirSync(join(videos, 'sub'), { recursive: true });
const a = makeVideo(join(videos, 'a.mp4'), 'testsrc=size=64x48:rate=10', 30, 'libx264', ['-pix_fmt', 'yuv420p']);
const b = makeVideo(join(videos, 'sub', 'b.avi'), 'mandelbrot=size=40x30:rate=10', 9);
writeFileSync(join(videos, 'broken.avi'), 'not a video');

function c3d(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The fc6 descriptor computed clip by clip with the library (no batching, no job machinery). */
async function referenceDescriptor(path: string): Promise<Float32Array> {
  const backend = await createBackend({ backend: 'onnxruntime', spec, params });
  const prep = new FramePreparer();
  const frames = (await readAllFrames(path)).map((f) => prep.prepare(f));
  const starts = clipStarts(frames.length);
  const rows = new Float32Array(starts.length * 256);
  for (const [i, s] of starts.entries()) {
    const clip = Array.from({ length: 16 }, (_, k) => frames[Math.min(s + k, frames.length - 1)]);
    const input = new Float32Array(3 * 16 * 112 * 112);
    clipToInput(clip, resolveConvention(convention), input);
    const out = await backend.run(new Tensor([1, 3, 16, 112, 112], input), ['fc6']);
    rows.set(out.get('fc6')!.data, i * 256);
  }
  await backend.dispose();
  return videoDescriptor({ clips: starts.length, dim: 256, data: rows });
}

test('c3d extract: descriptors of a folder, failures reported, convention printed, rerun resumes', async () => {
  await saveSafetensors(weights, { params, spec: 'c3d-sports1m', convention, source: 'synthetic test weights' });
  const out = join(root, 'out');
  const r = c3d('extract', videos, '--weights', weights, '--width', '0.0625', '--out', out, '--batch', '2');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /BGR.*mean 90,98,102/);
  assert.match(r.stderr, /crop 112×112 at \(8, 29\)/);
  assert.match(r.stderr, /failed: .*broken\.avi: /);
  assert.match(r.stdout, /extracted 2 of 3 videos \(0 already done, 1 failed\)/);
  for (const [id, path] of [['a', a], ['sub/b', b]] as const) {
    const got = readNpy(join(out, `${id}.npy`));
    assert.deepEqual(got.shape, [256]);
    const ref = await referenceDescriptor(path);
    let maxDiff = 0;
    for (let i = 0; i < 256; i++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - ref[i]));
    assert.ok(maxDiff < 1e-4, `${id}: max difference ${maxDiff} from the clip-by-clip reference`);
  }
  const again = c3d('extract', videos, '--weights', weights, '--width', '0.0625', '--out', out);
  assert.match(again.stdout, /extracted 0 of 3 videos \(2 already done, 1 failed\)/);
});

test('c3d extract --per-clip with two layers, and --clips FILE.npy', () => {
  const out = join(root, 'out-clips');
  const r = c3d('extract', a, '--weights', weights, '--width', '0.0625', '--out', out, '--per-clip', '--layer', 'fc7,prob');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readNpy(join(out, 'a.fc7.npy')).shape, [2, 256]);
  const prob = readNpy(join(out, 'a.prob.npy'));
  assert.deepEqual(prob.shape, [2, 5]);
  assert.ok(Math.abs(Array.from(prob.data.subarray(0, 5)).reduce((s, x) => s + x, 0) - 1) < 1e-5);

  // --clips: the same preprocessed clips straight into the net.
  const clips = new Float32Array(2 * 3 * 16 * 112 * 112).map((_, i) => ((i * 7919) % 255) - 100);
  const clipsFile = join(root, 'clips.npy');
  writeNpy(clipsFile, { shape: [2, 3, 16, 112, 112], data: clips });
  const rc = c3d('extract', '--clips', clipsFile, '--weights', weights, '--width', '0.0625', '--out', out, '--layer', 'fc6');
  assert.equal(rc.status, 0, rc.stderr);
  assert.deepEqual(readNpy(join(out, 'clips.npy')).shape, [2, 256]);

  const bad = c3d('extract', a, '--weights', weights, '--width', '0.0625', '--out', out, '--layer', 'fc9');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--layer fc9: not an output/);
});

test('c3d extract --pca projects each descriptor with a PCA model from the eval helper', () => {
  const rows = 20;
  const data = new Float32Array(rows * 256).map((_, i) => Math.sin(i * 0.37) + (i % 13) * 0.1);
  const model = fitPca(featureMatrix(data, rows, 256), 8);
  const pcaFile = join(root, 'pca.safetensors');
  savePca(pcaFile, model);
  const out = join(root, 'out-pca');
  const r = c3d('extract', a, '--weights', weights, '--width', '0.0625', '--out', out, '--pca', pcaFile);
  assert.equal(r.status, 0, r.stderr);
  const got = readNpy(join(out, 'a.npy'));
  assert.deepEqual(got.shape, [8]);
  const desc = readNpy(join(root, 'out', 'a.npy')).data as Float32Array;
  const expected = model.project(featureMatrix(desc, 1, 256)).data;
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(got.data[i] - expected[i]) < 1e-5);
});

test('c3d classify prints the top classes with probabilities', () => {
  const r = c3d('classify', a, '--weights', weights, '--width', '0.0625', '--top', '3', '--json');
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout.trim()) as { video: string; top: { index: number; label: string; probability: number }[] };
  assert.equal(o.top.length, 3);
  assert.ok(o.top[0].probability >= o.top[1].probability && o.top[1].probability >= o.top[2].probability);
  assert.match(o.top[0].label, /^class \d$/, 'a 5-way net has no Sports-1M names');
});

test('c3d classify names Sports-1M classes for a 487-way net', async () => {
  const spec487 = getModel('c3d-sports1m', { width: 0.0625 });
  const w = join(root, 'tiny487.safetensors');
  await saveSafetensors(w, { params: syntheticParams(spec487, 4), spec: 'c3d-sports1m', convention, source: 'synthetic test weights' });
  const r = c3d('classify', b, '--weights', w, '--width', '0.0625');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 6);
  for (const l of lines.slice(1)) assert.match(l, /^  [01]\.\d{4}  \S/);
});
