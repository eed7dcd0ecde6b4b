/** The fast kernels' thread pool and memory: reuse across calls, growth, dispose. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { createFastKernels } from '../../src/kernels/fast/index.js';

describe('fast kernels lifecycle', () => {
  it('grows its memory for a larger op after smaller ones and keeps giving correct results', async () => {
    const k = await createFastKernels({ threads: 2 });
    try {
      const small = await k.linearForward(Tensor.filled([2, 3], 1), Tensor.filled([4, 3], 0.5), null);
      assert.deepEqual([...small.data], new Array(8).fill(1.5));
      // 2 × 3M floats in, 1M out: beyond the initial memory, so the shared memory grows under the workers.
      const N = 4, K = 750_000, O = 2;
      const x = Tensor.filled([N, K], 1);
      const w = Tensor.filled([O, K], 2);
      const y = await k.linearForward(x, w, Tensor.from([O], [1, -1]));
      assert.deepEqual([...y.data], [1_500_001, 1_499_999, 1_500_001, 1_499_999, 1_500_001, 1_499_999, 1_500_001, 1_499_999]);
      const again = await k.linearForward(Tensor.filled([2, 3], 1), Tensor.filled([4, 3], 0.5), null);
      assert.deepEqual(again.data, small.data);
    } finally {
      await k.dispose();
    }
  });

  it('rejects calls after dispose() and disposes twice without error', async () => {
    const k = await createFastKernels({ threads: 2 });
    await k.dispose();
    await k.dispose();
    await assert.rejects(k.linearForward(Tensor.filled([1, 1], 1), Tensor.filled([1, 1], 1), null), /after dispose/);
  });

  it('rejects a bad thread count', async () => {
    await assert.rejects(createFastKernels({ threads: 0 }), RangeError);
    await assert.rejects(createFastKernels({ threads: 1.5 }), RangeError);
  });
});
