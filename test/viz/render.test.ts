/**
 * Rendering: clips back to their pixels (the inverse of the preprocessing), the display scaling of
 * projections, the Grad-CAM overlay, and PNG strips / GIFs that decode back (pngjs, omggif) with the
 * expected sizes, frame counts and pixels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import omggif from 'omggif';
import { clipToInput } from '../../src/features/preprocess.js';
import type { PixelConvention } from '../../src/features/convention.js';
import { syntheticTensor } from '../../src/nn/index.js';
import { clipToRgbFrames, displayScale, downscale, heatOverlay, projectionToRgbFrames, viridis, type RgbImage } from '../../src/viz/clip-frames.js';
import { stackedGif, stripPng, stripSize } from '../../src/viz/strips.js';

const S = 8;
const L = 3;

function bgrFrames(seed: number): Uint8Array[] {
  const t = syntheticTensor([L, S * S * 3], seed, 1);
  return Array.from({ length: L }, (_, f) => Uint8Array.from(t.data.subarray(f * S * S * 3, (f + 1) * S * S * 3), (v) => Math.floor((v + 1) * 127.99)));
}

test('a preprocessed clip turns back into its exact pixels (RGB) for every kind of mean and channel order', () => {
  const cube = syntheticTensor([3, L, 10, 12], 4, 50);
  for (let i = 0; i < cube.size; i++) cube.data[i] = Math.round(cube.data[i]! + 100);
  const conventions: PixelConvention[] = [
    { channels: 'bgr', mean: { kind: 'none' } },
    { channels: 'rgb', mean: { kind: 'pixel', bgr: [104, 117, 123] } },
    { channels: 'bgr', mean: { kind: 'cube', shape: [3, L, 10, 12], data: cube.data } },
    { channels: 'rgb', mean: { kind: 'cube', shape: [3, L, 10, 12], data: cube.data } },
  ];
  const frames = bgrFrames(1);
  for (const c of conventions) {
    const input = new Float32Array(3 * L * S * S + 5);
    clipToInput(frames, c, input, 5, { cropSize: S, resizeHeight: S, resizeWidth: S });
    const back = clipToRgbFrames(input, L, S, c, 5);
    assert.equal(back.length, L);
    for (let t = 0; t < L; t++) {
      for (let p = 0; p < S * S; p++) {
        for (let sc = 0; sc < 3; sc++) assert.equal(back[t]!.data[p * 3 + 2 - sc], frames[t]![p * 3 + sc], `${c.channels}/${c.mean.kind}: frame ${t} pixel ${p} channel ${sc}`);
      }
    }
  }
});

test('display scaling: 128 + 127·clamp(v/s) with s the 99.5th percentile of |v| over the whole clip or each frame, in RGB order; zero is flat grey', () => {
  const H = 2;
  const W = 2;
  const p = new Float32Array(3 * 2 * H * W);
  // Frame 0 peaks at 4 (channel 0), frame 1 at 1 (channel 2).
  p[0] = 4;
  p[1] = -2;
  p[(2 * 2 + 1) * H * W] = 1;
  for (const channels of ['bgr', 'rgb'] as const) {
    const clip = projectionToRgbFrames(p, 2, H, W, channels, 'clip');
    const frame = projectionToRgbFrames(p, 2, H, W, channels, 'frame');
    const c0 = channels === 'rgb' ? 0 : 2; // where input channel 0 lands in RGB
    const c2 = 2 - c0;
    assert.equal(clip[0]!.data[c0], 255);
    assert.equal(clip[0]!.data[3 + c0], Math.round(128 - 127 / 2));
    assert.equal(clip[1]!.data[c2], Math.round(128 + 127 / 4), 'frame 1 is scaled by the clip maximum');
    assert.equal(frame[1]!.data[c2], 255, 'per-frame scaling lifts the quiet frame');
    assert.equal(frame[0]!.data[3 + c0], Math.round(128 - 127 / 2));
    assert.equal(clip[1]!.data[3 * 3 + 1], 128);
  }
  assert.ok(projectionToRgbFrames(new Float32Array(12), 1, H, W, 'bgr')[0]!.data.every((v) => v === 128));
  // A lone outlier does not set the scale: 1000 values 1…1000 and one of 1e6 → the 99.5th percentile.
  const many = Float32Array.from({ length: 1001 }, (_, i) => (i < 1000 ? -(i + 1) : 1e6));
  assert.equal(displayScale(many), 996); // rank ⌈0.995·1001⌉ = 996
  const big = new Float32Array(3 * 1 * 40 * 40);
  big.fill(1);
  big[0] = 1000;
  const shown = projectionToRgbFrames(big, 1, 40, 40, 'rgb');
  assert.equal(shown[0]!.data[3], 255, 'ordinary values use the full range');
  assert.equal(shown[0]!.data[0], 255, 'the outlier saturates');
});

test('Grad-CAM overlay blends viridis half and half with the frame; downscale averages boxes', () => {
  assert.deepEqual(viridis(0), [68, 1, 84]);
  assert.deepEqual(viridis(1), [253, 231, 37]);
  assert.deepEqual(viridis(2), viridis(1));
  const frame: RgbImage = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 200, 100, 50]) };
  const [o] = heatOverlay(Float32Array.from([0, 1]), [frame]);
  assert.deepEqual([...o!.data], [34, 1, 42, 227, 166, 44]);
  const img: RgbImage = { width: 2, height: 2, data: Uint8Array.from([0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 31]) };
  assert.deepEqual([...downscale(img, 2).data], [15, 15, 15]);
});

function solid(w: number, h: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(rgb, i * 3);
  return { width: w, height: h, data };
}

test('a strip PNG decodes back with the expected size and the frames where they belong', () => {
  const top = Array.from({ length: 16 }, (_, t) => solid(12, 10, [t * 10, 0, 255 - t * 10]));
  const bottom = Array.from({ length: 16 }, () => solid(12, 10, [7, 200, 9]));
  const png = PNG.sync.read(stripPng([top, bottom], { title: ['A TITLE'] }));
  const { width, height } = stripSize([top, bottom], { title: ['A TITLE'] });
  assert.deepEqual([png.width, png.height], [width, height]);
  assert.equal(width, 16 * 12 + 17 * 2);
  const px = (x: number, y: number): number[] => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
  const y0 = height - 2 - 10 - 2 - 10; // first row's top
  assert.deepEqual(px(2 + 5 * 14 + 3, y0 + 4), [50, 0, 205], 'frame 5 of the top row');
  assert.deepEqual(px(2 + 15 * 14 + 11, height - 3), [7, 200, 9], 'last frame of the bottom row');
  assert.deepEqual(px(1, y0 + 4), [255, 255, 255], 'gap');
});

test('a GIF decodes back: 16 frames, looping, the stacked size, exact colours and the frame delay', () => {
  const top = Array.from({ length: 16 }, (_, t) => solid(12, 10, [t * 10, 0, 255 - t * 10]));
  const bottom = Array.from({ length: 16 }, () => solid(12, 10, [7, 200, 9]));
  const gif = new omggif.GifReader(Buffer.from(stackedGif([top, bottom], 125)));
  assert.equal(gif.numFrames(), 16);
  assert.equal(gif.loopCount(), 0);
  assert.deepEqual([gif.width, gif.height], [12 + 4, 20 + 6]);
  const rgba = new Uint8Array(gif.width * gif.height * 4);
  for (const t of [0, 9, 15]) {
    gif.decodeAndBlitFrameRGBA(t, rgba);
    const px = (x: number, y: number): number[] => [...rgba.subarray((y * gif.width + x) * 4, (y * gif.width + x) * 4 + 3)];
    assert.deepEqual(px(5, 5), [t * 10, 0, 255 - t * 10], `frame ${t}: projection row`);
    assert.deepEqual(px(5, 18), [7, 200, 9], `frame ${t}: input row`);
    assert.equal(gif.frameInfo(t).delay, 13); // 125 ms in hundredths of a second, rounded
  }
  assert.throws(() => stackedGif([top, bottom.slice(1)]), /same, non-zero number of frames/);
});
