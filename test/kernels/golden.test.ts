/**
 * Every PyTorch fixture case (tools/fixtures/kernels.py) against every kernel backend: forward
 * outputs, pool switches (exactly) and all gradients. Tolerance: |a − b| ≤ 1e-4 · max(1, |b|).
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import type { Conv3dParams, Kernels, Pool3dParams, Triple } from '../../src/kernels/api.js';
import { Tensor } from '../../src/tensor/index.js';
import { loadBackends } from './backends.js';
import { loadFixtures, type FixtureCase } from './fixtures.js';
import { assertClose, assertScalarClose } from './close.js';
import { lcg } from './random.js';

const backends = await loadBackends();
after(async () => {
  for (const b of backends) await b.dispose();
});
const cases = loadFixtures();

test('fixtures: the manifest covers every op', () => {
  const ops = new Set(cases.map((c) => c.op));
  assert.deepEqual([...ops].sort(), ['conv3d', 'linear', 'maxpool3d', 'relu', 'softmax', 'softmax_xent']);
});

const triple = (v: unknown) => v as Triple;

async function checkCase(k: Kernels, c: FixtureCase): Promise<void> {
  const t = (key: string) => c.tensor(key);
  switch (c.op) {
    case 'conv3d': {
      const p: Conv3dParams = { stride: triple(c.params.stride), pad: triple(c.params.pad) };
      const x = t('x');
      const w = t('w');
      const b = c.params.bias ? t('b') : null;
      const dy = t('dy');
      assertClose(await k.conv3dForward(x, w, b, p), t('y'), 'y');
      assertClose(await k.conv3dBackwardInput(dy, w, x.shape, p), t('dx'), 'dx');
      assertClose(await k.conv3dBackwardWeight(x, dy, w.shape, p), t('dw'), 'dw');
      if (c.params.bias) assertClose(await k.conv3dBackwardBias(dy), t('db'), 'db');
      return;
    }
    case 'maxpool3d': {
      const p: Pool3dParams = {
        kernel: triple(c.params.kernel),
        stride: triple(c.params.stride),
        pad: triple(c.params.pad),
        rounding: c.params.rounding as Pool3dParams['rounding'],
      };
      const x = t('x');
      const { y, argmax } = await k.maxPool3dForward(x, p);
      assertClose(y, t('y'), 'y');
      assert.deepEqual(argmax, c.ints('argmax'), 'argmax');
      assertClose(await k.maxPool3dBackward(t('dy'), argmax, x.shape), t('dx'), 'dx');
      return;
    }
    case 'linear': {
      const [x, w, dy] = [t('x'), t('w'), t('dy')];
      assertClose(await k.linearForward(x, w, t('b')), t('y'), 'y');
      assertClose(await k.linearBackwardInput(dy, w), t('dx'), 'dx');
      assertClose(await k.linearBackwardWeight(dy, x), t('dw'), 'dw');
      assertClose(await k.linearBackwardBias(dy), t('db'), 'db');
      return;
    }
    case 'relu': {
      const y = k.relu(t('x'));
      assertClose(y, t('y'), 'y');
      assertClose(k.reluBackward(t('dy'), y), t('dx'), 'dx');
      return;
    }
    case 'softmax':
      assertClose(k.softmax(t('x')), t('y'), 'y');
      return;
    case 'softmax_xent': {
      const { loss, grad } = k.softmaxCrossEntropy(t('logits'), c.ints('labels'));
      assertScalarClose(loss, c.params.loss as number, 'loss');
      assertClose(grad, t('grad'), 'grad');
      return;
    }
  }
}

for (const { kernels } of backends) {
  for (const c of cases) {
    test(`${kernels.name}: ${c.name} matches PyTorch`, () => checkCase(kernels, c));
  }

  // Dropout has no PyTorch fixture (its randomness differs); its contract is pinned here instead:
  // one random() call per element in order, kept iff random() ≥ p, kept units scaled by 1/(1−p).
  test(`${kernels.name}: dropout keeps units with random() ≥ p and scales them by 1/(1−p)`, () => {
    const x = Tensor.from([3, 50], Array.from({ length: 150 }, (_, i) => Math.sin(i) * 3));
    for (const p of [0, 0.25, 0.5]) {
      const draws = lcg(7);
      const expected = lcg(7);
      const { y, mask } = kernels.dropout(x, p, draws);
      let kept = 0;
      for (let i = 0; i < x.size; i++) {
        const keep = expected() >= p;
        assert.equal(mask[i], keep ? 1 : 0, `p ${p}: mask[${i}]`);
        assert.equal(y.data[i], keep ? Math.fround(x.data[i] / (1 - p)) : 0, `p ${p}: y[${i}]`);
        kept += mask[i];
      }
      if (p === 0) assert.equal(kept, x.size);
      const dy = Tensor.filled(x.shape, 2);
      const dx = kernels.dropoutBackward(dy, mask, p);
      for (let i = 0; i < x.size; i++) assert.equal(dx.data[i], mask[i] ? Math.fround(2 / (1 - p)) : 0);
    }
  });
}
