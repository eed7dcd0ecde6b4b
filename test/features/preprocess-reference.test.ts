/**
 * The whole frame path against Caffe's data-layer arithmetic done in numpy on OpenCV frames
 * (tools/fixtures/video.py): decode → resize 171×128 → crop (8, 29) → minus mean cube → C×L×H×W.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clipToInput, FramePreparer } from '../../src/features/preprocess.js';
import { readAllFrames } from '../../src/video/decode.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'video', 'decode');

/** Same formula as mean_pattern() in tools/fixtures/video.py. */
function meanPattern(L: number, H: number, W: number): Float32Array {
  const m = new Float32Array(3 * L * H * W);
  let i = 0;
  for (let c = 0; c < 3; c++) for (let t = 0; t < L; t++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[i++] = ((c * 31 + t * 7 + y * 3 + x) % 17) * 1.5;
  return m;
}

test('decoded, resized, cropped, mean-subtracted clip equals the numpy/OpenCV reference', async () => {
  const ref = JSON.parse(readFileSync(join(DIR, 'clip.json'), 'utf8')) as { frames: number; subsample: number; file: string; sums: number[][] };
  const sub = new Float32Array(new Uint8Array(readFileSync(join(DIR, ref.file))).buffer);
  const L = ref.frames;
  const prep = new FramePreparer();
  const frames = (await readAllFrames(join(DIR, 'testsrc-80x60.avi'))).slice(0, L).map((f) => prep.prepare(f));
  const out = new Float32Array(3 * L * 112 * 112);
  clipToInput(frames, { channels: 'bgr', mean: { kind: 'cube', shape: [3, L, 128, 171], data: meanPattern(L, 128, 171) } }, out);
  const k = ref.subsample;
  const n = Math.ceil(112 / k);
  let i = 0;
  for (let c = 0; c < 3; c++) {
    for (let t = 0; t < L; t++) {
      let sum = 0;
      for (let j = 0; j < 112 * 112; j++) sum += out[(c * L + t) * 112 * 112 + j];
      assert.ok(Math.abs(sum - ref.sums[c][t]) <= 1e-6 * Math.abs(ref.sums[c][t]), `sum c=${c} t=${t}: ${sum} vs ${ref.sums[c][t]}`);
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++, i++) {
          assert.equal(out[((c * L + t) * 112 + y * k) * 112 + x * k], sub[i], `c=${c} t=${t} y=${y * k} x=${x * k}`);
        }
      }
    }
  }
  assert.equal(i, sub.length);
});
