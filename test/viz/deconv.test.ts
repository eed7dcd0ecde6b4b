/**
 * Projections with known answers: hand-set filters where the projection is known analytically (a
 * one-hot filter through a pool's switch returns to the input's maximum; a matched filter returns
 * its own pattern), and a two-layer net where the three ReLU rules must differ exactly where their
 * rule says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { NetSpec } from '../../src/models/index.js';
import { Net, syntheticTensor, type ParamSet } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { blobShape, projectActivation, projectableBlobs, strongestSite, PROJECTION_METHODS } from '../../src/viz/deconv.js';

const conv = (name: string, out: number) => ({ type: 'conv3d' as const, name, out, kernel: [3, 3, 3] as const, pad: [1, 1, 1] as const, stride: [1, 1, 1] as const });
const relu = (name: string) => ({ type: 'relu' as const, name });

/** Flat index of (c, t, y, x) in a (C, T, H, W) volume. */
const at = (s: readonly number[], c: number, t: number, y: number, x: number): number => ((c * s[1]! + t) * s[2]! + y) * s[3]! + x;

test('a one-hot filter projects a pool unit back to the input maximum its switch recorded, for every rule', async () => {
  const spec: NetSpec = {
    name: 'one-hot', input: [3, 4, 6, 6],
    layers: [conv('conv1', 2), relu('relu1'), { type: 'pool3d', name: 'pool1', kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'ceil' }],
    outputs: ['pool1'],
  };
  // Map 0 reads input channel 1 at offset (+1, −1, 0): y0[t, y, x] = x1[t + 1, y − 1, x]. Map 1 is all zero.
  const w = new Tensor([2, 3, 3, 3, 3]);
  w.data[at([3, 3, 3, 3], 1, 2, 0, 1)] = 1;
  const params: ParamSet = new Map([['conv1.weight', w], ['conv1.bias', new Tensor([2])]]);
  const net = new Net(spec, params, referenceKernels);
  // Faint positive texture everywhere, one strong voxel at channel 1, (t, y, x) = (2, 3, 4).
  const x = syntheticTensor([1, ...spec.input], 11, 0.05);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.abs(x.data[i]!);
  x.data[at(spec.input, 1, 2, 3, 4)] = 5;
  const { blobs, tape } = await net.forward(x, { outputs: ['pool1'], keepTape: true });
  const pool = blobs.get('pool1')!;
  // The strong voxel reaches conv unit (1, 4, 4), which pool window (0, 2, 2) holds.
  const { site, value } = strongestSite(pool.data, blobShape(spec, 'pool1'), 0);
  assert.deepEqual(site, { map: 0, t: 0, y: 2, x: 2 });
  assert.equal(value, 5);
  for (const method of PROJECTION_METHODS) {
    const p = await projectActivation(net, tape!, 'pool1', site, value, method);
    assert.deepEqual([...p.shape], spec.input);
    const hot = at(spec.input, 1, 2, 3, 4);
    assert.equal(p.data[hot], 5, `${method}: the maximum comes back`);
    assert.ok(p.data.every((v, i) => i === hot || v === 0), `${method}: nothing else is lit`);
  }
});

test('a matched filter projects its strongest unit back to the pattern it matched, scaled by the activation', async () => {
  const spec: NetSpec = { name: 'matched', input: [3, 3, 7, 7], layers: [conv('conv1', 1), relu('relu1')], outputs: ['conv1'] };
  const pattern = syntheticTensor([27], 5, 0.25);
  for (let i = 0; i < 27; i++) pattern.data[i] = 0.75 + pattern.data[i]!; // positive, not constant
  const w = new Tensor([1, 3, 3, 3, 3]);
  w.data.set(pattern.data, 0); // input channel 0
  const net = new Net(spec, new Map([['conv1.weight', w], ['conv1.bias', new Tensor([1])]]), referenceKernels);
  // The pattern itself, centred at (t, y, x) = (1, 3, 3) of channel 0.
  const x = new Tensor([1, ...spec.input]);
  for (let k = 0; k < 27; k++) x.data[at(spec.input, 0, Math.floor(k / 9), 2 + (Math.floor(k / 3) % 3), 2 + (k % 3))] = pattern.data[k]!;
  const { blobs, tape } = await net.forward(x, { outputs: ['conv1'], keepTape: true });
  const { site, value } = strongestSite(blobs.get('conv1')!.data, blobShape(spec, 'conv1'), 0);
  assert.deepEqual(site, { map: 0, t: 1, y: 3, x: 3 });
  const energy = pattern.data.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(value - energy) <= 1e-5 * energy);
  for (const method of PROJECTION_METHODS) {
    const p = await projectActivation(net, tape!, 'conv1', site, value, method);
    const expected = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) expected[i] = value * x.data[i]!;
    for (let i = 0; i < x.size; i++) assert.ok(Math.abs(p.data[i]! - expected[i]!) <= 1e-5 * value, `${method}: element ${i} ${p.data[i]} vs ${expected[i]}`);
  }
});

