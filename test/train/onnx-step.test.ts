/**
 * The onnxruntime training step (src/train/onnx-step.ts, graph src/train/onnx/graph.ts) against
 * PyTorch's goldens (tools/fixtures/models.py: loss and every gradient) and against the wasm step on
 * the reference kernels: every layer type, Caffe ceil and the port's padded pool5, odd sizes, dropout
 * masks, each weight-gradient route, many position chunks, strided convs (ConvTranspose fallback),
 * overlapping pools (ScatterElements 'add'). Tolerance 1e-4 of each tensor's largest value.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpec, getModel, type NetSpec } from '../../src/models/index.js';
import { syntheticClips, syntheticParams, type ParamSet } from '../../src/nn/index.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { createOnnxStep } from '../../src/train/onnx-step.js';
import { createWasmStep } from '../../src/train/wasm-step.js';
import { createTrainStep } from '../../src/train/create-step.js';
import { dropoutMasks, dropoutSites } from '../../src/train/dropout.js';
import { buildTrainGraph, chooseWeightGradRoute, type TrainGraphOptions, type WeightGradRoute } from '../../src/train/onnx/graph.js';
import type { StepResult, TrainStep } from '../../src/train/step.js';
import { expectClose, loadGolden } from '../models/golden.js';
import { assertClose as assertCloseTo } from './fixtures.js';

const RTOL = 1e-4;

const assertClose = (a: Float32Array, b: Float32Array, what: string): void => assertCloseTo(a, b, what, RTOL);

function assertSameStep(ours: { loss: number; logits: Tensor; grads: ParamSet }, ref: { loss: number; logits: Tensor; grads: ParamSet }, what: string): void {
  assert.ok(Math.abs(ours.loss - ref.loss) <= RTOL * Math.abs(ref.loss), `${what}: loss ${ours.loss} vs ${ref.loss}`);
  assertClose(ours.logits.data, ref.logits.data, `${what}: logits`);
  assert.deepEqual([...ours.grads.keys()].sort(), [...ref.grads.keys()].sort(), `${what}: gradient names`);
  for (const [name, g] of ref.grads) {
    assert.deepEqual([...ours.grads.get(name)!.shape], [...g.shape], `${what}: d${name} shape`);
    assertClose(ours.grads.get(name)!.data, g.data, `${what}: d${name}`);
  }
}

/** A step result with its own copies of the gradients (the step reuses its buffers). */
function copyResult<T extends { grads: ParamSet }>(r: T): T {
  return { ...r, grads: new Map([...r.grads].map(([k, t]) => [k, t.clone()])) };
}

/** Every conv layer of `spec` on `route`. */
function allRoutes(spec: NetSpec, route: WeightGradRoute): Record<string, WeightGradRoute> {
  return Object.fromEntries(spec.layers.filter((l) => l.type === 'conv3d').map((l) => [l.name, route]));
}

for (const name of ['small-c3d', 'small-increasing', 'small-c3d-port']) {
  test(`${name}: loss, every gradient and the forward blobs match PyTorch`, async () => {
    const g = loadGolden(name);
    const spec = getModel(g.model, g.options);
    const step = await createOnnxStep(spec, { threads: 2 });
    try {
      const params = syntheticParams(spec, g.seed);
      const x = syntheticClips(spec, g.batch, g.seed);
      const { loss, grads } = await step.lossAndGrads(params, { clips: x, labels: Int32Array.from(g.labels!) });
      assert.ok(Math.abs(loss - g.loss!) <= RTOL * Math.abs(g.loss!), `loss ${loss} vs ${g.loss}`);
      for (const [p, ref] of Object.entries(g.grads!)) expectClose(grads.get(p)!, ref, `${name} d${p}`);
      const blobs = await step.forward(params, x, Object.keys(g.blobs));
      for (const [b, ref] of Object.entries(g.blobs)) expectClose(blobs.get(b)!, ref, `${name} ${b}`);
    } finally {
      await step.dispose();
    }
  });
}

/**
 * Winograd F(2, 3) in time on uneven spatial geometry: a (3, 2, 4) kernel with pads (1, 0, 2) on
 * 6 frames of 9 × 11 (qualifies), then a 3-frame conv (odd length: stays direct).
 */
