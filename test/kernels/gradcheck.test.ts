/**
 * Finite-difference gradient checks: each backward op against central differences of its own
 * forward op, on tiny shapes. The scalar loss is L = Σ g·f(θ) with a fixed random upstream g,
 * summed in float64 here; θ is perturbed by ±1e-2 in float32. Conv and linear are linear in each
 * argument, so the only error is rounding; pool and ReLU inputs are kept ≥ 0.05 away from ties and
 * kinks so the perturbation never crosses one; softmax-xent has an O(eps²) truncation error.
 * Tolerance: |numeric − analytic| ≤ 2e-3 · max(1, |analytic|).
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import type { Conv3dParams, Pool3dParams } from '../../src/kernels/api.js';
import { Tensor } from '../../src/tensor/index.js';
import { loadBackends } from './backends.js';
import { lcg, uniformTensor } from './random.js';

const EPS = 1e-2;
const TOL = 2e-3;

const backends = await loadBackends();
after(async () => {
  for (const b of backends) await b.dispose();
});

/** Σ g·y in float64. */
function dot(g: Tensor, y: Tensor): number {
  assert.deepEqual([...g.shape], [...y.shape]);
  let s = 0;
  for (let i = 0; i < y.size; i++) s += g.data[i] * y.data[i];
  return s;
}

/**
 * Compares `analytic` with central differences of `loss` in every element of `param`
 * (which `loss` reads; it is perturbed in place and restored).
 */
async function checkGrad(what: string, param: Tensor, loss: () => Promise<number>, analytic: Tensor): Promise<void> {
  assert.deepEqual([...analytic.shape], [...param.shape], `${what}: gradient shape`);
  for (let i = 0; i < param.size; i++) {
    const orig = param.data[i];
    param.data[i] = orig + EPS;
    const up = param.data[i];
    const lossUp = await loss();
    param.data[i] = orig - EPS;
    const down = param.data[i];
    const lossDown = await loss();
    param.data[i] = orig;
    const numeric = (lossUp - lossDown) / (up - down);
    const a = analytic.data[i];
    assert.ok(
      Math.abs(numeric - a) <= TOL * Math.max(1, Math.abs(a)),
      `${what}[${i}]: analytic ${a}, numeric ${numeric}`,
    );
  }
}

/** Distinct values spaced 0.05 apart in random order: no two within 2·EPS of each other. */
function distinctTensor(shape: readonly number[], random: () => number): Tensor {
  const t = new Tensor(shape);
  const order = Array.from({ length: t.size }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let i = 0; i < t.size; i++) t.data[i] = (order[i] - t.size / 2) * 0.05;
  return t;
}

for (const { kernels: k } of backends) {
  test(`${k.name}: conv3d gradients (x, w, b) match finite differences`, async () => {
    const r = lcg(1);
    const p: Conv3dParams = { stride: [1, 2, 1], pad: [1, 0, 1] };
    const x = uniformTensor([2, 2, 4, 5, 3], r);
    const w = uniformTensor([3, 2, 3, 2, 2], r);
    const b = uniformTensor([3], r);
    const y = await k.conv3dForward(x, w, b, p);
    const g = uniformTensor(y.shape, r);
    const loss = async () => dot(g, await k.conv3dForward(x, w, b, p));
    await checkGrad('dx', x, loss, await k.conv3dBackwardInput(g, w, x.shape, p));
    await checkGrad('dw', w, loss, await k.conv3dBackwardWeight(x, g, w.shape, p));
    await checkGrad('db', b, loss, await k.conv3dBackwardBias(g));
  });

  test(`${k.name}: max-pool gradient matches finite differences (overlapping, padded, ceil)`, async () => {
    const r = lcg(2);
    const p: Pool3dParams = { kernel: [3, 2, 3], stride: [2, 2, 2], pad: [1, 0, 1], rounding: 'ceil' };
    const x = distinctTensor([1, 2, 5, 5, 6], r);
    const { y, argmax } = await k.maxPool3dForward(x, p);
    const g = uniformTensor(y.shape, r);
    const loss = async () => dot(g, (await k.maxPool3dForward(x, p)).y);
    await checkGrad('dx', x, loss, await k.maxPool3dBackward(g, argmax, x.shape));
  });

  test(`${k.name}: linear gradients (x, w, b) match finite differences`, async () => {
    const r = lcg(3);
    const x = uniformTensor([3, 6], r);
    const w = uniformTensor([4, 6], r);
    const b = uniformTensor([4], r);
    const g = uniformTensor([3, 4], r);
    const loss = async () => dot(g, await k.linearForward(x, w, b));
    await checkGrad('dx', x, loss, await k.linearBackwardInput(g, w));
    await checkGrad('dw', w, loss, await k.linearBackwardWeight(g, x));
    await checkGrad('db', b, loss, await k.linearBackwardBias(g));
  });

  test(`${k.name}: softmax cross-entropy gradient matches finite differences`, async () => {
    const r = lcg(4);
    const logits = uniformTensor([4, 5], r, -3, 3);
    const labels = Int32Array.from([2, 0, 4, 2]);
    const loss = async () => k.softmaxCrossEntropy(logits, labels).loss;
    await checkGrad('dlogits', logits, loss, k.softmaxCrossEntropy(logits, labels).grad);
  });

  test(`${k.name}: ReLU and dropout gradients match finite differences`, async () => {
    const r = lcg(5);
    const x = uniformTensor([3, 7], r, 0.05, 1);
    for (let i = 0; i < x.size; i += 2) x.data[i] = -x.data[i]; // both signs, none near the kink
    const g = uniformTensor(x.shape, r);
    await checkGrad('relu dx', x, async () => dot(g, k.relu(x)), k.reluBackward(g, k.relu(x)));
    // A fixed seed gives the same mask on every call, so dropout is linear in x here.
    const p = 0.3;
    const drop = () => k.dropout(x, p, lcg(6));
    await checkGrad('dropout dx', x, async () => dot(g, drop().y), k.dropoutBackward(g, drop().mask, p));
  });
}
