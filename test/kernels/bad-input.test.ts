/**
 * Malformed arguments are rejected before any work with a ShapeError whose one-line message names
 * the op and the shapes involved — on every backend, sync ops throwing and async ops rejecting.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import type { Conv3dParams, Pool3dParams, Triple } from '../../src/kernels/api.js';
import { ShapeError, Tensor } from '../../src/tensor/index.js';
import { loadBackends } from './backends.js';

const backends = await loadBackends();
after(async () => {
  for (const b of backends) await b.dispose();
});

/** Asserts `run` throws or rejects with a ShapeError whose message matches `message`. */
async function rejectsWith(run: () => unknown, message: RegExp): Promise<void> {
  const check = (err: unknown) => {
    assert.ok(err instanceof ShapeError, `expected ShapeError, got ${String(err)}`);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'), 'one-line message');
    return true;
  };
  let result: unknown;
  try {
    result = run();
  } catch (err) {
    check(err);
    return;
  }
  await assert.rejects(Promise.resolve(result), check);
}

const z = (...shape: number[]) => Tensor.zeros(shape);
/** An object that looks like a tensor but holds float64 data. */
const float64Tensor = (...shape: number[]) =>
  ({ shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) }) as unknown as Tensor;
const conv: Conv3dParams = { stride: [1, 1, 1], pad: [1, 1, 1] };
const pool: Pool3dParams = { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'ceil' };

