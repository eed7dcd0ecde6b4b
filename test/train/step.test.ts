/**
 * Gradient accumulation must not change the step: a batch computed whole and the same batch as
 * micro-batches (losses and grads weighted by micro-batch size / batch size) agree, dropout included,
 * because every sample draws its mask from its own (seed, iteration, sample) stream.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getModel } from '../../src/models/index.js';
import { syntheticClips, syntheticParams, type ParamSet } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { dropoutMasks, dropoutSites } from '../../src/train/dropout.js';
import { createWasmStep } from '../../src/train/wasm-step.js';
import { createTrainStep } from '../../src/train/create-step.js';
import type { TrainStep } from '../../src/train/step.js';
import { assertClose as assertCloseTo } from './fixtures.js';

const SPEC = getModel('depth-1', { width: 1 / 32, size: 28, length: 4, classes: 3 });
const SEED = 11;
const ITERATION = 5;
const BATCH = 4;
const RTOL = 1e-5;

/** Samples [first, first + count) of a (N, …) tensor, copied. */
function samples(t: Tensor, first: number, count: number): Tensor {
  const per = t.size / t.shape[0]!;
  return new Tensor([count, ...t.shape.slice(1)], t.data.slice(first * per, (first + count) * per));
}

const assertClose = (a: Float32Array, b: Float32Array, what: string): void => assertCloseTo(a, b, what, RTOL);

describe('wasm training step: whole batch vs micro-batches', () => {
  let step: TrainStep;
  let params: ParamSet;
  const clips = syntheticClips(SPEC, BATCH, SEED);
  const labels = Int32Array.from([0, 1, 2, 1]);
  const sites = dropoutSites(SPEC);

  before(async () => {
    step = await createWasmStep(SPEC, { threads: 2 });
    params = syntheticParams(SPEC, SEED);
  });
  after(async () => {
    await step.dispose();
  });

  it('dropout masks of a sample are the same however the batch is split', () => {
    assert.deepEqual(sites.map((s) => s.name), ['drop6', 'drop7']);
    const whole = dropoutMasks(sites, SEED, ITERATION, 0, BATCH);
    const halves = [dropoutMasks(sites, SEED, ITERATION, 0, 2), dropoutMasks(sites, SEED, ITERATION, 2, 2)];
    const singles = [0, 1, 2, 3].map((s) => dropoutMasks(sites, SEED, ITERATION, s, 1));
    for (const site of sites) {
      const w = whole.get(site.name)!;
      assert.equal(w.length, BATCH * site.units);
      assert.ok(w.includes(0) && w.includes(1), `${site.name}: mask keeps some units and drops others`);
      assert.deepEqual([...halves[0]!.get(site.name)!, ...halves[1]!.get(site.name)!], [...w], `${site.name}: 2 + 2`);
      assert.deepEqual(singles.flatMap((m) => [...m.get(site.name)!]), [...w], `${site.name}: 1 + 1 + 1 + 1`);
      // Different samples and iterations get different masks (the streams are really per sample).
      assert.notDeepEqual([...w.subarray(0, site.units)], [...w.subarray(site.units, 2 * site.units)], `${site.name}: sample 0 vs 1`);
      assert.notDeepEqual([...dropoutMasks(sites, SEED, ITERATION + 1, 0, BATCH).get(site.name)!], [...w], `${site.name}: next iteration`);
    }
  });

  it('loss, logits and grads of the batch of 4 equal two micro-batches of 2 combined', async () => {
    const whole = await step.lossAndGrads(params, { clips, labels, dropoutMasks: dropoutMasks(sites, SEED, ITERATION, 0, BATCH) });
    const parts = [];
    for (const first of [0, 2]) {
      parts.push(await step.lossAndGrads(params, {
        clips: samples(clips, first, 2),
        labels: labels.slice(first, first + 2),
        dropoutMasks: dropoutMasks(sites, SEED, ITERATION, first, 2),
      }));
    }
    const weight = 2 / BATCH;
    const loss = parts.reduce((s, p) => s + weight * p.loss, 0);
    assert.ok(Number.isFinite(whole.loss) && whole.loss > 0, `loss ${whole.loss}`);
    assert.ok(Math.abs(whole.loss - loss) <= RTOL * Math.abs(whole.loss), `loss: whole ${whole.loss} vs combined ${loss}`);
    assertClose(Float32Array.from([...parts[0]!.logits.data, ...parts[1]!.logits.data]), whole.logits.data, 'logits');

    assert.deepEqual([...whole.grads.keys()].sort(), [...params.keys()].sort());
    for (const [name, g] of whole.grads) {
      const combined = new Float32Array(g.size);
      for (const p of parts) {
        const d = p.grads.get(name)!.data;
        for (let i = 0; i < combined.length; i++) combined[i]! += weight * d[i]!;
      }
      assertClose(combined, g.data, `d${name}`);
    }

    // The masks really were applied: the same batch in test mode (no masks) gives another loss.
    const eval_ = await step.lossAndGrads(params, { clips, labels });
    assert.notEqual(eval_.loss, whole.loss, 'dropout masks changed nothing');
  });
});

describe('createTrainStep', () => {
  it('builds the wasm step and rejects an unknown backend name in one line', async () => {
    const s = await createTrainStep(SPEC, { backend: 'wasm', threads: 1 });
    try {
      assert.equal(s.backend, 'wasm');
      assert.equal(s.threads, 1);
    } finally {
      await s.dispose();
    }
    await assert.rejects(createTrainStep(SPEC, { backend: 'cuda' as 'wasm' }), /^Error: unknown training backend 'cuda' \(expected one of: wasm, onnxruntime\)$/);
  });
});
