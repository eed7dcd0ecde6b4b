/** The fast kernels reject malformed arguments with a ShapeError naming the op, before touching wasm memory. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/tensor/shape.js';
import { createFastKernels, type FastKernels } from '../../src/kernels/fast/index.js';
import { Arena } from '../../src/kernels/fast/arena.js';
import { createSharedMemory } from '../../src/kernels/fast/module.js';

const p = { stride: [1, 1, 1] as const, pad: [1, 1, 1] as const };

describe('fast kernels: bad input', () => {
  let k: FastKernels;
  before(async () => {
    k = await createFastKernels({ threads: 2 });
  });
  after(async () => {
    await k.dispose();
  });

  const rejects = (promise: Promise<unknown>, op: string) => assert.rejects(promise, (e: unknown) => e instanceof ShapeError && e.message.startsWith(`${op}:`));

  it('conv3d: channel mismatch, wrong rank, bad params, output too small', async () => {
    await rejects(k.conv3dForward(new Tensor([1, 3, 4, 4, 4]), new Tensor([2, 4, 3, 3, 3]), null, p), 'conv3dForward');
    await rejects(k.conv3dForward(new Tensor([3, 4, 4, 4]), new Tensor([2, 3, 3, 3, 3]), null, p), 'conv3dForward');
    await rejects(k.conv3dForward(new Tensor([1, 3, 4, 4, 4]), new Tensor([2, 3, 3, 3, 3]), new Tensor([3]), p), 'conv3dForward');
    await rejects(k.conv3dForward(new Tensor([1, 3, 4, 4, 4]), new Tensor([2, 3, 3, 3, 3]), null, { stride: [0, 1, 1], pad: [1, 1, 1] }), 'conv3dForward');
    await rejects(k.conv3dForward(new Tensor([1, 3, 4, 4, 4]), new Tensor([2, 3, 3, 3, 3]), null, { stride: [1, 1, 1], pad: [NaN, 1, 1] }), 'conv3dForward');
    await rejects(k.conv3dForward(new Tensor([1, 3, 2, 4, 4]), new Tensor([2, 3, 3, 3, 3]), null, { stride: [1, 1, 1], pad: [0, 0, 0] }), 'conv3dForward');
    await rejects(k.conv3dBackwardInput(new Tensor([1, 2, 4, 4, 4]), new Tensor([2, 3, 3, 3, 3]), [1, 3, 5, 4, 4], p), 'conv3dBackwardInput');
    await rejects(k.conv3dBackwardInput(new Tensor([1, 2, 4, 4, 4]), new Tensor([2, 3, 3, 3, 3]), [1, 3, 0, 4, 4], p), 'conv3dBackwardInput');
    await rejects(k.conv3dBackwardWeight(new Tensor([1, 3, 4, 4, 4]), new Tensor([1, 2, 4, 4, 4]), [2, 3, 3, 3, Infinity], p), 'conv3dBackwardWeight');
    await rejects(k.conv3dBackwardWeight(new Tensor([1, 3, 4, 4, 4]), new Tensor([1, 5, 4, 4, 4]), [2, 3, 3, 3, 3], p), 'conv3dBackwardWeight');
  });

  it('pooling: bad rounding, pad ≥ kernel, argmax out of range or wrong length', async () => {
    const x = new Tensor([1, 1, 2, 4, 4]);
    await rejects(k.maxPool3dForward(x, { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'round' as 'ceil' }), 'maxPool3dForward');
    await rejects(k.maxPool3dForward(x, { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 2, 0], rounding: 'ceil' }), 'maxPool3dForward');
    const dy = new Tensor([1, 1, 1, 2, 2]);
    await rejects(k.maxPool3dBackward(dy, new Int32Array([0, 1, 2, 32]), x.shape), 'maxPool3dBackward');
    await rejects(k.maxPool3dBackward(dy, new Int32Array([0, 1, -1, 3]), x.shape), 'maxPool3dBackward');
    await rejects(k.maxPool3dBackward(dy, new Int32Array(3), x.shape), 'maxPool3dBackward');
    await rejects(k.maxPool3dBackward(dy, new Int32Array(4), [1, 2, 2, 4, 4]), 'maxPool3dBackward');
  });

  it('linear: feature, output and batch mismatches', async () => {
    await rejects(k.linearForward(new Tensor([2, 5]), new Tensor([3, 4]), null), 'linearForward');
    await rejects(k.linearForward(new Tensor([2, 4]), new Tensor([3, 4]), new Tensor([4])), 'linearForward');
    await rejects(k.linearBackwardInput(new Tensor([2, 3]), new Tensor([4, 4])), 'linearBackwardInput');
    await rejects(k.linearBackwardWeight(new Tensor([2, 3]), new Tensor([3, 4])), 'linearBackwardWeight');
  });

  it('the kernels still work after rejected calls', async () => {
    const y = await k.linearForward(Tensor.filled([1, 3], 1), Tensor.filled([2, 3], 2), null);
    assert.deepEqual([...y.data], [6, 6]);
  });

  it('a request beyond the 4 GiB wasm memory fails with a clear error, without allocating', () => {
    const arena = new Arena(createSharedMemory(1), 1024, 1);
    assert.throws(() => arena.alloc('conv3dForward', 2 ** 30 + 1), (e: unknown) => e instanceof ShapeError && /conv3dForward: needs \d+ MiB .*4 GiB/.test(e.message));
  });
});
