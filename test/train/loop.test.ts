/**
 * The training loop's contracts on preprocessed clips (no decoding): micro-batching changes nothing,
 * an interrupted + resumed run ends with the same weights as an uninterrupted one, a diverging run
 * stops with the last good checkpoint named, and a RUN folder holding another run is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { loadCheckpoint, loadWeights } from '../../src/io/weights.js';
import { SeededRandom } from '../../src/nn/random.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { DivergedError, train, splitBatch } from '../../src/train/train.js';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import type { Tensor } from '../../src/tensor/index.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'c3d-train-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** N random clips of the tiny net's input (3×4×28×28) whose class shifts the mean of channel c. */
function writeClips(dir: string, n: number, classes: number, seed: number, poison = false): { clips: string; labels: string } {
  const rng = new SeededRandom(seed);
  const per = 3 * 4 * 28 * 28;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < per; j++) x[i * per + j] = rng.normal() + (Math.floor(j / (per / 3)) === y[i] ? 1 : 0);
  }
  if (poison) x[5] = NaN;
  const clips = join(dir, `x${seed}.npy`);
  const labels = join(dir, `y${seed}.npy`);
  writeNpy(clips, { shape: [n, 3, 4, 28, 28], data: x });
  writeNpy(labels, { shape: [n], data: y });
  return { clips, labels };
}

function tinyConfig(data: { clips: string; labels: string }, out: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_CONFIG,
    data: { kind: 'clips', ...data },
    out,
    model: 'depth-1',
    width: 1 / 32,
    size: 28,
    length: 4,
    iters: 6,
    batch: 4,
    lr: 0.01,
    lrPolicy: 'step',
    steps: [{ value: 3, unit: 'iter' }],
    threads: 2,
    checkpointEvery: 0,
    logEvery: 1,
    ...over,
  };
}

async function finalWeights(run: string): Promise<Map<string, Tensor>> {
  return (await loadWeights(join(run, 'final.safetensors'))).params;
}

function maxRelDiff(a: Map<string, Tensor>, b: Map<string, Tensor>): number {
  let worst = 0;
  for (const [k, t] of a) {
    const u = b.get(k)!;
    let scale = 0;
    for (const v of t.data) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < t.size; i++) worst = Math.max(worst, Math.abs(t.data[i]! - u.data[i]!) / (scale || 1));
  }
  return worst;
}

test('splitBatch splits a batch as evenly as possible', () => {
  assert.deepEqual(splitBatch(30, 4), [7, 8, 7, 8]);
  assert.deepEqual(splitBatch(5, 5), [1, 1, 1, 1, 1]);
});

test('--accumulate K gives the same weights as one big batch (dropout on, momentum, weight decay)', async () => {
  const dir = tempDir();
  const data = writeClips(dir, 8, 3, 1);
  const one = await train(tinyConfig(data, join(dir, 'one'), { dropout: 0.5 }));
  const two = await train(tinyConfig(data, join(dir, 'two'), { dropout: 0.5, accumulate: 2 }));
  const three = await train(tinyConfig(data, join(dir, 'three'), { dropout: 0.5, accumulate: 3 }));
  assert.equal(one.iterations, 6);
  const a = await finalWeights(one.run);
  assert.ok(maxRelDiff(a, await finalWeights(two.run)) < 1e-5, 'accumulate 2');
  assert.ok(maxRelDiff(a, await finalWeights(three.run)) < 1e-5, 'accumulate 3');
  assert.ok(Math.abs(one.lastLoss! - two.lastLoss!) <= 1e-5 * Math.abs(one.lastLoss!));
});

