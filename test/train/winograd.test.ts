/**
 * The Winograd tilings of src/train/onnx/winograd.ts as algebra, in float64: Aᵀ[(G g) ⊙ (Bᵀ d)] is the
 * correlation of the tile's input frames with the 3 taps (the forward and input gradient), and
 * Gᵀ[(Bᵀ d) ⊙ (A e)] the correlation of the frames with the output gradient (the weight gradient).
 * The graphs built from them are checked against the reference step in onnx-step.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F2_3, F4_3, winogradTiling, type WinogradTiling } from '../../src/train/onnx/winograd.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const dot = (row: readonly number[], v: readonly number[]) => row.reduce((acc, r, j) => acc + r * v[j]!, 0);

for (const tiling of [F2_3, F4_3] as WinogradTiling[]) {
  const m = tiling.m;
  const n = m + 2;
  test(`F(${m}, 3): ${n}×${n} Bᵀ, ${n}×3 G, ${m}×${n} Aᵀ give the tile's correlation and its weight gradient`, () => {
    assert.equal(tiling.bt.length, n);
    assert.equal(tiling.g.length, n);
    assert.equal(tiling.at.length, m);
    const rnd = lcg(7 + m);
    for (let trial = 0; trial < 20; trial++) {
      const d = Array.from({ length: n }, rnd);
      const g = Array.from({ length: 3 }, rnd);
      const v = tiling.bt.map((row) => dot(row, d));
      const u = tiling.g.map((row) => dot(row, g));
      const y = tiling.at.map((row) => dot(row, v.map((vk, k) => vk * u[k]!)));
      for (let i = 0; i < m; i++) assert.ok(Math.abs(y[i]! - dot(g, d.slice(i, i + 3))) < 1e-12, `y${i}`);
      // G's row k is a multiple of column k of the tap pattern (the weight gradient folds that factor into E_k).
      for (let k = 0; k < n; k++) {
        const first = tiling.g[k]!.findIndex((v) => v !== 0);
        const f = tiling.g[k]![first]! / tiling.tapPattern[first]![k]!;
        for (let a = 0; a < 3; a++) assert.ok(Math.abs(tiling.g[k]![a]! - f * tiling.tapPattern[a]![k]!) < 1e-15, `G[${k}][${a}]`);
      }
      const e = Array.from({ length: m }, rnd);
      const ek = v.map((_, k) => dot(tiling.at.map((row) => row[k]!), e));
      const p = v.map((vk, k) => vk * ek[k]!);
      for (let a = 0; a < 3; a++) {
        const dw = dot(tiling.g.map((row) => row[a]!), p);
        assert.ok(Math.abs(dw - dot(e, d.slice(a, a + m))) < 1e-12, `tap ${a}`);
      }
    }
  });
}

test('winogradTiling: F(4, 3) where 4 divides the length (and is allowed), else F(2, 3)', () => {
  assert.equal(winogradTiling(16).m, 4);
  assert.equal(winogradTiling(8).m, 4);
  assert.equal(winogradTiling(6).m, 2);
  assert.equal(winogradTiling(2).m, 2);
  assert.equal(winogradTiling(16, 2).m, 2);
});
