/**
 * Sanity suite of the fast (WebAssembly) kernels against naive float64 loop nests, on random small
 * shapes chosen to hit the edge paths of the core: odd sizes, partial micro-tiles, stride 2, temporal
 * kernels 1/5/7, per-axis padding, ragged ceil pooling, batches. The PyTorch golden tests in
 * test/kernels/ check the same path against real reference values.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Pool3dParams, Triple } from '../../src/kernels/api.js';
import { createFastKernels, type FastKernels } from '../../src/kernels/fast/index.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import * as naive from './naive.js';

/** Deterministic uniform(−1, 1) values (LCG), so failures reproduce. */
function random(shape: number[], seed: number): Tensor {
  const t = new Tensor(shape);
  let s = seed >>> 0;
  for (let i = 0; i < t.size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    t.data[i] = s / 2 ** 31 - 1;
  }
  return t;
}

function assertClose(actual: Float32Array, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (!(Math.abs(actual[i] - e) <= 1e-4 * (1 + Math.abs(e)))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${e}`);
    }
  }
}

interface ConvCase {
  x: number[];
  w: number[];
  stride: Triple;
  pad: Triple;
}

// Shapes: output channels not a multiple of the 5-row micro-tile (and more than one 130-row MC block), spatial sizes not multiples of 8, interior and border panels.
const convCases: ConvCase[] = [
  { x: [1, 3, 5, 9, 11], w: [5, 3, 3, 3, 3], stride: [1, 1, 1], pad: [1, 1, 1] },
  { x: [2, 4, 7, 6, 13], w: [6, 4, 1, 3, 3], stride: [1, 1, 1], pad: [0, 1, 1] },
  { x: [1, 2, 9, 7, 8], w: [7, 2, 5, 3, 3], stride: [1, 2, 2], pad: [2, 0, 1] },
  { x: [2, 3, 8, 5, 9], w: [4, 3, 7, 2, 3], stride: [2, 1, 2], pad: [3, 1, 0] },
  { x: [1, 5, 4, 10, 21], w: [9, 5, 3, 3, 3], stride: [1, 1, 1], pad: [1, 1, 1] },
  { x: [1, 1, 3, 4, 4], w: [1, 1, 3, 4, 4], stride: [1, 1, 1], pad: [0, 0, 0] },
  { x: [1, 2, 3, 3, 3], w: [3, 2, 3, 3, 3], stride: [2, 2, 2], pad: [2, 2, 2] },
  // pad ≥ kernel: the backward-input convolution gets negative padding.
  { x: [2, 2, 3, 5, 4], w: [3, 2, 1, 3, 1], stride: [1, 1, 1], pad: [1, 1, 2] },
  { x: [1, 3, 4, 6, 5], w: [2, 3, 2, 1, 3], stride: [2, 1, 1], pad: [2, 1, 3] },
  { x: [1, 137, 2, 3, 4], w: [143, 137, 1, 3, 3], stride: [1, 1, 1], pad: [0, 1, 1] },
  // 8-wide rows, some cut by the padding, over several K blocks on two threads (conv2a-like borders).
  { x: [1, 12, 3, 5, 17], w: [21, 12, 3, 3, 3], stride: [1, 1, 1], pad: [1, 1, 1] },
];

describe('fast kernels vs naive loops', () => {
  let k: FastKernels;
  let single: FastKernels;
  before(async () => {
    k = await createFastKernels({ threads: 2 });
    single = await createFastKernels({ threads: 1 });
  });
  after(async () => {
    await k.dispose();
    await single.dispose();
  });

  for (const [i, c] of convCases.entries()) {
    const label = `x ${c.x} w ${c.w} stride ${c.stride} pad ${c.pad}`;
    it(`conv3d forward / backward-input / backward-weight: ${label}`, async () => {
      const p = { stride: c.stride, pad: c.pad };
      const x = random(c.x, 11 + i);
      const w = random(c.w, 23 + i);
      const b = random([c.w[0]], 37 + i);
      const ref = naive.convForward(x.data, c.x, w.data, c.w, b.data, p);
      const y = await k.conv3dForward(x, w, b, p);
      assert.deepEqual(y.shape, ref.shape);
      assertClose(y.data, ref.y, 'forward');
      // Fused ReLU: applied once, after the last K block (several blocks when C·kvol > 256).
      const yr = await k.conv3dForward(x, w, b, p, { relu: true });
      assertClose(yr.data, Array.from(ref.y, (v) => (v < 0 ? 0 : v)), 'forward + relu');
      const dy = random(ref.shape, 41 + i);
      const dx = await k.conv3dBackwardInput(dy, w, c.x, p);
      assert.deepEqual(dx.shape, c.x);
      assertClose(dx.data, naive.convBackwardInput(dy.data, w.data, c.w, c.x, p), 'backward-input');
      const dw = await k.conv3dBackwardWeight(x, dy, c.w, p);
      assert.deepEqual(dw.shape, c.w);
      assertClose(dw.data, naive.convBackwardWeight(x.data, c.x, dy.data, c.w, p), 'backward-weight');
    });
  }

  it('conv3d over several cache blocks (K > 256, N > 2048) matches, and 1 vs 2 threads agree bitwise', async () => {
    const p = { stride: [1, 1, 1] as Triple, pad: [1, 1, 1] as Triple };
    const x = random([1, 12, 4, 24, 26], 5);
    const w = random([10, 12, 3, 3, 3], 6);
    const ref = naive.convForward(x.data, x.shape as number[], w.data, w.shape as number[], null, p);
    const y2 = await k.conv3dForward(x, w, null, p);
    assertClose(y2.data, ref.y, 'forward');
    const y1 = await single.conv3dForward(x, w, null, p);
    assert.deepEqual(y1.data, y2.data);
    const dw2 = await k.conv3dBackwardWeight(x, y2, w.shape, p);
    assertClose(dw2.data, naive.convBackwardWeight(x.data, x.shape as number[], y2.data, w.shape as number[], p), 'backward-weight');
    assert.deepEqual((await single.conv3dBackwardWeight(x, y2, w.shape, p)).data, dw2.data);
    const dx2 = await k.conv3dBackwardInput(y2, w, x.shape, p);
    assert.deepEqual((await single.conv3dBackwardInput(y2, w, x.shape, p)).data, dx2.data);
  });

  it('conv3d with few positions (conv5-like: rows of 7, one column chunk per thread) matches, 1 vs 2 threads bitwise', async () => {
    const p = { stride: [1, 1, 1] as Triple, pad: [1, 1, 1] as Triple };
    const x = random([1, 64, 2, 7, 7], 7);
    const w = random([42, 64, 3, 3, 3], 8);
    const b = random([42], 9);
    const ref = naive.convForward(x.data, x.shape as number[], w.data, w.shape as number[], b.data, p);
    const y2 = await k.conv3dForward(x, w, b, p);
    assertClose(y2.data, ref.y, 'forward');
    assert.deepEqual((await single.conv3dForward(x, w, b, p)).data, y2.data);
    const dx2 = await k.conv3dBackwardInput(y2, w, x.shape, p);
    assertClose(dx2.data, naive.convBackwardInput(y2.data, w.data, w.shape as number[], x.shape as number[], p), 'backward-input');
    assert.deepEqual((await single.conv3dBackwardInput(y2, w, x.shape, p)).data, dx2.data);
  });

  const poolCases: Array<{ x: number[]; p: Pool3dParams; out: number[] }> = [
    // C3D pool5, Caffe ceil: 7 → 4 with windows {0,1},{2,3},{4,5},{6}.
    { x: [1, 3, 2, 7, 7], p: { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'ceil' }, out: [1, 4, 4] },
    { x: [2, 2, 5, 7, 9], p: { kernel: [1, 2, 2], stride: [1, 2, 2], pad: [0, 0, 0], rounding: 'ceil' }, out: [5, 4, 5] },
    { x: [1, 2, 5, 7, 9], p: { kernel: [3, 3, 2], stride: [2, 2, 2], pad: [1, 1, 0], rounding: 'ceil' }, out: [3, 4, 5] },
    { x: [1, 2, 5, 7, 9], p: { kernel: [3, 3, 2], stride: [2, 2, 2], pad: [1, 1, 0], rounding: 'floor' }, out: [3, 4, 4] },
    { x: [1, 1, 2, 7, 7], p: { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 1, 1], rounding: 'floor' }, out: [1, 4, 4] },
  ];
  for (const [i, c] of poolCases.entries()) {
    it(`max pool forward / backward: x ${c.x} k ${c.p.kernel} s ${c.p.stride} pad ${c.p.pad} ${c.p.rounding}`, async () => {
      const x = random(c.x, 71 + i);
      const ref = naive.poolForward(x.data, c.x, c.p.kernel, c.p.stride, c.p.pad, c.out);
      const { y, argmax } = await k.maxPool3dForward(x, c.p);
      assert.deepEqual(y.shape, [c.x[0], c.x[1], ...c.out]);
      assertClose(y.data, ref.y, 'pool forward');
      assert.deepEqual([...argmax], ref.argmax);
      const dy = random(y.shape as number[], 83 + i);
      const dx = await k.maxPool3dBackward(dy, argmax, c.x);
      const expected = new Float64Array(x.size);
      const plane = c.x[2] * c.x[3] * c.x[4];
      const outPlane = c.out[0] * c.out[1] * c.out[2];
      for (let j = 0; j < dy.size; j++) expected[Math.floor(j / outPlane) * plane + argmax[j]] += dy.data[j];
      assertClose(dx.data, expected, 'pool backward');
    });
  }

  it('max pool rows of pairs (4 outputs at a time) keep the first maximum, let NaN win, and match the reference', async () => {
    // Rows of 19: two 4-output groups, one more whole pair, then ceil mode's ragged window {18}.
    const x = new Tensor([1, 2, 3, 4, 19]);
    for (let i = 0; i < x.size; i++) x.data[i] = (i * 7) % 5; // many ties
    x.data[3] = Number.NaN;
    x.data[40] = Number.NaN;
    x.data[41] = 9;
    for (let i = 60; i < 68; i++) x.data[i] = -Infinity;
    for (const p of [
      { kernel: [1, 2, 2], stride: [1, 2, 2], pad: [0, 0, 0], rounding: 'ceil' },
      { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'ceil' },
      { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [1, 1, 0], rounding: 'floor' },
    ] as Pool3dParams[]) {
      const fast = await k.maxPool3dForward(x, p);
      const ref = await referenceKernels.maxPool3dForward(x, p);
      assert.deepEqual(fast.y.shape, ref.y.shape);
      assert.deepEqual([...fast.y.data], [...ref.y.data], `y, kernel ${p.kernel}`);
      assert.deepEqual([...fast.argmax], [...ref.argmax], `switches, kernel ${p.kernel}`);
    }
  });

  it('pool5 (Caffe ceil) windows are {0,1},{2,3},{4,5},{6}', async () => {
    const x = new Tensor([1, 1, 1, 7, 7]);
    for (let i = 0; i < 49; i++) x.data[i] = i;
    const { y, argmax } = await k.maxPool3dForward(x, { kernel: [1, 2, 2], stride: [1, 2, 2], pad: [0, 0, 0], rounding: 'ceil' });
    assert.deepEqual([...y.data.slice(0, 4)], [8, 10, 12, 13]);
    assert.deepEqual([...argmax.slice(12, 16)], [43, 45, 47, 48]); // last row block holds only h = 6
  });

  it('max pool: ties, NaN and all −∞ windows give the same switches as the reference path', async () => {
    const x = new Tensor([1, 2, 2, 4, 5]);
    const values = [1, 1, NaN, 2, -Infinity, -Infinity, 3, NaN, 3, 0, 5, 5];
    for (let i = 0; i < x.size; i++) x.data[i] = values[(i * 7) % values.length];
    for (let i = 40; i < 60; i++) x.data[i] = -Infinity;
    for (const rounding of ['ceil', 'floor'] as const) {
      const p: Pool3dParams = { kernel: [2, 2, 2], stride: [1, 2, 2], pad: [0, 1, 1], rounding };
      const fast = await k.maxPool3dForward(x, p);
      const ref = await referenceKernels.maxPool3dForward(x, p);
      assert.deepEqual([...fast.argmax], [...ref.argmax]);
      assert.deepEqual([...fast.y.data], [...ref.y.data]);
    }
  });

  for (const [N, K, O] of [[1, 37, 19], [3, 300, 45], [7, 64, 9], [30, 257, 130], [263, 40, 7], [6, 270, 264]]) {
    it(`linear forward / backward: x (${N}, ${K}), w (${O}, ${K})`, async () => {
      const x = random([N, K], N + K);
      const w = random([O, K], O);
      const b = random([O], 3);
      const y = await k.linearForward(x, w, b);
      const ref = naive.matmul(x.data, naive.transpose(w.data, O, K), N, K, O);
      for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) ref[n * O + o] += b.data[o];
      assertClose(y.data, ref, 'linear forward');
      const dy = random([N, O], 99);
      assertClose((await k.linearBackwardInput(dy, w)).data, naive.matmul(dy.data, w.data, N, O, K), 'linear backward-input');
      assertClose((await k.linearBackwardWeight(dy, x)).data, naive.matmul(naive.transpose(dy.data, N, O), x.data, O, N, K), 'linear backward-weight');
    });
  }

  it('concurrent calls are serialised and give the same results as sequential ones', async () => {
    const p = { stride: [1, 1, 1] as Triple, pad: [1, 1, 1] as Triple };
    const xs = [0, 1, 2, 3].map((s) => random([1, 4, 3, 9, 10], 200 + s));
    const w = random([6, 4, 3, 3, 3], 300);
    const together = await Promise.all(xs.map((x) => k.conv3dForward(x, w, null, p)));
    for (const [i, x] of xs.entries()) assert.deepEqual(together[i].data, (await k.conv3dForward(x, w, null, p)).data);
  });
});

