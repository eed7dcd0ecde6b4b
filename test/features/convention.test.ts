import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveConvention } from '../../src/features/convention.js';
import { writeNpy } from '../../src/io/npy.js';
import { tempDir } from '../video/make-videos.js';

test('channel means are applied in BGR order whatever order they were given in', () => {
  assert.deepEqual(resolveConvention({ channels: 'rgb', mean: { kind: 'rgb', values: [104, 117, 128] } }).mean, { kind: 'pixel', bgr: [128, 117, 104] });
  assert.deepEqual(resolveConvention({ channels: 'bgr', mean: { kind: 'bgr', values: [1, 2, 3] } }).mean, { kind: 'pixel', bgr: [1, 2, 3] });
  assert.deepEqual(resolveConvention({ channels: 'bgr', mean: 'none' }).mean, { kind: 'none' });
});

test('a mean cube is read from its file (.npy here); a cube without a file says what to pass', () => {
  const dir = tempDir('c3d-mean-');
  const file = join(dir, 'mean.npy');
  const data = new Float32Array(3 * 16 * 128 * 171).fill(7);
  writeNpy(file, { shape: [1, 3, 16, 128, 171], data });
  const m = resolveConvention({ channels: 'bgr', mean: { kind: 'cube', file } }).mean;
  assert.equal(m.kind, 'cube');
  assert.deepEqual(m.kind === 'cube' && m.shape, [3, 16, 128, 171]);
  assert.ok(m.kind === 'cube' && m.data.every((v) => v === 7));
  assert.throws(() => resolveConvention({ channels: 'bgr', mean: { kind: 'cube' } }), /pass --mean FILE/);
  const bad = join(dir, 'bad.npy');
  writeNpy(bad, { shape: [2, 5], data: new Float32Array(10) });
  assert.throws(() => resolveConvention({ channels: 'bgr', mean: { kind: 'cube', file: bad } }), /bad\.npy: mean must be 3×L×H×W/);
});
