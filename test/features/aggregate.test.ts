import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segmentFeatures, videoDescriptor } from '../../src/features/aggregate.js';

test('videoDescriptor: mean over clips then L2 (paper §3.3)', () => {
  const d = videoDescriptor({ clips: 2, dim: 2, data: Float32Array.from([1, 0, 5, 8]) });
  // mean = (3, 4), norm 5
  assert.ok(Math.abs(d[0] - 0.6) < 1e-7 && Math.abs(d[1] - 0.8) < 1e-7);
});

test('segmentFeatures follows round(linspace(1, N, 33)) boundaries (UCF-Crime)', () => {
  // N = 4 clips, 2 segments: linspace(1,4,3) = [1, 2.5, 4] -> round = [1, 3, 4] (MATLAB rounds half away)
  // segment 1: clips 1..2, segment 2: clips 3..3 (clip 4 is never used, as in the original code).
  const data = Float32Array.from([1, 0, 3, 0, 0, 2, 0, 9]);
  const s = segmentFeatures({ clips: 4, dim: 2, data }, 2);
  assert.deepEqual(Array.from(s), [1, 0, 0, 1]);
  // Fewer clips than segments: empty ranges take the single clip at the boundary.
  const one = segmentFeatures({ clips: 1, dim: 2, data: Float32Array.from([3, 4]) }, 3);
  assert.deepEqual(Array.from(one).map((v) => Math.round(v * 10) / 10), [0.6, 0.8, 0.6, 0.8, 0.6, 0.8]);
});
