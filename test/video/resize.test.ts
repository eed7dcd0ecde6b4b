/** OpenCV INTER_LINEAR resize, checked against Debian python3-opencv output (tools/fixtures/video.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinearResizer, resizeLinear } from '../../src/video/resize.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'video', 'resize');

interface ResizeCase {
  file: string;
  srcWidth: number;
  srcHeight: number;
  channels: number;
  dstWidth: number;
  dstHeight: number;
}

/** Same formula as pattern() in tools/fixtures/video.py. */
function pattern(w: number, h: number, c: number): Uint8Array {
  const out = new Uint8Array(w * h * c);
  let i = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        out[i++] = (x * x * 7 + y * y * 3 + x * y * 5 + ch * 97 + Math.floor(x / 3) * Math.floor(y / 5) * 11) % 256;
      }
    }
  }
  return out;
}

const { cases } = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as { cases: ResizeCase[] };

for (const c of cases) {
  test(`resize ${c.srcWidth}x${c.srcHeight}x${c.channels} -> ${c.dstWidth}x${c.dstHeight} matches cv2.resize INTER_LINEAR`, () => {
    const expected = new Uint8Array(readFileSync(join(FIXTURES, c.file)));
    const got = new LinearResizer(c.srcWidth, c.srcHeight, c.dstWidth, c.dstHeight, c.channels).resize(pattern(c.srcWidth, c.srcHeight, c.channels));
    assert.equal(got.length, expected.length);
    let maxDiff = 0;
    let mismatches = 0;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs(got[i] - expected[i]);
      if (d > maxDiff) maxDiff = d;
      if (d !== 0) mismatches++;
    }
    // The bound is 1 grey level; the fixed-point emulation is in fact bit-exact.
    assert.ok(maxDiff <= 1, `max abs difference ${maxDiff}`);
    assert.equal(mismatches, 0, `${mismatches} of ${got.length} values differ`);
  });
}

test('resize to the same size is the identity', () => {
  const img = pattern(31, 17, 3);
  const out = resizeLinear({ width: 31, height: 17, channels: 3, data: img }, 31, 17);
  assert.deepEqual(out.data, img);
});

test('resize rejects a buffer of the wrong size with a clear message', () => {
  const r = new LinearResizer(4, 4, 2, 2, 3);
  assert.throws(() => r.resize(new Uint8Array(10)), /source has 10 bytes, expected 4×4×3/);
  assert.throws(() => new LinearResizer(0, 4, 2, 2, 3), /srcWidth must be a positive integer/);
});
