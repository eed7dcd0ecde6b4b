/** Tolerance checks shared by the kernel tests. */
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/tensor/index.js';

/** The golden tolerance: |actual − expected| ≤ RTOL · max(1, |expected|) element-wise. */
export const RTOL = 1e-4;

/** Asserts same shape and every element within `rtol`·max(1, |expected|); names the worst element. */
export function assertClose(actual: Tensor, expected: Tensor, what: string, rtol = RTOL): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.size; i++) {
    const a = actual.data[i];
    const b = expected.data[i];
    const excess = Math.abs(a - b) - rtol * Math.max(1, Math.abs(b));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${actual.data[worst]}, expected ${expected.data[worst]} (tolerance ${rtol}·max(1,|b|))`);
  }
}

export function assertScalarClose(actual: number, expected: number, what: string, rtol = RTOL): void {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}
