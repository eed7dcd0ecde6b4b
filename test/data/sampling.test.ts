/** Clip sampling: the Caffe release's window/crop/flip arithmetic, the mean at the source pixel, MMAction2's test clips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../src/io/npy.js';
import { SeededRandom } from '../../src/nn/random.js';
import type { PixelConvention } from '../../src/features/convention.js';
import { clipWindow, middleClipStart, testClipStarts, testCrop, trainCrop, writeClip } from '../../src/data/sampling.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'data');

/** A generator that returns the given uint32 values in order. */
class ScriptedRandom extends SeededRandom {
  constructor(values: number[]) {
    super(1);
    this.uint32 = () => {
      const v = values.shift();
      if (v === undefined) throw new Error('ScriptedRandom: out of values');
      return v;
    };
  }
}

test('clipWindow: training start = rand() % (frames − length + 1); listed starts clamped; middle clip by default', () => {
  assert.equal(clipWindow(20, 16, new ScriptedRandom([1000])), 0); // 1000 % 5
  assert.equal(clipWindow(20, 16, new ScriptedRandom([1003])), 3);
  assert.equal(clipWindow(20, 16, new ScriptedRandom([4])), 4); // the last start is reachable
  assert.equal(clipWindow(16, 16, new ScriptedRandom([77])), 0);
  // Shorter than the clip: start 0 (the reader repeats the last frame), one number still drawn.
  const r = new ScriptedRandom([9, 11]);
  assert.equal(clipWindow(5, 16, r), 0);
  assert.equal(r.uint32(), 11);
  // Listed start: kept when the clip fits, clamped so it ends inside the video otherwise.
  assert.equal(clipWindow(40, 16, 10), 10);
  assert.equal(clipWindow(20, 16, 10), 4);
  assert.equal(clipWindow(20, 16, -3), 0);
  assert.equal(clipWindow(5, 16, 3), 0);
  assert.equal(clipWindow(20, 16), 2);
  assert.equal(middleClipStart(100, 16), 42);
  assert.throws(() => clipWindow(0, 16), /at least 1 frame/);
  // Every start of a seeded stream lies in [0, frames − length].
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(clipWindow(20, 16, new SeededRandom(i + 1)));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
});

test('trainCrop: h = rand() % (H − crop), w = rand() % (W − crop), never the last offset; then one flip draw', () => {
  assert.deepEqual(trainCrop(128, 171, 112, new ScriptedRandom([15, 58, 1]), true), { y: 15, x: 58, size: 112, flip: true });
  assert.deepEqual(trainCrop(128, 171, 112, new ScriptedRandom([16, 59, 2]), true), { y: 0, x: 0, size: 112, flip: false });
  assert.deepEqual(trainCrop(128, 171, 112, new ScriptedRandom([37, 100]), false), { y: 37 % 16, x: 100 % 59, size: 112, flip: false });
  // H == crop: offset 0 (C would divide by zero); the draw is still made, so the stream does not shift.
  assert.deepEqual(trainCrop(112, 171, 112, new ScriptedRandom([5, 60, 3]), true), { y: 0, x: 1, size: 112, flip: true });
  assert.throws(() => trainCrop(100, 171, 112, new SeededRandom(1), true), /does not fit/);

  let maxY = 0;
  let maxX = 0;
  let flips = 0;
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const c = trainCrop(128, 171, 112, new SeededRandom(i * 7 + 1), true);
    assert.ok(c.y >= 0 && c.y < 16 && c.x >= 0 && c.x < 59, `offset (${c.y}, ${c.x})`);
    maxY = Math.max(maxY, c.y);
    maxX = Math.max(maxX, c.x);
    if (c.flip) flips++;
    assert.equal(trainCrop(128, 171, 112, new SeededRandom(i * 7 + 1), false).flip, false);
  }
  assert.equal(maxY, 15);
  assert.equal(maxX, 58);
  assert.ok(flips > n * 0.45 && flips < n * 0.55, `${flips} flips of ${n}`);
});

test('testCrop: the centre, floored, never flipped ((8, 29) for 128×171 / 112)', () => {
  assert.deepEqual(testCrop(128, 171, 112), { y: 8, x: 29, size: 112, flip: false });
  assert.deepEqual(testCrop(9, 12, 4), { y: 2, x: 4, size: 4, flip: false });
  assert.deepEqual(testCrop(112, 112, 112), { y: 0, x: 0, size: 112, flip: false });
});

interface ClipCase {
  name: string;
  length: number;
  height: number;
  width: number;
  crop: { y: number; x: number; size: number; flip: boolean };
  channels: 'bgr' | 'rgb';
  mean: 'cube' | { pixel: [number, number, number] };
}

