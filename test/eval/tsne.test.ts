import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsne } from '../../src/eval/tsne.js';
import { knnAccuracy, knnGraph, cosineSearch } from '../../src/eval/neighbors.js';
import { gaussianClusters } from '../../src/eval/synthetic.js';
import { fromRows } from '../../src/eval/features.js';

test('t-SNE keeps known clusters apart: 2-D 5-NN accuracy as high as in the input space', () => {
  const c = gaussianClusters({ classes: 4, perClass: 40, dim: 30, noise: 0.6, seed: 8 });
  const emb = tsne(c.x, { perplexity: 15, iterations: 400, seed: 3 });
  assert.equal(emb.rows, 160);
  assert.equal(emb.dim, 2);
  assert.ok(Array.from(emb.data).every(Number.isFinite));
  const high = knnAccuracy(c.x, c.y, 5);
  const low = knnAccuracy(emb, c.y, 5);
  assert.ok(high > 0.95, `input kNN ${high}`);
  assert.ok(low >= high - 0.02, `2-D kNN ${low} vs input ${high}`);
  // Same seed, same map.
  const again = tsne(c.x, { perplexity: 15, iterations: 400, seed: 3 });
  assert.deepEqual(again.data, emb.data);
  assert.throws(() => tsne(c.x, { perplexity: 60 }), /perplexity 60 too large for 160 points/);
});

test('exact kNN graph and cosine search agree with brute force', () => {
  const m = fromRows([[0, 0], [1, 0], [0, 2], [3, 3], [-1, -1]]);
  const g = knnGraph(m, 2);
  assert.deepEqual(Array.from(g.indices.subarray(0, 2)), [1, 4]);
  assert.deepEqual(Array.from(g.distances.subarray(0, 2)), [1, 2]);
  const idx = fromRows([[1, 0], [0, 1], [1, 1], [-1, 0]]);
  const res = cosineSearch(idx, fromRows([[2, 0.1], [0, -3]]), 3);
  assert.deepEqual(res[0]!.map((r) => r.index), [0, 2, 1]);
  assert.ok(Math.abs(res[0]![0]!.score - 2 / Math.hypot(2, 0.1)) < 1e-6);
  // (0, −3): cosines 0, −1, −0.71, 0 → ties keep index order; the opposite direction (1) is cut.
  assert.deepEqual(res[1]!.map((r) => r.index), [0, 3, 2]);
});
