import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { Tensor } from '../../src/tensor/index.js';
import { SeededRandom } from '../../src/nn/random.js';
import { loadWeights } from '../../src/io/weights.js';
import * as ort from 'onnxruntime-node';
import { getModel, type NetSpec } from '../../src/models/index.js';
import { syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { calibrate, RangeStats } from '../../src/quant/calibrate.js';
import { buildQuantizedModel, quantizeWeightsPerChannel, uint8Params } from '../../src/quant/quantize-graph.js';
import { quantizeNet } from '../../src/quant/quantize-net.js';
import { createBackend, PrecisionError } from '../../src/runtime/index.js';

const { onnx } = onnxProto;

/** Per-clip ‖a − b‖ / ‖b − mean over clips of b‖, the largest over the clips. */
function worstCentredError(a: Float32Array, b: Float32Array, clips: number): number {
  const dim = b.length / clips;
  const mean = new Float64Array(dim);
  for (let c = 0; c < clips; c++) for (let j = 0; j < dim; j++) mean[j]! += b[c * dim + j]! / clips;
  let worst = 0;
  for (let c = 0; c < clips; c++) {
    let num = 0;
    let den = 0;
    for (let j = 0; j < dim; j++) {
      num += (a[c * dim + j]! - b[c * dim + j]!) ** 2;
      den += (b[c * dim + j]! - mean[j]!) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(num / den));
  }
  return worst;
}

/**
 * Clips with structure, like frames rather than noise: per clip and channel, moving sinusoidal
 * gratings of random frequency, phase and contrast (uniform noise makes every clip look alike to a
 * random net, so its features hardly depend on the clip).
 */
function gratingClips(spec: NetSpec, n: number, seed: number): Tensor {
  const rng = new SeededRandom(seed);
  const [C, L, H, W] = spec.input;
  const t = new Tensor([n, C, L, H, W]);
  let k = 0;
  for (let c0 = 0; c0 < n; c0++) for (let c = 0; c < C; c++) {
    const [fx, fy, ft, p, a, b] = [rng.uniform() * 0.5, rng.uniform() * 0.5, rng.uniform() * 0.8, rng.uniform() * 6, rng.uniform() * 1.5, rng.uniform() - 0.5];
    for (let l = 0; l < L; l++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) t.data[k++] = b + a * Math.sin(fx * x + fy * y + ft * l + p);
  }
  return t;
}

const tinyC3d = getModel('c3d-sports1m', { width: 0.125, size: 56, length: 8, classes: 5 });

const demo = await loadWeights('demo');
const demoSpec = getModel('depth-3', { width: 0.25, size: 56, length: 16, classes: 6 });
// Bound per net: 8 int8 convs at 1/8 of C3D's width accumulate more rounding than 5 (full C3D on real videos: docs/int8.md).
const cases = [
  ['the demo net (trained)', demo.specDef!, demo.params, 0.1],
  ['a small depth-3 net with synthetic weights', demoSpec, syntheticParams(demoSpec, 1), 0.1],
  ['a tiny C3D with synthetic weights', tinyC3d, syntheticParams(tinyC3d, 1), 0.15],
] as const;
for (const [what, spec, params, bound] of cases) {
  test(`int8 ${what} stays close to fp32: fc6 centred error < ${bound} on clips it was not calibrated on`, async () => {
    const calib = gratingClips(spec, 6, 11);
    const clips = gratingClips(spec, 4, 12);
    const fp32 = await createBackend({ spec, params, threads: 1 });
    const q = await quantizeNet(spec, params, calib, { threads: 1 });
    const int8 = await createBackend({ spec, params, threads: 1, precision: 'int8', int8Model: q.bytes });
    try {
      assert.equal(int8.precision, 'int8');
      assert.equal(fp32.precision, 'fp32');
      const a = await int8.run(clips, ['fc6', 'prob']);
      const b = await fp32.run(clips, ['fc6', 'prob']);
      for (const blob of ['fc6']) {
        const e = worstCentredError(a.get(blob)!.data, b.get(blob)!.data, 4);
        assert.ok(e < bound && e > 0, `${blob}: centred error ${e}`);
      }
      // The output shapes and the softmax (fp32) are intact.
      const k = b.get('prob')!.shape[1]!;
      assert.deepEqual(a.get('prob')!.shape, [4, k]);
      for (let c = 0; c < 4; c++) assert.ok(Math.abs(a.get('prob')!.data.subarray(c * k, c * k + k).reduce((s, v) => s + v, 0) - 1) < 1e-5);
    } finally {
      await fp32.dispose();
      await int8.dispose();
    }
  });
}

test('the rewrite makes convs QLinearConv, keeps listed convs and every fc fp32, and pools on uint8', async () => {
  const params = syntheticParams(tinyC3d, 2);
  const cal = await calibrate(tinyC3d, params, syntheticClips(tinyC3d, 2, 5), { method: 'minmax', threads: 1 });
  const bytes = buildQuantizedModel(tinyC3d, params, { ranges: cal.ranges, keepFp32: ['conv1a', 'conv5b'] });
  const nodes = onnx.ModelProto.decode(bytes).graph!.node!;
  const op = (name: string) => nodes.find((n) => n.name === name)?.opType;
  assert.equal(op('conv1a'), 'Conv');
  assert.equal(op('conv5b'), 'Conv');
  for (const c of ['conv2a', 'conv3a', 'conv3b', 'conv4a', 'conv4b', 'conv5a']) assert.equal(op(c), 'QLinearConv', c);
  for (const f of ['fc6', 'fc7', 'fc8']) assert.equal(op(f), 'Gemm', f);
  // pool2..pool4 read uint8 (a QLinearConv's or a pool's output); pool5 follows the fp32 conv5b.
  assert.equal(nodes.find((n) => n.name === 'pool2')!.input![0], 'conv2a.q');
  assert.equal(nodes.find((n) => n.name === 'pool5')!.input![0], 'conv5b');
  // No ReLU node is left for the int8 convs: the requantisation (zero point 0) is the ReLU.
  assert.ok(!nodes.some((n) => n.opType === 'Relu' && n.input![0]!.startsWith('conv3a')));
  assert.throws(() => buildQuantizedModel(tinyC3d, params, { ranges: cal.ranges, keepFp32: ['conv9'] }), /--keep-fp32 conv9: no such layer/);
  // The model runs, and its kept-fp32 conv1a is exactly the fp32 net's.
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const clips = syntheticClips(tinyC3d, 1, 6);
  const r = await session.run({ data: new ort.Tensor('float32', clips.data, [...clips.shape]) }, ['conv1a']);
  const fp32 = await createBackend({ spec: tinyC3d, params, threads: 1 });
  const ref = (await fp32.run(clips, ['conv1a'])).get('conv1a')!.data;
  await fp32.dispose();
  await session.release();
  const got = r.conv1a!.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!));
  assert.ok(worst < 1e-4, `conv1a max diff ${worst}`);
});

