import test from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, ShapeError } from '../src/tensor/index.js';

test('tensor: reshape is a view, clone copies', () => {
  const t = Tensor.from([2, 3], [1, 2, 3, 4, 5, 6]);
  const v = t.reshape([3, -1]);
  assert.deepEqual(v.shape, [3, 2]);
  v.data[0] = 42;
  assert.equal(t.data[0], 42);
  const c = t.clone();
  c.data[1] = -1;
  assert.equal(t.data[1], 2);
  assert.deepEqual(t.strides(), [3, 1]);
  assert.deepEqual([...t.item(1).data], [4, 5, 6]);
});

test('tensor: bad shapes and data are rejected with the shapes named', () => {
  assert.throws(() => new Tensor([2, 0]), ShapeError);
  assert.throws(() => new Tensor([2, NaN]), /not a positive integer/);
  assert.throws(() => new Tensor([2, Infinity]), ShapeError);
  assert.throws(() => new Tensor([2, 2], new Float32Array(3)), /needs 4 elements, data has 3/);
  assert.throws(() => new Tensor([2], new Float64Array(2) as unknown as Float32Array), /Float32Array, got Float64Array/);
  assert.throws(() => Tensor.zeros([6]).reshape([4, -1]), /cannot view/);
  assert.throws(() => Tensor.zeros([2, 3]).item(2), /out of range/);
});