for (const { kernels: k } of backends) {
  test(`${k.name}: conv3d rejects bad shapes, params and dtypes`, async () => {
    await rejectsWith(() => k.conv3dForward(z(1, 3, 4, 4), z(2, 3, 3, 3, 3), null, conv), /conv3dForward: x must have 5 dims, got \[1, 3, 4, 4\]/);
    await rejectsWith(
      () => k.conv3dForward(z(1, 3, 4, 4, 4), z(2, 4, 3, 3, 3), null, conv),
      /conv3dForward: x \[1, 3, 4, 4, 4\] has 3 channels but w \[2, 4, 3, 3, 3\] expects 4/,
    );
    await rejectsWith(
      () => k.conv3dForward(z(1, 1, 2, 2, 2), z(1, 1, 3, 3, 3), null, { stride: [1, 1, 1], pad: [0, 0, 0] }),
      /conv3dForward: output size ≤ 0: x \[1, 1, 2, 2, 2\] with kernel \[3, 3, 3\].*gives \[0, 0, 0\]/,
    );
    await rejectsWith(() => k.conv3dForward(z(1, 3, 4, 4, 4), z(2, 3, 3, 3, 3), z(3), conv), /conv3dForward: b \[3\] must have 2 elements to match w \[2, 3, 3, 3, 3\]/);
    await rejectsWith(() => k.conv3dForward(z(1, 3, 4, 4, 4), z(2, 3, 3, 3, 3), null, { stride: [1, 0, 1], pad: [1, 1, 1] }), /conv3dForward: stride \[1, 0, 1\] must be an integer ≥ 1, got 0/);
    await rejectsWith(() => k.conv3dForward(z(1, 3, 4, 4, 4), z(2, 3, 3, 3, 3), null, { stride: [1, 1, 1], pad: [1, -1, 1] }), /conv3dForward: pad \[1, -1, 1\] must be an integer ≥ 0/);
    await rejectsWith(() => k.conv3dForward(z(1, 3, 4, 4, 4), z(2, 3, 3, 3, 3), null, { stride: [1, NaN, 1], pad: [1, 1, 1] }), /conv3dForward: stride \[1, NaN, 1\]/);
    await rejectsWith(
      () => k.conv3dForward(z(1, 3, 4, 4, 4), z(2, 3, 3, 3, 3), null, { stride: [1, 1] as unknown as Triple, pad: [1, 1, 1] }),
      /conv3dForward: stride must be a \(d, h, w\) triple, got \[1, 1\]/,
    );
    await rejectsWith(() => k.conv3dForward(float64Tensor(1, 3, 4, 4, 4), z(2, 3, 3, 3, 3), null, conv), /conv3dForward: x \[1, 3, 4, 4, 4\] must hold Float32Array data, got Float64Array/);
    await rejectsWith(() => k.conv3dBackwardInput(z(1, 2, 4, 4, 4), z(2, 3, 3, 3, 3), [1, 3, Infinity, 4, 4], conv), /conv3dBackwardInput: xShape \[1, 3, Infinity, 4, 4\] has a dim that is not a positive integer/);
    await rejectsWith(
      () => k.conv3dBackwardInput(z(1, 2, 4, 4, 5), z(2, 3, 3, 3, 3), [1, 3, 4, 4, 4], conv),
      /conv3dBackwardInput: dy \[1, 2, 4, 4, 5\] should be \[1, 2, 4, 4, 4\]/,
    );
    await rejectsWith(() => k.conv3dBackwardWeight(z(1, 3, 4, 4, 4), z(1, 2, 4, 4, 4), [2, 3, 0, 3, 3], conv), /conv3dBackwardWeight: wShape \[2, 3, 0, 3, 3\] has a dim that is not a positive integer/);
    await rejectsWith(() => k.conv3dBackwardWeight(z(1, 3, 4, 4, 4), z(2, 2, 4, 4, 4), [2, 3, 3, 3, 3], conv), /conv3dBackwardWeight: dy \[2, 2, 4, 4, 4\] should be \[1, 2, 4, 4, 4\]/);
    await rejectsWith(() => k.conv3dBackwardBias(float64Tensor(1, 2, 1, 1, 1)), /conv3dBackwardBias: dy \[1, 2, 1, 1, 1\] must hold Float32Array data, got Float64Array/);
  });

  test(`${k.name}: max pooling rejects bad shapes, params and switches`, async () => {
    await rejectsWith(() => k.maxPool3dForward(z(1, 2, 4, 4), pool), /maxPool3dForward: x must have 5 dims, got \[1, 2, 4, 4\]/);
    await rejectsWith(
      () => k.maxPool3dForward(z(1, 2, 1, 4, 4), { ...pool, rounding: 'floor' }),
      /maxPool3dForward: output size ≤ 0: x \[1, 2, 1, 4, 4\] with kernel \[2, 2, 2\].*gives \[0, 2, 2\]/,
    );
    await rejectsWith(() => k.maxPool3dForward(z(1, 2, 4, 4, 4), { ...pool, pad: [0, 2, 0] }), /maxPool3dForward: pad \[0, 2, 0\] must be smaller than kernel \[2, 2, 2\]/);
    await rejectsWith(() => k.maxPool3dForward(z(1, 2, 4, 4, 4), { ...pool, kernel: [0, 2, 2] }), /maxPool3dForward: kernel \[0, 2, 2\] must be an integer ≥ 1/);
    await rejectsWith(
      () => k.maxPool3dForward(z(1, 2, 4, 4, 4), { ...pool, rounding: 'round' as unknown as 'ceil' }),
      /maxPool3dForward: rounding must be 'ceil' or 'floor', got round/,
    );
    await rejectsWith(() => k.maxPool3dForward(float64Tensor(1, 2, 4, 4, 4), pool), /maxPool3dForward: x \[1, 2, 4, 4, 4\] must hold Float32Array data, got Float64Array/);
    const dy = z(1, 2, 2, 2, 2);
    await rejectsWith(() => k.maxPool3dBackward(dy, new Int32Array(16).fill(64), [1, 2, 4, 4, 4]), /maxPool3dBackward: argmax\[0\] = 64 is outside the input volume of xShape \[1, 2, 4, 4, 4\]/);
    await rejectsWith(() => k.maxPool3dBackward(dy, new Int32Array(15), [1, 2, 4, 4, 4]), /maxPool3dBackward: argmax has 15 entries but dy \[1, 2, 2, 2, 2\] has 16/);
    await rejectsWith(() => k.maxPool3dBackward(dy, new Float32Array(16) as unknown as Int32Array, [1, 2, 4, 4, 4]), /maxPool3dBackward: argmax must be an Int32Array, got Float32Array/);
    await rejectsWith(() => k.maxPool3dBackward(dy, new Int32Array(16), [1, 3, 4, 4, 4]), /maxPool3dBackward: dy \[1, 2, 2, 2, 2\] and xShape \[1, 3, 4, 4, 4\] must agree/);
    await rejectsWith(() => k.maxPool3dBackward(dy, new Int32Array(16), [1, 2, 4, NaN, 4]), /maxPool3dBackward: xShape \[1, 2, 4, NaN, 4\] has a dim that is not a positive integer/);
  });

  test(`${k.name}: linear rejects mismatched shapes`, async () => {
    await rejectsWith(() => k.linearForward(z(2, 5), z(3, 4), null), /linearForward: x \[2, 5\] has 5 features but w \[3, 4\] expects 4/);
    await rejectsWith(() => k.linearForward(z(2, 4), z(3, 4), z(4)), /linearForward: b \[4\] must have 3 elements to match w \[3, 4\]/);
    await rejectsWith(() => k.linearForward(z(2, 4, 1), z(3, 4), null), /linearForward: x must have 2 dims, got \[2, 4, 1\]/);
    await rejectsWith(() => k.linearForward(float64Tensor(2, 4), z(3, 4), null), /linearForward: x \[2, 4\] must hold Float32Array data, got Float64Array/);
    await rejectsWith(() => k.linearBackwardInput(z(2, 5), z(3, 4)), /linearBackwardInput: dy \[2, 5\] has 5 outputs but w \[3, 4\] has 3/);
    await rejectsWith(() => k.linearBackwardWeight(z(2, 3), z(5, 4)), /linearBackwardWeight: dy \[2, 3\] and x \[5, 4\] must have the same batch size/);
    await rejectsWith(() => k.linearBackwardBias(z(6)), /linearBackwardBias: dy must have 2 dims, got \[6\]/);
  });

  test(`${k.name}: activations and loss reject bad shapes, probabilities and labels`, async () => {
    await rejectsWith(() => k.reluBackward(z(2, 3), z(3, 2)), /reluBackward: y \[3, 2\] should be \[2, 3\]/);
    await rejectsWith(() => k.relu(float64Tensor(2, 3)), /relu: x \[2, 3\] must hold Float32Array data, got Float64Array/);
    await rejectsWith(() => k.dropout(z(2, 3), 1, Math.random), /dropout: dropout probability must be in \[0, 1\), got 1/);
    await rejectsWith(() => k.dropout(z(2, 3), -0.1, Math.random), /dropout: dropout probability must be in \[0, 1\), got -0.1/);
    await rejectsWith(() => k.dropout(z(2, 3), NaN, Math.random), /dropout: dropout probability must be in \[0, 1\), got NaN/);
    await rejectsWith(() => k.dropoutBackward(z(2, 3), new Uint8Array(5), 0.5), /dropoutBackward: mask has 5 entries but dy \[2, 3\] has 6/);
    await rejectsWith(() => k.softmax(z(2, 3, 4)), /softmax: x must have 2 dims, got \[2, 3, 4\]/);
    await rejectsWith(() => k.softmaxCrossEntropy(z(2, 3), Int32Array.from([0, 3])), /softmaxCrossEntropy: label 3 at row 1 out of range \[0, 3\) for logits \[2, 3\]/);
    await rejectsWith(() => k.softmaxCrossEntropy(z(2, 3), Int32Array.from([-1, 0])), /softmaxCrossEntropy: label -1 at row 0 out of range/);
    await rejectsWith(() => k.softmaxCrossEntropy(z(2, 3), Int32Array.from([0])), /softmaxCrossEntropy: 1 labels for logits \[2, 3\] \(need 2\)/);
    await rejectsWith(() => k.softmaxCrossEntropy(z(2, 3), [0, 1] as unknown as Int32Array), /softmaxCrossEntropy: labels must be an Int32Array, got Array/);
  });
}
