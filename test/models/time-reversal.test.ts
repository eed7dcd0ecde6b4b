/**
 * The sharpest form of the paper's claim that 2D convolutions lose temporal information (§3.1–3.2): a
 * net whose convolutions all have temporal depth 1 and whose max pools tile time in aligned windows
 * down to one temporal cell computes each frame's features independently of the others and then takes
 * maxima over aligned frame pairs — both symmetric in time. So its outputs for a clip and for the same
 * clip reversed in time are identical, bit for bit: it cannot tell zoom in from zoom out, clockwise
 * from counter-clockwise, or left from right motion. Temporal depth 3 breaks the symmetry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel } from '../../src/models/index.js';
import { Net, syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { createFastKernels } from '../../src/kernels/fast/index.js';
import { Tensor } from '../../src/tensor/index.js';
import type { Kernels } from '../../src/kernels/api.js';

/** x (N, C, L, H, W) with the frame axis reversed. */
function reverseTime(x: Tensor): Tensor {
  const [n, c, l, h, w] = x.shape as [number, number, number, number, number];
  const plane = h * w;
  const y = new Tensor(x.shape);
  for (let b = 0; b < n * c; b++) {
    for (let t = 0; t < l; t++) y.data.set(x.data.subarray((b * l + t) * plane, (b * l + t + 1) * plane), (b * l + (l - 1 - t)) * plane);
  }
  return y;
}

const OUTPUTS = ['pool5', 'fc6', 'fc8', 'prob'];

async function outputsFor(model: string, kernels: Kernels, seed: number): Promise<{ x: Map<string, Tensor>; reversed: Map<string, Tensor> }> {
  // 16 frames: pool2..pool5 halve time 16 → 8 → 4 → 2 → 1 in aligned windows.
  const spec = getModel(model, { width: 1 / 16, size: 28, length: 16, classes: 5 });
  const net = new Net(spec, syntheticParams(spec, seed), kernels);
  const x = syntheticClips(spec, 2, seed);
  return {
    x: (await net.forward(x, { outputs: OUTPUTS })).blobs,
    reversed: (await net.forward(reverseTime(x), { outputs: OUTPUTS })).blobs,
  };
}

for (const kernelsName of ['reference', 'fast'] as const) {
  test(`depth-1 (2D convs per frame): a clip and its time reversal give bit-identical outputs (${kernelsName} kernels)`, async () => {
    const fast = kernelsName === 'fast' ? await createFastKernels({ threads: 2 }) : null;
    try {
      for (const seed of [1, 2, 3]) {
        const r = await outputsFor('depth-1', fast ?? referenceKernels, seed);
        for (const name of OUTPUTS) assert.deepEqual([...r.reversed.get(name)!.data], [...r.x.get(name)!.data], `${name}, seed ${seed}`);
      }
    } finally {
      await fast?.dispose();
    }
  });
}

test('depth-3 (3D convs): the time reversal changes the outputs', async () => {
  for (const model of ['depth-3', 'increasing']) {
    const r = await outputsFor(model, referenceKernels, 1);
    const a = r.x.get('fc8')!.data;
    const b = r.reversed.get('fc8')!.data;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    assert.ok(diff > 1e-4, `${model}: max |Δ fc8| = ${diff}`);
  }
});