test('one QLinearConv layer equals a JS computation of the quantised arithmetic (per-channel scales, int32 bias, fused ReLU)', async () => {
  const spec: NetSpec = {
    name: 'one-conv', input: [3, 4, 6, 6],
    layers: [{ type: 'conv3d', name: 'c1', out: 4, kernel: [3, 3, 3], pad: [1, 1, 1], stride: [1, 1, 1] }, { type: 'relu', name: 'r1' }],
    outputs: ['c1'],
  };
  const params = syntheticParams(spec, 4);
  // Channels of very different sizes, so one shared scale would be visibly wrong.
  const w = params.get('c1.weight')!;
  const per = w.size / 4;
  for (let o = 0; o < 4; o++) for (let i = 0; i < per; i++) w.data[o * per + i]! *= [1, 0.1, 3, 0.02][o]!;
  const x = syntheticClips(spec, 1, 9);
  const ranges = new Map([['data', { min: -1, max: 1 }], ['c1', { min: 0, max: 2.5 }]]);
  const bytes = buildQuantizedModel(spec, params, { ranges });

  // The stored per-channel scales are max|w_o| / 127.
  const inits = onnx.ModelProto.decode(bytes).graph!.initializer!;
  const wScale = inits.find((t) => t.name === 'c1.weight.scale')!;
  const stored = new Float32Array(new Uint8Array(wScale.rawData!).slice().buffer);
  const { q: wq, scales } = quantizeWeightsPerChannel(w);
  for (let o = 0; o < 4; o++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w.data[o * per + i]!));
    assert.ok(Math.abs(stored[o]! - m / 127) <= 1e-7 * m, `channel ${o} scale ${stored[o]} vs ${m / 127}`);
    assert.equal(scales[o], stored[o]);
  }

  // JS: quantise x, integer conv, int32 bias, requantise with zero point 0 (clamps negatives: ReLU).
  const xp = uint8Params(ranges.get('data')!);
  const yp = uint8Params(ranges.get('c1')!);
  const [C, L, H, W] = spec.input;
  const xq = Int32Array.from(x.data, (v) => Math.max(0, Math.min(255, Math.round(v / Math.fround(xp.scale)) + xp.zeroPoint)));
  const bias = params.get('c1.bias')!.data;
  const expect = new Float32Array(4 * L * H * W);
  for (let o = 0; o < 4; o++) {
    const bq = Math.round(bias[o]! / (Math.fround(xp.scale) * scales[o]!));
    for (let t = 0; t < L; t++) for (let yy = 0; yy < H; yy++) for (let xx = 0; xx < W; xx++) {
      let acc = bq;
      for (let c = 0; c < C; c++) for (let dt = 0; dt < 3; dt++) for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) {
        const ti = t + dt - 1, yi = yy + dy - 1, xi = xx + dx - 1;
        if (ti < 0 || ti >= L || yi < 0 || yi >= H || xi < 0 || xi >= W) continue; // zero padding = zero point
        acc += (xq[((c * L + ti) * H + yi) * W + xi]! - xp.zeroPoint) * wq[o * per + ((c * 3 + dt) * 3 + dy) * 3 + dx]!;
      }
      const y = Math.max(0, Math.min(255, Math.round((acc * Math.fround(xp.scale) * scales[o]!) / Math.fround(yp.scale)) + yp.zeroPoint));
      expect[((o * L + t) * H + yy) * W + xx] = (y - yp.zeroPoint) * Math.fround(yp.scale);
    }
  }
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const got = (await session.run({ data: new ort.Tensor('float32', x.data, [...x.shape]) }, ['c1'])).c1!.data as Float32Array;
  await session.release();
  let exact = 0;
  for (let i = 0; i < expect.length; i++) {
    const steps = Math.abs(got[i]! - expect[i]!) / yp.scale;
    assert.ok(steps < 1.01, `value ${i}: onnxruntime ${got[i]} vs JS ${expect[i]}`); // rounding ties may differ by one step
    if (steps < 0.01) exact++;
  }
  assert.ok(exact / expect.length > 0.99, `${exact} of ${expect.length} exact`);
  assert.ok(expect.some((v) => v === 0) && expect.some((v) => v > 0), 'the ReLU clamps some outputs and keeps others');
});

test('range statistics: min/max, and a percentile that clips only the top of non-negative tensors', () => {
  const s = new RangeStats();
  const a = new Float32Array(100000).map((_, i) => (i % 1000) / 1000); // 0 … 0.999
  s.add(a);
  const b = new Float32Array(10);
  b[0] = 50; // one outlier, added later: the histogram widens
  s.add(b);
  assert.deepEqual(s.range('minmax'), { min: 0, max: 50 });
  const p = s.range('percentile', 99.9);
  assert.ok(p.max > 0.95 && p.max < 1.1, `p99.9 top ${p.max}`);
  const signed = new RangeStats();
  signed.add(Float32Array.from([-3, 1, 2]));
  assert.deepEqual(signed.range('percentile', 99), { min: -3, max: 2 });
});

test('precision errors are one line: int8 on wasm, int8 without calibration', async () => {
  const params = syntheticParams(tinyC3d, 1);
  await assert.rejects(createBackend({ backend: 'wasm', spec: tinyC3d, params, precision: 'int8' }), (e: Error) => e instanceof PrecisionError && /onnxruntime backend only/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(createBackend({ spec: tinyC3d, params, precision: 'int8' }), /int8 needs calibration/);
});
