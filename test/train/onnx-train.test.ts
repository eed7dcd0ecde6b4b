/**
 * The training loop on the onnxruntime backend (its PyTorch solver cases run in
 * test/train/pytorch-train.test.ts, beside the wasm backend's): a short run on generated videos ends
 * with the same weights on both backends (same seed: same initialisation, clip order, crops, flips
 * and dropout masks). And `c3d train`'s --ep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpy } from '../../src/io/npy.js';
import { loadWeights } from '../../src/io/weights.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/train.js';
import { expectClose } from '../models/golden.js';
import { makeVideo, tempDir } from '../video/make-videos.js';
import { full, loadTrainFixture } from './fixtures.js';

const dir = tempDir('c3d-onnx-train-');
const fx = loadTrainFixture();
const clips = join(dir, 'clips.npy');
const labels = join(dir, 'labels.npy');
writeNpy(clips, { shape: fx.clips.shape, data: fx.clips.data });
writeNpy(labels, { shape: [fx.labels.length], data: fx.labels });

test('a short run on generated videos ends with the same weights on the wasm and onnxruntime backends', async () => {
  const videos = join(dir, 'videos');
  ['red', 'green', 'blue'].forEach((colour, k) => {
    mkdirSync(join(videos, colour), { recursive: true });
    for (let n = 0; n < 2; n++) {
      makeVideo(join(videos, colour, `${n}.avi`), `color=c=${colour}:s=40x32:r=25,noise=alls=40:allf=t+u:all_seed=${n + 3 * k}`, 8, 'png', ['-pix_fmt', 'rgb24']);
    }
  });
  const config = (backend: TrainConfig['backend'], iters = 4): TrainConfig => ({
    ...DEFAULT_CONFIG,
    backend,
    data: { kind: 'folder', dir: videos },
    out: join(dir, `run-${backend}-${iters}`),
    cache: join(dir, 'frame-cache'),
    model: 'depth-3',
    width: 1 / 16,
    size: 28,
    length: 4,
    iters,
    batch: 6,
    accumulate: 2,
    // Kaiming init and a large lr, so that 4 steps move every layer well beyond the tolerance.
    initScheme: 'pytorch',
    lr: 0.05,
    lrPolicy: 'fixed',
    seed: 5,
    threads: 2,
    checkpointEvery: 0,
    logEvery: 1,
  });
  const wasm = await train(config('wasm'));
  const onnx = await train(config('onnxruntime'));
  assert.equal(onnx.iterations, 4);
  assert.ok(Math.abs(onnx.lastLoss! - wasm.lastLoss!) <= 1e-4 * Math.abs(wasm.lastLoss!), `loss ${onnx.lastLoss} vs ${wasm.lastLoss}`);
  const a = (await loadWeights(onnx.final!)).params;
  const b = (await loadWeights(wasm.final!)).params;
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, ref] of b) expectClose(a.get(name)!, full(ref), `videos ${name}`);
  // The comparison has teeth: after 1 step the first conv is far (> 1% of its largest weight) from where 4 steps take it.
  const one = (await loadWeights((await train(config('onnxruntime', 1))).final!)).params.get('conv1.weight')!.data;
  const four = a.get('conv1.weight')!.data;
  const moved = one.reduce((m, v, i) => Math.max(m, Math.abs(v - four[i]!)), 0);
  const scale = four.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(moved > 0.01 * scale, `conv1.weight moved ${moved} (scale ${scale})`);
});

test('c3d train: onnxruntime is the default backend, --ep passes execution providers to it, and is refused with --backend wasm', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const tiny = ['train', '--clips', clips, '--labels', labels, '--model', fx.model.name, '--width', String(fx.model.options.width), '--size', String(fx.model.options.size),
    '--length', String(fx.model.options.length), '--iters', '1', '--batch', '4', '--threads', '2'];
  const ok = spawnSync(process.execPath, [main, ...tiny, '--out', join(dir, 'cli-ep'), '--ep', 'cpu'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(existsSync(join(dir, 'cli-ep', 'final.safetensors')));
  const wasm = spawnSync(process.execPath, [main, ...tiny, '--out', join(dir, 'cli-ep-wasm'), '--backend', 'wasm', '--ep', 'cpu'], { encoding: 'utf8' });
  assert.equal(wasm.status, 2);
  assert.match(wasm.stderr, /--ep applies to --backend onnxruntime only/);
  const bad = spawnSync(process.execPath, [main, ...tiny, '--out', join(dir, 'cli-ep-bad'), '--ep', 'no-such-provider'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /onnxruntime training step: cannot create the training session of depth-1/);
  assert.equal(DEFAULT_CONFIG.backend, 'onnxruntime');
});