test('the three rules differ exactly where their ReLU rule says: gradient R·[f>0], deconvnet max(R,0), guided max(R,0)·[f>0]', async () => {
  // conv1 is the identity (so the input sees the signal just below relu1 unchanged), conv2 random.
  const spec: NetSpec = { name: 'two-layer', input: [4, 4, 6, 6], layers: [conv('conv1', 4), relu('relu1'), conv('conv2', 3), relu('relu2')], outputs: ['conv2'] };
  const w1 = new Tensor([4, 4, 3, 3, 3]);
  // w1[c, c] is a centre one-hot: y1 = relu(x + b1).
  for (let c = 0; c < 4; c++) w1.data[(((c * 4 + c) * 3 + 1) * 3 + 1) * 3 + 1] = 1;
  const params: ParamSet = new Map([
    ['conv1.weight', w1], ['conv1.bias', syntheticTensor([4], 2, 0.3)],
    ['conv2.weight', syntheticTensor([3, 4, 3, 3, 3], 3, 0.5)], ['conv2.bias', syntheticTensor([3], 4, 0.1)],
  ]);
  const net = new Net(spec, params, referenceKernels);
  const x = syntheticTensor([1, ...spec.input], 9, 1);
  const { blobs, tape } = await net.forward(x, { outputs: ['conv1', 'conv2'], keepTape: true });
  const y1 = blobs.get('conv1')!; // relu1's output: y > 0 ⇔ f > 0
  const { site, value } = strongestSite(blobs.get('conv2')!.data, blobShape(spec, 'conv2'), 0);
  assert.ok(value > 0);
  // The signal arriving at relu1: the kept unit through conv2 transposed (relu2 passes a positive seed).
  const seed = new Tensor([1, 3, 4, 6, 6]);
  seed.data[at([3, 4, 6, 6], site.map, site.t, site.y, site.x)] = value;
  const R = await referenceKernels.conv3dBackwardInput(seed, params.get('conv2.weight')!, [1, 4, 4, 6, 6], { stride: [1, 1, 1], pad: [1, 1, 1] });
  const p = Object.fromEntries(await Promise.all(PROJECTION_METHODS.map(async (m) => [m, await projectActivation(net, tape!, 'conv2', site, value, m)] as const)));
  const cases = { pos_on: 0, pos_off: 0, neg_on: 0, neg_off: 0 };
  for (let i = 0; i < R.size; i++) {
    const r = R.data[i]!;
    const on = y1.data[i]! > 0;
    const expected = { gradient: on ? r : 0, deconvnet: Math.max(r, 0), guided: on ? Math.max(r, 0) : 0 };
    for (const m of PROJECTION_METHODS) assert.ok(Math.abs(p[m]!.data[i]! - expected[m]) <= 1e-6, `${m} at ${i}: ${p[m]!.data[i]} vs ${expected[m]}`);
    if (r !== 0) cases[`${r > 0 ? 'pos' : 'neg'}_${on ? 'on' : 'off'}`]++;
    // Where the rules disagree, and only there.
    const differs = (a: number, b: number): boolean => a !== b;
    assert.equal(differs(p.deconvnet!.data[i]!, p.gradient!.data[i]!), (r > 0 && !on) || (r < 0 && on), `deconvnet vs gradient at ${i}`);
    assert.equal(differs(p.guided!.data[i]!, p.gradient!.data[i]!), r < 0 && on, `guided vs gradient at ${i}`);
    assert.equal(differs(p.deconvnet!.data[i]!, p.guided!.data[i]!), r > 0 && !on, `deconvnet vs guided at ${i}`);
  }
  for (const [k, n] of Object.entries(cases)) assert.ok(n >= 5, `case ${k} occurs only ${n} times: the test would not see the rules differ`);
});

test('bad input: unknown layer lists the conv and pool blobs; a site outside the blob; a batch tape', async () => {
  const spec: NetSpec = { name: 'tiny', input: [3, 2, 4, 4], layers: [conv('conv1', 2), relu('relu1'), { type: 'fc', name: 'fc6', out: 3 }], outputs: ['fc6'] };
  assert.deepEqual(projectableBlobs(spec), ['conv1']);
  assert.throws(() => blobShape(spec, 'fc6'), /unknown layer 'fc6' \(conv and pool blobs of tiny: conv1\)/);
  const params: ParamSet = new Map([
    ['conv1.weight', syntheticTensor([2, 3, 3, 3, 3], 1, 0.3)], ['conv1.bias', new Tensor([2])],
    ['fc6.weight', syntheticTensor([3, 64], 2, 0.3)], ['fc6.bias', new Tensor([3])],
  ]);
  const net = new Net(spec, params, referenceKernels);
  const one = await net.forward(syntheticTensor([1, 3, 2, 4, 4], 3, 1), { outputs: ['conv1'], keepTape: true });
  await assert.rejects(projectActivation(net, one.tape!, 'conv1', { map: 2, t: 0, y: 0, x: 0 }, 1), /site \(map 2, t 0, y 0, x 0\) is outside its 2×2×4×4 blob/);
  const two = await net.forward(syntheticTensor([2, 3, 2, 4, 4], 3, 1), { outputs: ['conv1'], keepTape: true });
  await assert.rejects(projectActivation(net, two.tape!, 'conv1', { map: 0, t: 0, y: 0, x: 0 }, 1), /tape must be of one clip, got 2/);
});
