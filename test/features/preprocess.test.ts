import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centreCrop, clipToInput, FramePreparer } from '../../src/features/preprocess.js';
import { LinearResizer } from '../../src/video/resize.js';

function frame(w: number, h: number, f: (x: number, y: number, c: number) => number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = f(x, y, c);
  return d;
}

test('the test crop of a 128×171 frame is at (8, 29), as in Caffe', () => {
  assert.deepEqual(centreCrop(), { y: 8, x: 29 });
});

test('FramePreparer = OpenCV resize to 171×128, then the 112×112 crop at (8, 29)', () => {
  const src = frame(320, 240, (x, y, c) => (x * 3 + y * 5 + c * 40) % 256);
  const resized = new LinearResizer(320, 240, 171, 128, 3).resize(src);
  const out = new FramePreparer().prepare({ width: 320, height: 240, channels: 3, data: src });
  assert.equal(out.length, 112 * 112 * 3);
  for (let y = 0; y < 112; y++) {
    for (let x = 0; x < 112; x++) {
      for (let c = 0; c < 3; c++) assert.equal(out[(y * 112 + x) * 3 + c], resized[((y + 8) * 171 + x + 29) * 3 + c]);
    }
  }
  // Upscaled and odd sources too (the window computation must not depend on the full-frame pass).
  const small = frame(37, 23, (x, y, c) => (x * 31 + y * 17 + c * 90) % 256);
  const full = new LinearResizer(37, 23, 171, 128, 3).resize(small);
  const win = new FramePreparer().prepare({ width: 37, height: 23, channels: 3, data: small });
  for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) for (let c = 0; c < 3; c++) assert.equal(win[(y * 112 + x) * 3 + c], full[((y + 8) * 171 + x + 29) * 3 + c]);
});

test('clipToInput: C×L×H×W, channel order and mean cube at the crop location', () => {
  const L = 2;
  const frames = [0, 1].map((t) => frame(112, 112, (x, y, c) => (10 * c + t + x + y) % 256));
  const cubeShape: [number, number, number, number] = [3, 2, 128, 171];
  const cube = new Float32Array(3 * 2 * 128 * 171);
  for (let i = 0; i < cube.length; i++) cube[i] = i % 7;
  const out = new Float32Array(3 * L * 112 * 112);
  clipToInput(frames, { channels: 'bgr', mean: { kind: 'cube', shape: cubeShape, data: cube } }, out);
  const at = (c: number, t: number, y: number, x: number): number => out[((c * L + t) * 112 + y) * 112 + x];
  const meanAt = (c: number, t: number, y: number, x: number): number => cube[((c * 2 + t) * 128 + y + 8) * 171 + x + 29];
  assert.equal(at(2, 1, 3, 4), frames[1][(3 * 112 + 4) * 3 + 2] - meanAt(2, 1, 3, 4));
  assert.equal(at(0, 0, 100, 50), frames[0][(100 * 112 + 50) * 3] - meanAt(0, 0, 100, 50));

  const rgb = new Float32Array(out.length);
  clipToInput(frames, { channels: 'rgb', mean: { kind: 'pixel', bgr: [1, 2, 3] } }, rgb);
  // RGB channel 0 is the frame's channel 2 (R), minus the R mean.
  assert.equal(rgb[(0 * L + 1) * 112 * 112 + 5], frames[1][5 * 3 + 2] - 3);
  assert.equal(rgb[(2 * L + 0) * 112 * 112 + 5], frames[0][5 * 3 + 0] - 1);
});

test('clipToInput rejects a mean cube that does not cover the clip', () => {
  const frames = [new Uint8Array(112 * 112 * 3)];
  assert.throws(
    () => clipToInput(frames, { channels: 'bgr', mean: { kind: 'cube', shape: [3, 1, 100, 171], data: new Float32Array(3 * 100 * 171) } }, new Float32Array(3 * 112 * 112)),
    /does not cover/,
  );
});