const WINOGRAD_SPEC: NetSpec = {
  name: 'winograd-geometry',
  input: [2, 6, 9, 11],
  outputs: ['wa', 'prob'],
  layers: [
    { type: 'conv3d', name: 'wa', out: 3, kernel: [3, 2, 4], pad: [1, 0, 2], stride: [1, 1, 1] },
    { type: 'relu', name: 'ra' },
    { type: 'conv3d', name: 'wb', out: 4, kernel: [3, 3, 3], pad: [1, 1, 1], stride: [1, 1, 1] },
    { type: 'relu', name: 'rb' },
    { type: 'pool3d', name: 'pb', kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'ceil' },
    { type: 'conv3d', name: 'wc', out: 3, kernel: [3, 3, 3], pad: [1, 1, 1], stride: [1, 1, 1] },
    { type: 'fc', name: 'fc1', out: 6 },
    { type: 'dropout', name: 'd1', p: 0.5 },
    { type: 'fc', name: 'fc2', out: 3 },
    { type: 'softmax', name: 'prob' },
  ],
};

/** A net of every odd case: strides (ConvTranspose input gradient), pad ≥ kernel, overlapping and floor pools, 4-D dropout. */
const ODD_SPEC: NetSpec = {
  name: 'odd',
  input: [3, 7, 13, 11],
  outputs: ['c2', 'fc1', 'prob'],
  layers: [
    { type: 'conv3d', name: 'c1', out: 4, kernel: [3, 3, 3], pad: [1, 1, 1], stride: [2, 2, 1] },
    { type: 'relu', name: 'r1' },
    { type: 'pool3d', name: 'p1', kernel: [2, 3, 3], stride: [1, 2, 2], pad: [0, 1, 1], rounding: 'ceil' },
    { type: 'conv3d', name: 'c2', out: 5, kernel: [1, 3, 3], pad: [1, 2, 2], stride: [1, 1, 1] },
    { type: 'relu', name: 'r2' },
    { type: 'dropout', name: 'd2', p: 0.25 },
    { type: 'conv3d', name: 'c3', out: 3, kernel: [3, 2, 2], pad: [1, 0, 1], stride: [1, 2, 2] },
    { type: 'pool3d', name: 'p2', kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'floor' },
    { type: 'fc', name: 'fc1', out: 6 },
    { type: 'relu', name: 'r3' },
    { type: 'dropout', name: 'd3', p: 0.3 },
    { type: 'fc', name: 'fc2', out: 4 },
    { type: 'softmax', name: 'prob' },
  ],
};

interface Case {
  what: string;
  spec: NetSpec;
  graph?: TrainGraphOptions;
  /** The conv layers the case's graph must run as Winograd F(2, 3) (checked, so a case cannot silently test the direct path). */
  winograd?: string[];
}

