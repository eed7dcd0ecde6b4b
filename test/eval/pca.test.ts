import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { readNpy } from '../../src/io/npy.js';
import { loadFeatures } from '../../src/eval/features.js';
import { fitPca, savePca, loadPca, covariance, pcaSweep } from '../../src/eval/pca.js';
import { gaussianClusters } from '../../src/eval/synthetic.js';
import { fixture, tempDir } from './fixtures.js';

function close(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const scale = Math.max(1e-12, ...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= rel * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

const x = loadFeatures(fixture('pca_x.npy'));

test('matches scikit-learn PCA: mean, components (sign-normalised), explained variance, transform', () => {
  const m = fitPca(x, 5);
  close(m.mean, readNpy(fixture('pca_mean.npy')).data, 1e-5, 'mean');
  close(m.components, readNpy(fixture('pca_components.npy')).data, 1e-4, 'components');
  close(m.explainedVariance, readNpy(fixture('pca_variance.npy')).data, 1e-4, 'variance');
  const head = { rows: 10, dim: x.dim, data: x.data.slice(0, 10 * x.dim) };
  close(m.project(head).data, readNpy(fixture('pca_transform.npy')).data, 1e-4, 'transform');
});

test('subspace iteration (k ≪ d) finds the same top components as the full eigendecomposition', () => {
  // 300 × 600: a strong 4-dim signal plus noise, so the top-4 subspace is well separated.
  const c = gaussianClusters({ classes: 5, perClass: 60, dim: 600, noise: 0.3, seed: 2 });
  const sub = fitPca(c.x, 4); // 2k < d and d > 256 → subspace path
  const full = fitPca(c.x, 400); // 2k ≥ d → full path
  for (let k = 0; k < 4; k++) {
    let dot = 0;
    for (let j = 0; j < 600; j++) dot += sub.components[k * 600 + j]! * full.components[k * 600 + j]!;
    assert.ok(Math.abs(dot) > 0.999, `component ${k}: |cos| = ${Math.abs(dot)}`);
    assert.ok(Math.abs(sub.explainedVariance[k]! - full.explainedVariance[k]!) <= 1e-3 * full.explainedVariance[k]!);
  }
});

test('covariance from chunked SIMD dots equals the direct float64 sum', () => {
  const mean = new Float32Array(x.dim);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.dim; j++) mean[j] += x.data[i * x.dim + j]! / x.rows;
  const cov = covariance(x, mean);
  for (const [a, b] of [[0, 0], [3, 7], [11, 2]] as const) {
    let s = 0;
    for (let i = 0; i < x.rows; i++) s += (x.data[i * x.dim + a]! - mean[a]!) * (x.data[i * x.dim + b]! - mean[b]!);
    assert.ok(Math.abs(cov[a * x.dim + b]! - s / (x.rows - 1)) <= 1e-5 * Math.abs(s / (x.rows - 1)) + 1e-9);
  }
});

test('model file round-trips (safetensors layout) and projects identically; bad files are named', () => {
  const { dir, cleanup } = tempDir();
  try {
    const m = fitPca(x, 3);
    const p = join(dir, 'pca.safetensors');
    savePca(p, m);
    const bytes = readFileSync(p);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    assert.deepEqual(header.components.shape, [3, 12]);
    assert.equal(header.__metadata__.format, 'c3d-pca');
    const back = loadPca(p);
    assert.deepEqual(back.project(x, 2).data, m.project(x, 2).data);
    assert.throws(() => loadPca(fixture('pca_x.npy')), /pca_x\.npy: not a safetensors PCA model/);
    assert.throws(() => m.project({ rows: 1, dim: 5, data: new Float32Array(5) }), /PCA: input has dim 5, model expects 12/);
  } finally {
    cleanup();
  }
});

test('accuracy grows with PCA dims on clustered data (fig. 5 sweep)', () => {
  const tr = gaussianClusters({ classes: 6, perClass: 20, dim: 40, noise: 2.5, seed: 11 });
  const te = gaussianClusters({ classes: 6, perClass: 10, dim: 40, noise: 2.5, seed: 12, centres: tr.centres });
  const lab = (y: Int32Array) => Array.from(y, (k) => `c${k}`);
  const m = fitPca(tr.x, 20);
  const rows = pcaSweep(m, tr.x, lab(tr.y), te.x, lab(te.y), [1, 20]);
  assert.deepEqual(rows.map((r) => r.dims), [1, 20]);
  assert.ok(rows[1]!.accuracy > rows[0]!.accuracy, JSON.stringify(rows));
});
