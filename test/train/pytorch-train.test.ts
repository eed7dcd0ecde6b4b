/**
 * The whole `train()` loop on both training backends — --init weights file, --clips data in file
 * order, the solver, the schedule — against PyTorch (tools/fixtures/train.py): one SGD step, three SGD steps with momentum
 * and weight decay, three Adam / AdamW steps, clipping, all from the same initial weights on the same
 * clips. The final weights must match to 1e-4 of each tensor's largest value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { loadWeights, saveSafetensors } from '../../src/io/weights.js';
import { DEFAULT_CONFIG } from '../../src/train/config.js';
import { train } from '../../src/train/train.js';
import { expectClose } from '../models/golden.js';
import { full, loadTrainFixture } from './fixtures.js';

const fx = loadTrainFixture();
const dir = mkdtempSync(join(tmpdir(), 'c3d-train-torch-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const clips = join(dir, 'clips.npy');
const labels = join(dir, 'labels.npy');
writeNpy(clips, { shape: fx.clips.shape, data: fx.clips.data });
writeNpy(labels, { shape: [fx.labels.length], data: fx.labels });
const init = join(dir, 'init.safetensors');

for (const backend of ['wasm', 'onnxruntime'] as const) for (const c of fx.cases) {
  test(`c3d train --backend ${backend} (${c.name}): weights after ${c.steps} step(s) equal PyTorch's`, async () => {
    await saveSafetensors(init, { params: fx.initial, specDef: fx.spec, source: 'tools/fixtures/train.py' });
    const r = await train({
      ...DEFAULT_CONFIG,
      backend,
      data: { kind: 'clips', clips, labels },
      out: join(dir, `${backend}-${c.name}`),
      model: fx.model.name,
      ...fx.model.options,
      dropout: 0,
      init,
      iters: c.steps,
      batch: fx.labels.length,
      shuffle: false,
      optimizer: c.config.kind,
      lr: c.lr,
      momentum: c.config.momentum,
      weightDecay: c.config.weightDecay,
      beta1: c.config.beta1,
      beta2: c.config.beta2,
      eps: c.config.eps,
      clipGrad: c.config.clipGrad,
      lrPolicy: 'fixed',
      threads: 2,
      logEvery: 1,
    });
    assert.equal(r.iterations, c.steps);
    assert.ok(Math.abs(r.lastLoss! - c.losses.at(-1)!) <= 1e-4 * Math.abs(c.losses.at(-1)!), `loss ${r.lastLoss} vs ${c.losses.at(-1)}`);
    const ours = (await loadWeights(r.final!)).params;
    for (const [name, ref] of c.final) expectClose(ours.get(name)!, full(ref), `${c.name} ${name}`);
  });
}