const tiny = (model: string, o: Record<string, number>) => getModel(model, { width: 1 / 32, classes: 3, ...o });
const CASES: Case[] = [
  { what: 'depth-1 (1×3×3 kernels), 28², 4 frames', spec: tiny('depth-1', { size: 28, length: 4 }) },
  { what: 'depth-3, odd size 20, 6 frames, many position chunks', spec: tiny('depth-3', { size: 20, length: 6 }), graph: { chunkBytes: 4096 } },
  { what: 'increasing (3-3-5-5-7), odd size 20, 6 frames', spec: tiny('increasing', { size: 20, length: 6 }), graph: { chunkBytes: 4096 } },
  { what: 'c3d-sports1m (Caffe ceil pool5), size 40, 8 frames', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { chunkBytes: 16384 } },
  { what: "c3d-pytorch-port (pool5 pad 0,1,1), size 40, 16 frames", spec: tiny('c3d-pytorch-port', { size: 40, length: 16 }) },
  { what: 'c3d-sports1m, every conv on the flat route', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { weightGrad: allRoutes(tiny('c3d-sports1m', { size: 40, length: 8 }), 'flat'), chunkBytes: 16384 } },
  { what: 'c3d-sports1m, every conv on the rows route', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { weightGrad: allRoutes(tiny('c3d-sports1m', { size: 40, length: 8 }), 'rows'), chunkBytes: 16384 } },
  { what: 'c3d-sports1m, every conv on the taps route', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { weightGrad: allRoutes(tiny('c3d-sports1m', { size: 40, length: 8 }), 'taps'), chunkBytes: 16384 } },
  { what: 'c3d-sports1m, pool1 as a 3-D MaxPool (pool2d off)', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { pool2d: false } },
  { what: 'c3d-sports1m, every conv on the conv route', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { weightGrad: allRoutes(tiny('c3d-sports1m', { size: 40, length: 8 }), 'conv') } },
  {
    what: 'c3d-sports1m, every conv of even length as Winograd in time (F(4, 3) on 8 and 4 frames, F(2, 3) on 2)', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { winograd: 'all' },
    winograd: ['conv1a', 'conv2a', 'conv3a', 'conv3b', 'conv4a', 'conv4b'],
  },
  {
    what: 'c3d-sports1m, every conv of even length as Winograd F(2, 3) only (winogradTile 2)', spec: tiny('c3d-sports1m', { size: 40, length: 8 }), graph: { winograd: 'all', winogradTile: 2 },
    winograd: ['conv1a', 'conv2a', 'conv3a', 'conv3b', 'conv4a', 'conv4b'],
  },
  { what: 'depth-3, odd size 20, 6 frames, Winograd F(2, 3) in time (6 frames: no F(4, 3))', spec: tiny('depth-3', { size: 20, length: 6 }), graph: { winograd: 'all' }, winograd: ['conv1', 'conv2', 'conv4'] },
  {
    what: "c3d-pytorch-port (pool5 pad 0,1,1), 16 frames, Winograd F(4, 3) / F(2, 3) in time", spec: tiny('c3d-pytorch-port', { size: 40, length: 16 }), graph: { winograd: 'all' },
    winograd: ['conv1a', 'conv2a', 'conv3a', 'conv3b', 'conv4a', 'conv4b', 'conv5a', 'conv5b'],
  },
  { what: 'strides, pad ≥ kernel, overlapping and floor pools, dropout on a conv blob', spec: ODD_SPEC, graph: { chunkBytes: 512 } },
  { what: "the same with winograd 'all' (no conv there qualifies: strides, time kernel 1)", spec: ODD_SPEC, graph: { chunkBytes: 512, winograd: 'all' }, winograd: [] },
  { what: 'Winograd F(2, 3) in time with a (3, 2, 4) kernel, pads (1, 0, 2), 9 × 11 frames; odd length stays direct', spec: WINOGRAD_SPEC, graph: { winograd: 'all' }, winograd: ['wa', 'wb'] },
  { what: 'the same on the conv route', spec: ODD_SPEC, graph: { weightGrad: allRoutes(ODD_SPEC, 'conv') } },
];

/** The graph's Σ g² per parameter (the optimizer's norm) equal the returned gradients' own. */
function assertSumSquares(r: StepResult, what: string): void {
  assert.ok(r.gradSumSquares, `${what}: no gradSumSquares`);
  assert.deepEqual([...r.gradSumSquares.keys()].sort(), [...r.grads.keys()].sort(), `${what}: Σ g² for every parameter`);
  for (const [name, g] of r.grads) {
    let want = 0;
    for (const v of g.data) want += v * v;
    const got = r.gradSumSquares.get(name)!;
    assert.ok(Math.abs(got - want) <= 1e-4 * want + 1e-30, `${what}: Σ g² of ${name}: ${got} vs ${want}`);
  }
}