test('writeClip equals the Caffe data transformer (numpy transcription): crop, flip, mean at the source voxel, rgb', () => {
  const { cases } = JSON.parse(readFileSync(join(FIXTURES, 'clips.json'), 'utf8')) as { cases: ClipCase[] };
  assert.equal(cases.length, 3);
  for (const c of cases) {
    const frames = readNpy(join(FIXTURES, `clip-${c.name}-frames.npy`)).data as Uint8Array;
    const expected = readNpy(join(FIXTURES, `clip-${c.name}-expected.npy`)).data as Float32Array;
    let mean: PixelConvention['mean'];
    if (c.mean === 'cube') {
      const m = readNpy(join(FIXTURES, `clip-${c.name}-mean.npy`));
      mean = { kind: 'cube', shape: m.shape as [number, number, number, number], data: m.data as Float32Array };
    } else {
      mean = { kind: 'pixel', bgr: c.mean.pixel };
    }
    const s = c.crop.size;
    const out = new Float32Array(5 + 3 * c.length * s * s).fill(NaN);
    writeClip(frames, c.height, c.width, c.crop, { channels: c.channels, mean }, out, 5);
    assert.ok(Number.isNaN(out[4]), `${c.name}: wrote before the offset`);
    for (let i = 0; i < expected.length; i++) {
      assert.ok(Math.abs(out[5 + i] - expected[i]) <= 1e-4 * Math.max(1, Math.abs(expected[i])), `${c.name}[${i}]: ${out[5 + i]} vs ${expected[i]}`);
    }
  }
});

test('writeClip by hand: a flipped clip reads the mean at the unflipped source pixel', () => {
  const H = 4;
  const W = 5;
  const L = 2;
  const frames = new Uint8Array(L * H * W * 3);
  for (let i = 0; i < frames.length; i++) frames[i] = (i * 7) % 251;
  // Mean cube 3×2×6×7: frames at its centre, offset (1, 1).
  const cube = new Float32Array(3 * 2 * 6 * 7);
  for (let i = 0; i < cube.length; i++) cube[i] = i / 10;
  const crop = { y: 1, x: 2, size: 3, flip: true };
  const out = new Float32Array(3 * L * 9);
  writeClip(frames, H, W, crop, { channels: 'bgr', mean: { kind: 'cube', shape: [3, 2, 6, 7], data: cube } }, out);
  // Output (c=1, t=1, y=0, x=0) is source column crop.x + 2 (flipped) of row crop.y.
  const srcY = 1;
  const srcX = 2 + 2;
  const pixel = frames[((1 * H + srcY) * W + srcX) * 3 + 1];
  const meanVal = cube[((1 * 2 + 1) * 6 + srcY + 1) * 7 + srcX + 1];
  assert.equal(out[(1 * L + 1) * 9], Math.fround(pixel - meanVal));
  // RGB: output channel 0 is the frame's R (BGR index 2).
  const rgb = new Float32Array(out.length);
  writeClip(frames, H, W, { ...crop, flip: false }, { channels: 'rgb', mean: { kind: 'none' } }, rgb);
  assert.equal(rgb[0], frames[(1 * W + 2) * 3 + 2]);
  // A cube smaller than the frames is an error.
  assert.throws(
    () => writeClip(frames, H, W, crop, { channels: 'bgr', mean: { kind: 'cube', shape: [3, 2, 3, 7], data: new Float32Array(3 * 2 * 3 * 7) } }, out),
    /does not cover/,
  );
  assert.throws(() => writeClip(frames, H, W, { y: 2, x: 0, size: 3, flip: false }, { channels: 'bgr', mean: { kind: 'none' } }, out), /outside/);
  assert.throws(() => writeClip(frames.subarray(1), H, W, crop, { channels: 'bgr', mean: { kind: 'none' } }, out), /whole/);
});

test('testClipStarts equals MMAction2 SampleFrames test mode (numpy fixture) and hand-computed values', () => {
  const { cases } = JSON.parse(readFileSync(join(FIXTURES, 'test-clip-starts.json'), 'utf8')) as {
    cases: Array<{ frames: number; length: number; count: number; starts: number[] }>;
  };
  assert.ok(cases.length > 100);
  for (const c of cases) {
    const got = testClipStarts(c.frames, c.length, c.count);
    assert.deepEqual(got, c.starts, `frames ${c.frames}, length ${c.length}, count ${c.count}`);
    for (const s of got) assert.ok(s >= 0 && s <= Math.max(c.frames - c.length, 0));
  }
  // Paper Table 2: 10 clips over a 100-frame video, first at 0, last ending on the last frame.
  assert.deepEqual(testClipStarts(100, 16, 10), [0, 9, 19, 28, 37, 47, 56, 65, 75, 84]);
  // np.round: 2.5 rounds to 2 (half to even).
  assert.deepEqual(testClipStarts(21, 16, 3), [0, 2, 5]);
  assert.deepEqual(testClipStarts(7, 16, 4), [0, 0, 0, 0]);
  assert.throws(() => testClipStarts(100, 16, 0), /positive integer/);
});