test('an interrupted run resumed into the same RUN ends with the same weights as an uninterrupted one', async () => {
  const dir = tempDir();
  const data = writeClips(dir, 12, 3, 2);
  const over: Partial<TrainConfig> = { dropout: 0.5, optimizer: 'sgd', iters: 7, batch: 5, shuffle: true };
  const straight = await train(tinyConfig(data, join(dir, 'straight'), over));
  // Interrupt after the 3rd iteration: the loop checkpoints and returns.
  const abort = new AbortController();
  const cut = await train(tinyConfig(data, join(dir, 'cut'), over), {
    signal: abort.signal,
    onProgress: (e) => {
      if (e.kind === 'iteration' && e.iteration === 3) abort.abort();
    },
  });
  assert.equal(cut.interrupted, true);
  assert.equal(cut.iterations, 3);
  assert.equal(cut.final, undefined);
  assert.ok(existsSync(join(dir, 'cut', 'checkpoint-3.safetensors')));
  const ck = await loadCheckpoint(join(dir, 'cut', 'checkpoint-3.safetensors'));
  assert.ok(ck.training && ck.training.tensors.size > 0, 'momentum buffers saved');
  const resumed = await train(tinyConfig(data, join(dir, 'cut'), { ...over, threads: 1 }));
  assert.equal(resumed.iterations, 7);
  const a = await finalWeights(straight.run);
  const b = await finalWeights(resumed.run);
  for (const [k, t] of a) assert.deepEqual([...b.get(k)!.data], [...t.data], `${k} differs after resume`);
  // The log holds each iteration once.
  const its = readFileSync(join(dir, 'cut', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { iteration: number; loss?: number }).filter((e) => e.loss !== undefined).map((e) => e.iteration);
  assert.deepEqual(its, [1, 2, 3, 4, 5, 6, 7]);
  // Running again after the end is a no-op continuation (nothing left to do).
  const again = await train(tinyConfig(data, join(dir, 'cut'), over));
  assert.equal(again.iterations, 7);
});

test('Adam resumes exactly too, from periodic checkpoints, keeping only the newest ones', async () => {
  const dir = tempDir();
  const data = writeClips(dir, 8, 3, 3);
  const over: Partial<TrainConfig> = { optimizer: 'adam', lr: 1e-3, iters: 6, checkpointEvery: 1, keepCheckpoints: 2 };
  const straight = await train(tinyConfig(data, join(dir, 'a'), over));
  const first = await train(tinyConfig(data, join(dir, 'b'), { ...over, iters: 4 }));
  assert.equal(first.iterations, 4);
  assert.deepEqual(listCheckpoints(join(dir, 'b')), [3, 4]);
  const resumed = await train(tinyConfig(data, join(dir, 'b'), over));
  const a = await finalWeights(straight.run);
  const b = await finalWeights(resumed.run);
  for (const [k, t] of a) assert.deepEqual([...b.get(k)!.data], [...t.data], `${k} differs after resume`);
});

test('a RUN folder holding another configuration is refused unless --overwrite', async () => {
  const dir = tempDir();
  const data = writeClips(dir, 4, 2, 4);
  const run = join(dir, 'run');
  await train(tinyConfig(data, run, { iters: 1, batch: 2 }));
  await assert.rejects(train(tinyConfig(data, run, { iters: 1, batch: 2, lr: 0.5 })), /holds a run with another configuration \(differs in: lr\); pass --overwrite/);
  const r = await train({ ...tinyConfig(data, run, { iters: 1, batch: 2, lr: 0.5 }), overwrite: true } as TrainConfig);
  assert.equal(r.iterations, 1);
  assert.equal((JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as TrainConfig).lr, 0.5);
  await assert.rejects(train({ ...tinyConfig(data, join(dir, 'fresh'), { iters: 1, batch: 2 }), resume: true } as TrainConfig), /nothing to resume/);
});

test('a non-finite loss stops at once, names the iteration and the last good checkpoint, suggests a lower lr', async () => {
  const dir = tempDir();
  const data = writeClips(dir, 4, 2, 5, true);
  const run = join(dir, 'run');
  await assert.rejects(train(tinyConfig(data, run, { iters: 3, batch: 4 })), (e: unknown) => {
    assert.ok(e instanceof DivergedError);
    assert.match(e.message, /loss is NaN at iteration 1 .*no checkpoint was written yet.*lower --lr/);
    return true;
  });
  assert.ok(!existsSync(join(run, 'final.safetensors')));
});

test('bad inputs: wrong clip shape, label beyond --classes, missing npy, contradictory length flags', async () => {
  const dir = tempDir();
  const data = writeClips(dir, 4, 2, 6);
  await assert.rejects(train(tinyConfig(data, join(dir, 'a'), { size: 56 })), /x6\.npy.*clips are 3×4×28×28 .* takes 3×4×56×56/);
  await assert.rejects(train(tinyConfig(data, join(dir, 'b'), { classes: 1 })), /y6\.npy: label 1 at index 1 is outside \[0, 1\)/);
  await assert.rejects(train(tinyConfig({ clips: join(dir, 'none.npy'), labels: data.labels }, join(dir, 'c'))), /none\.npy/);
  await assert.rejects(train(tinyConfig(data, join(dir, 'd'), { epochs: 2 })), /exactly one of --epochs N or --iters N/);
  writeFileSync(join(dir, 'bad.npy'), 'not an npy file');
  await assert.rejects(train(tinyConfig({ clips: join(dir, 'bad.npy'), labels: data.labels }, join(dir, 'e'))), /bad\.npy/);
  assert.ok(!existsSync(join(dir, 'a', 'final.safetensors')));
});

test('trained checkpoints record the spec, convention and class names; best/final load with loadWeights', async () => {
  const dir = tempDir();
  const train1 = writeClips(dir, 6, 3, 7);
  const val = writeClips(dir, 6, 3, 8);
  const r = await train(tinyConfig(train1, join(dir, 'run'), { iters: 4, batch: 3, val: { kind: 'clips', ...val } }));
  assert.ok(r.best && existsSync(r.best.path));
  assert.ok(r.lastValidation && r.lastValidation.clips === 6);
  const ws = await loadWeights(r.final!);
  assert.equal(ws.specDef?.input.join(), '3,4,28,28');
  assert.deepEqual(ws.classes, ['0', '1', '2']);
  assert.equal(ws.convention?.mean, 'none');
  assert.ok(existsSync(join(dir, 'run', 'curves.png')));
});