describe('onnxruntime step vs the wasm step on the reference kernels (batch 3, dropout on)', () => {
  for (const c of CASES) {
    it(c.what, async () => {
      const batch = 3;
      const params = syntheticParams(c.spec, 5);
      const clips = syntheticClips(c.spec, batch, 5);
      const labels = Int32Array.from([2, 0, 1]);
      const masks = dropoutMasks(dropoutSites(c.spec), 5, 3, 0, batch);
      assert.ok(masks.size > 0, 'the case has active dropout');
      const wasm = await createWasmStep(c.spec, { kernels: referenceKernels });
      if (c.winograd) assert.deepEqual([...buildTrainGraph(c.spec, c.graph).winograd.keys()], c.winograd, 'layers on the Winograd path');
      const onnx = await createOnnxStep(c.spec, { threads: 2, graph: c.graph });
      try {
        const ref = await wasm.lossAndGrads(params, { clips, labels, dropoutMasks: masks });
        const ours = await onnx.lossAndGrads(params, { clips, labels, dropoutMasks: masks });
        assertSameStep(ours, ref, c.what);
        assertSumSquares(ours, c.what);
        // Without masks both run with dropout off.
        assertSameStep(await onnx.lossAndGrads(params, { clips, labels }), await wasm.lossAndGrads(params, { clips, labels }), `${c.what}, dropout off`);
        const outs = c.spec.outputs;
        const a = await onnx.forward(params, clips, outs);
        const b = await wasm.forward(params, clips, outs);
        assert.deepEqual([...a.keys()], [...outs]);
        for (const o of outs) assertClose(a.get(o)!.data, b.get(o)!.data, `${c.what}: forward ${o}`);
      } finally {
        await onnx.dispose();
        await wasm.dispose();
      }
    });
  }
});

