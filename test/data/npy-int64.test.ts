import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseNpy, readNpy } from '../../src/io/npy.js';
import { int64Npy, tempDir, touch } from './helpers.js';

test('int64 .npy (numpy\'s default integer) reads as int32 values with dtype int64', () => {
  const a = parseNpy(int64Npy([0, 1, -3, 2 ** 31 - 1, -(2 ** 31), 100], [2, 3]), 'y.npy');
  assert.equal(a.dtype, 'int64');
  assert.deepEqual(a.shape, [2, 3]);
  assert.ok(a.data instanceof Int32Array);
  assert.deepEqual(Array.from(a.data), [0, 1, -3, 2 ** 31 - 1, -(2 ** 31), 100]);
  const scalar = parseNpy(int64Npy([7], []), 's.npy');
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [7]);
  const file = touch(join(tempDir(), 'labels.npy'), int64Npy([4, 5]));
  assert.deepEqual(Array.from(readNpy(file).data), [4, 5]);
});

test('int64 values outside int32 are an error naming the file and the index', () => {
  assert.throws(() => parseNpy(int64Npy([1, 2 ** 31]), 'big.npy'), /^Error: big\.npy: int64 value 2147483648 at flat index 1 does not fit in int32/);
  assert.throws(() => parseNpy(int64Npy([-(2n ** 40n)]), 'neg.npy'), /neg\.npy: int64 value -1099511627776 at flat index 0/);
  // Truncated int64 data is measured with 8 bytes per value.
  const bytes = int64Npy([1, 2]);
  assert.throws(() => parseNpy(bytes.subarray(0, bytes.length - 4), 't.npy'), /t\.npy: truncated .npy data: expected 16 bytes for shape \(2\) int64, found 12/);
});
