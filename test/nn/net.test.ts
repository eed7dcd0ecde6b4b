import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { createFastKernels } from '../../src/kernels/fast/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { getModel, paramShapes, countParams } from '../../src/models/index.js';
import { Net, initParams, syntheticParams, syntheticClips, syntheticTensor, checkParams, SeededRandom, WeightsMismatchError } from '../../src/nn/index.js';
import { expectClose, loadGolden } from '../models/golden.js';

for (const name of ['small-c3d', 'small-increasing']) {
  for (const kernelsName of ['reference', 'fast'] as const) {
    test(`${name}: forward blobs, loss and gradients match PyTorch (${kernelsName} kernels)`, async () => {
      const g = loadGolden(name);
      const spec = getModel(g.model, g.options);
      assert.equal(countParams(spec), g.param_count);
      const fast = kernelsName === 'fast' ? await createFastKernels({ threads: 2 }) : null;
      try {
        const net = new Net(spec, syntheticParams(spec, g.seed), fast ?? referenceKernels);
        const x = syntheticClips(spec, g.batch, g.seed);
        const names = Object.keys(g.blobs);
        const { blobs } = await net.forward(x, { outputs: names });
        for (const b of names) expectClose(blobs.get(b)!, g.blobs[b]!, `${name} ${b}`);
        const { loss, grads } = await net.lossAndGrads(x, Int32Array.from(g.labels!), { train: false });
        assert.ok(Math.abs(loss - g.loss!) <= 1e-4 * Math.abs(g.loss!), `loss ${loss} vs ${g.loss}`);
        for (const [p, ref] of Object.entries(g.grads!)) expectClose(grads.get(p)!, ref, `${name} d${p}`);
      } finally {
        await fast?.dispose();
      }
    });
  }
}

test('synthetic weights are bit-identical to the NumPy generator (values printed by tools/fixtures/models.py synthetic())', () => {
  // A change on either side of the hash breaks every golden test; this pins it directly.
  assert.deepEqual([...syntheticTensor([4], 0, 1).data], [-1.0, -0.1833019256591797, 0.6333962678909302, -0.34417998790740967]);
  assert.deepEqual([...syntheticTensor([3], 12345, 0.5).data], [0.4159843325614929, 0.18446063995361328, 0.42492908239364624]);
});

test('Caffe initialisation: N(0, 0.01) convs, bias 0 / 1, fc6/fc7 N(0, 0.005) bias 1, classifier N(0, 0.01) bias 0', () => {
  const spec = getModel('depth-3', { width: 1 / 8, size: 56, classes: 7 });
  const p = initParams(spec, { seed: 3 });
  checkParams(spec, p);
  const std = (t: Tensor) => Math.sqrt(t.data.reduce((s, v) => s + v * v, 0) / t.size);
  const mean = (t: Tensor) => t.data.reduce((s, v) => s + v, 0) / t.size;
  assert.ok(Math.abs(std(p.get('conv3.weight')!) - 0.01) < 0.0005);
  assert.ok(Math.abs(mean(p.get('conv3.weight')!)) < 0.0005);
  assert.ok(Math.abs(std(p.get('fc6.weight')!) - 0.005) < 0.0002);
  assert.ok(Math.abs(std(p.get('fc8.weight')!) - 0.01) < 0.001);
  assert.ok(p.get('conv1.bias')!.data.every((v) => v === 0));
  assert.ok(p.get('conv2.bias')!.data.every((v) => v === 1));
  assert.ok(p.get('fc7.bias')!.data.every((v) => v === 1));
  assert.ok(p.get('fc8.bias')!.data.every((v) => v === 0));
  assert.deepEqual([...initParams(spec, { seed: 3 }).get('fc8.weight')!.data], [...p.get('fc8.weight')!.data], 'seeded');
});

test('train mode: dropout scales kept fc6 units by 2 and zeroes the rest; eval mode is the identity', async () => {
  const spec = getModel('depth-1', { width: 1 / 32, size: 28, length: 4, classes: 3 });
  const net = new Net(spec, syntheticParams(spec, 5), referenceKernels);
  const x = syntheticClips(spec, 2, 5);
  const ev = (await net.forward(x, { outputs: ['fc6'] })).blobs.get('fc6')!;
  const tr = (await net.forward(x, { outputs: ['fc6'], train: true, random: new SeededRandom(1).uniform })).blobs.get('fc6')!;
  let kept = 0;
  let dropped = 0;
  for (let i = 0; i < ev.size; i++) {
    if (ev.data[i] === 0) continue;
    if (tr.data[i] === 0) dropped++;
    else {
      kept++;
      assert.ok(Math.abs(tr.data[i]! - 2 * ev.data[i]!) < 1e-6);
    }
  }
  assert.ok(kept > 0 && dropped > 0, `kept ${kept}, dropped ${dropped}`);
  await assert.rejects(net.forward(x, { outputs: ['fc6'], train: true }), /needs a random source for drop6/);
});

test('backward from a feature blob (fc6, post-ReLU) reaches conv weights; layers above get zero gradients', async () => {
  const spec = getModel('depth-1', { width: 1 / 32, size: 28, length: 4, classes: 3 });
  const net = new Net(spec, syntheticParams(spec, 5), referenceKernels);
  const x = syntheticClips(spec, 1, 5);
  const { blobs, tape } = await net.forward(x, { outputs: ['fc6'], keepTape: true });
  const fc6 = blobs.get('fc6')!;
  const { grads } = await net.backward(tape!, new Map([['fc6', Tensor.filled(fc6.shape, 1)]]));
  assert.ok(grads.get('fc8.weight')!.data.every((v) => v === 0));
  assert.ok(grads.get('conv1.weight')!.data.some((v) => v !== 0));
  // d(Σ fc6)/d fc6.bias = 1 where the unit is active (ReLU in place), else 0.
  const db = grads.get('fc6.bias')!;
  for (let i = 0; i < db.size; i++) assert.equal(db.data[i], fc6.data[i]! > 0 ? 1 : 0);
});

test('bad input: wrong clip shape or length, unknown output, weights that do not fit', async () => {
  const spec = getModel('depth-3', { width: 1 / 32, size: 28, length: 4, classes: 3 });
  const params = syntheticParams(spec, 1);
  const net = new Net(spec, params, referenceKernels);
  await assert.rejects(net.forward(new Tensor([1, 3, 8, 28, 28])), /input clips must be \(N, 3, 4, 28, 28\).*got \[1, 3, 8, 28, 28\]/);
  await assert.rejects(net.forward(new Tensor([3, 4, 28, 28])), /input clips must be/);
  await assert.rejects(net.forward(syntheticClips(spec, 1), { outputs: ['fc9'] }), /unknown output 'fc9'/);
  const wrong = syntheticParams(getModel('depth-3', { width: 1 / 32, size: 28, length: 4, classes: 5 }), 1);
  assert.throws(() => new Net(spec, wrong, referenceKernels), (e: Error) =>
    e instanceof WeightsMismatchError && /fc8\.weight: expected \[3, 64\], given \[5, 64\]; fc8\.bias: expected \[3\], given \[5\]/.test(e.message));
  const missing = new Map(params);
  missing.delete('conv2.bias');
  missing.set('conv9.weight', new Tensor([1]));
  assert.throws(() => checkParams(spec, missing), /conv2\.bias: expected \[4\], missing; conv9\.weight: not a parameter/);
  assert.equal(paramShapes(spec).size, params.size);
});