describe('onnxruntime step: behaviour', () => {
  const spec = tiny('depth-1', { size: 28, length: 4 });
  const sites = dropoutSites(spec);
  const batch = 4;
  const clips = syntheticClips(spec, batch, 9);
  const labels = Int32Array.from([0, 1, 2, 1]);
  let step: TrainStep;
  let params: ParamSet;
  before(async () => {
    step = await createOnnxStep(spec, { threads: 2 });
    params = syntheticParams(spec, 9);
  });
  after(async () => {
    await step.dispose();
  });

  it('a batch of 4 equals micro-batches of 1 and 3 combined, dropout included (one session, any batch size)', async () => {
    const whole = copyResult(await step.lossAndGrads(params, { clips, labels, dropoutMasks: dropoutMasks(sites, 9, 7, 0, batch) }));
    const per = clips.size / batch;
    const parts = [];
    for (const [first, n] of [[0, 1], [1, 3]] as const) {
      const part = new Tensor([n, ...clips.shape.slice(1)], clips.data.subarray(first * per, (first + n) * per)); // a view, as the loop passes
      parts.push({ w: n / batch, r: copyResult(await step.lossAndGrads(params, { clips: part, labels: labels.subarray(first, first + n), dropoutMasks: dropoutMasks(sites, 9, 7, first, n) })) });
    }
    const loss = parts.reduce((s, p) => s + p.w * p.r.loss, 0);
    assert.ok(Math.abs(whole.loss - loss) <= RTOL * whole.loss, `loss ${whole.loss} vs ${loss}`);
    assertClose(Float32Array.from(parts.flatMap((p) => [...p.r.logits.data])), whole.logits.data, 'logits');
    for (const [name, g] of whole.grads) {
      const combined = new Float32Array(g.size);
      for (const p of parts) p.r.grads.get(name)!.data.forEach((v, i) => (combined[i]! += p.w * v));
      assertClose(combined, g.data, `d${name}`);
    }
  });

  it('writes each call\'s gradients into the same tensors (valid until the next call, as StepResult says)', async () => {
    const a = await step.lossAndGrads(params, { clips, labels });
    const kept = copyResult(a);
    const b = await step.lossAndGrads(params, { clips: syntheticClips(spec, 2, 10), labels: Int32Array.from([2, 0]) });
    assert.equal(b.grads.get('fc8.weight')!.data, a.grads.get('fc8.weight')!.data, 'same buffer');
    assert.notDeepEqual([...b.grads.get('fc8.weight')!.data], [...kept.grads.get('fc8.weight')!.data]);
  });

  it("batch 1 and the paper's batch 30 equal the wasm step; a micro-batch beyond int32 switches is refused", async () => {
    const wasm = await createWasmStep(spec, { kernels: referenceKernels });
    try {
      for (const n of [1, 30]) {
        const x = syntheticClips(spec, n, 12);
        const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % 3);
        const m = dropoutMasks(sites, 12, 0, 0, n);
        const ref = copyResult(await wasm.lossAndGrads(params, { clips: x, labels: y, dropoutMasks: m }));
        assertSameStep(await step.lossAndGrads(params, { clips: x, labels: y, dropoutMasks: m }), ref, `batch ${n}`);
      }
    } finally {
      await wasm.dispose();
    }
    // The largest pool input (pool1's) of this net per clip; its switches must stay below 2³¹.
    const perClip = Math.max(...analyzeSpec(spec).filter((i) => i.layer.type === 'pool3d').map((i) => i.inShape.reduce((a, b) => a * b, 1)));
    const most = Math.floor((2 ** 31 - 1) / perClip);
    const huge = { shape: [most + 1, 3, 4, 28, 28], data: new Float32Array(0) } as unknown as Tensor; // never read: refused first
    await assert.rejects(step.lossAndGrads(params, { clips: huge, labels: new Int32Array(most + 1) }), new RegExp(`a micro-batch of ${most + 1} clips is too large for depth-1 .*at most ${most} clips\\); split the batch with --accumulate`));
  });

  it('reads the parameters as they are at each call (the optimizer updates them in place)', async () => {
    const p = new Map([...params].map(([k, t]) => [k, t.clone()]));
    const before_ = (await step.lossAndGrads(p, { clips, labels })).loss;
    p.get('fc8.weight')!.data.fill(0);
    p.get('fc8.bias')!.data.fill(0);
    const after_ = await step.lossAndGrads(p, { clips, labels });
    assert.notEqual(after_.loss, before_);
    assert.ok(Math.abs(after_.loss - Math.log(3)) < 1e-6, `zero classifier: loss ln 3, got ${after_.loss}`);
  });

  it('rejects bad labels, masks and clips with one-line errors', async () => {
    await assert.rejects(step.lossAndGrads(params, { clips, labels: Int32Array.from([0, 1, 3, 1]) }), /label 3 at row 2 out of range \[0, 3\)/);
    await assert.rejects(step.lossAndGrads(params, { clips, labels: Int32Array.from([0, 1]) }), /2 labels for logits \[4, 3\]/);
    const short = new Map([...dropoutMasks(sites, 1, 0, 0, batch)].map(([k, m]) => [k, m.subarray(1)]));
    await assert.rejects(step.lossAndGrads(params, { clips, labels, dropoutMasks: short }), /dropout mask of drop6 has \d+ values, the batch needs \d+ = \[4, \d+\]/);
    await assert.rejects(step.lossAndGrads(params, { clips: syntheticClips(tiny('depth-1', { size: 20, length: 4 }), 1, 1), labels: Int32Array.from([0]) }), /input clips must be \(N, 3, 4, 28, 28\)/);
    await assert.rejects(step.forward(params, clips, ['nope']), /'nope' is not a blob/);
  });

  it('createTrainStep builds it by name; execution providers are for onnxruntime only; used after dispose fails', async () => {
    const s = await createTrainStep(spec, { backend: 'onnxruntime', threads: 1, executionProviders: ['cpu'] });
    assert.equal(s.backend, 'onnxruntime');
    assert.equal(s.threads, 1);
    await s.dispose();
    await assert.rejects(s.lossAndGrads(params, { clips, labels }), /used after dispose/);
    await assert.rejects(createTrainStep(spec, { backend: 'wasm', executionProviders: ['cuda'] }), /apply to the onnxruntime training backend only/);
    await assert.rejects(createOnnxStep(spec, { executionProviders: ['no-such-provider'] }), /onnxruntime training step: cannot create the training session of depth-1/);
  });

  it("weight-gradient routes: 'rows' for C3D's conv2a…conv5b, 'flat' for conv1a (3 input channels), 'taps' for strides", () => {
    const routes = analyzeSpec(getModel('c3d-sports1m')).flatMap((i) => (i.layer.type === 'conv3d' ? [[i.layer.name, chooseWeightGradRoute(i.layer, i.inShape)]] : []));
    assert.deepEqual(Object.fromEntries(routes), { conv1a: 'flat', conv2a: 'rows', conv3a: 'rows', conv3b: 'rows', conv4a: 'rows', conv4b: 'rows', conv5a: 'rows', conv5b: 'rows' });
    const strided = ODD_SPEC.layers[0]!;
    assert.ok(strided.type === 'conv3d');
    assert.equal(chooseWeightGradRoute(strided, [3, 7, 13, 11]), 'taps');
  });
});
