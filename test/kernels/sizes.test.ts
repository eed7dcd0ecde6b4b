/** The output-size formulas that every kernel path and net builder share. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { convOutputSize, poolOutputSize } from '../../src/kernels/reference/sizes.js';

test('sizes: conv output is floor((in + 2·pad − k) / stride) + 1', () => {
  assert.equal(convOutputSize(112, 3, 1, 1), 112); // every C3D conv keeps the size
  assert.equal(convOutputSize(9, 3, 2, 1), 5);
  assert.equal(convOutputSize(10, 5, 3, 1), 3);
  assert.equal(convOutputSize(2, 3, 1, 0), 0); // does not fit: callers reject
});

test('sizes: Caffe ceil pooling gives the C3D pyramid 16×112 → 1×4×4 (pool5 7 → 4)', () => {
  assert.equal(poolOutputSize(112, 2, 2, 0, 'ceil'), 56); // pool1 is 1×2×2: depth stays
  assert.equal(poolOutputSize(16, 1, 1, 0, 'ceil'), 16);
  const spatial = [56, 28, 14, 7].map((s) => poolOutputSize(s, 2, 2, 0, 'ceil'));
  assert.deepEqual(spatial, [28, 14, 7, 4]);
  const temporal = [16, 8, 4, 2].map((d) => poolOutputSize(d, 2, 2, 0, 'ceil'));
  assert.deepEqual(temporal, [8, 4, 2, 1]);
});

test('sizes: floor pooling and the PyTorch port pool5 (pad 0,1,1) also give 7 → 4', () => {
  assert.equal(poolOutputSize(7, 2, 2, 0, 'floor'), 3);
  assert.equal(poolOutputSize(7, 2, 2, 1, 'floor'), 4);
  assert.equal(poolOutputSize(2, 2, 2, 0, 'floor'), 1);
});

test('sizes: ceil drops a last window that would start in the padding', () => {
  // ceil((5 + 2 − 2) / 2) + 1 = 4, but window 3 would start at 3·2 − 1 = 5 = in: dropped.
  assert.equal(poolOutputSize(5, 2, 2, 1, 'ceil'), 3);
  assert.equal(poolOutputSize(6, 2, 2, 1, 'ceil'), 4);
  // stride > kernel without pad: PyTorch's rule also applies (Caffe's 2D rule would not).
  assert.equal(poolOutputSize(5, 1, 3, 0, 'ceil'), 2);
});
