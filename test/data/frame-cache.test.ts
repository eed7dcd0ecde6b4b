/** Frame cache: decode once, OpenCV-exact resized frames, failures recorded, resumable, invalidated by changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFrameCache, FRAME_CACHE_HEADER_BYTES, type FrameCacheProgress } from '../../src/data/frame-cache.js';
import { readClip } from '../../src/data/sampling.js';
import { readAllFrames } from '../../src/video/decode.js';
import { resizeLinear } from '../../src/video/resize.js';
import { ffmpeg, makeVideo, tempDir } from '../video/make-videos.js';

const dir = tempDir('c3d-frame-cache-');
const H = 12;
const W = 17;

const a = makeVideo(join(dir, 'a.avi'), 'testsrc=size=40x30:rate=10', 5, 'png', ['-pix_fmt', 'rgb24']);
const b = makeVideo(join(dir, 'b.mkv'), 'mandelbrot=size=24x20:rate=10', 7, 'ffv1');
// A frames directory (%06d.png), as the release's frame folders.
const framesDir = join(dir, 'c_frames');
mkdirSync(framesDir);
ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=32x24:rate=10', '-frames:v', '3', '-start_number', '1', join(framesDir, '%06d.png'));
const corrupt = join(dir, 'corrupt.avi');
writeFileSync(corrupt, Buffer.from('RIFF this is not a video at all '.repeat(20)));
const empty = join(dir, 'empty.mp4');
writeFileSync(empty, new Uint8Array(0));
const missing = join(dir, 'missing.avi');
// A valid container whose video stream has no frame.
const zero = makeVideo(join(dir, 'zero.mkv'), 'testsrc=size=16x16:rate=10', 0, 'ffv1');

/** The OpenCV-exact resize of every decoded frame, concatenated. */
async function expectedFrames(path: string): Promise<Uint8Array> {
  const frames = (await readAllFrames(path)).map((f) => resizeLinear(f, W, H).data);
  const out = new Uint8Array(frames.length * H * W * 3);
  frames.forEach((f, i) => out.set(f, i * f.length));
  return out;
}

function entryMtimes(cacheDir: string): Map<string, number> {
  return new Map(readdirSync(cacheDir).map((n) => [n, statSync(join(cacheDir, n)).mtimeMs]));
}

test('frame cache: frames = decode + OpenCV resize; bad videos recorded, not thrown; rebuild reuses; a changed video is re-decoded', async () => {
  const cacheDir = join(dir, 'cache');
  // A temp file left by a killed build (a pid that cannot exist) is cleaned up.
  mkdirSync(cacheDir);
  const stale = join(cacheDir, `${'0'.repeat(40)}.frames.tmp-999999999-0`);
  writeFileSync(stale, 'half');

  const progress: FrameCacheProgress[] = [];
  const videos = [a, b, framesDir, corrupt, empty, zero, missing, a];
  const cache = await buildFrameCache(videos, { dir: cacheDir, height: H, width: W, jobs: 2, onProgress: (p) => progress.push(p) });
  assert.equal(existsSync(stale), false);

  // Failures: listed in order, one line each, naming the file; the duplicate `a` is decoded once.
  assert.deepEqual(cache.failures.map((f) => f.path), [corrupt, empty, zero, missing]);
  for (const f of cache.failures) {
    assert.ok(f.reason.includes(f.path), f.reason);
    assert.ok(!f.reason.includes('\n'), f.reason);
  }
  assert.match(cache.failures[1].reason, /empty file/);
  assert.equal(progress.length, 7);
  assert.deepEqual(progress.at(-1), { done: 7, total: 7, failed: 4, cached: 0 });
  assert.equal(cache.size, 3);
  assert.equal(cache.has(corrupt), false);
  assert.throws(() => cache.frames(corrupt), /failed to decode/);

  // One file per video, header + frames, no temp left.
  const files = readdirSync(cacheDir);
  assert.equal(files.length, 3);
  for (const n of files) assert.match(n, /^[0-9a-f]{40}\.frames$/);

  for (const [path, n] of [[a, 5], [b, 7], [framesDir, 3]] as const) {
    assert.equal(cache.frames(path), n);
    const want = await expectedFrames(path);
    assert.deepEqual(cache.readFrames(path, 0, n), want);
    // Positional reads of a window, into a caller's buffer.
    const fb = H * W * 3;
    const out = new Uint8Array(2 * fb + 10);
    cache.readFrames(path, 1, 2, out);
    assert.deepEqual(out.subarray(0, 2 * fb), want.subarray(fb, 3 * fb));
    assert.throws(() => cache.readFrames(path, n - 1, 2), /outside/);
  }
  const fileA = join(cacheDir, files.find((f) => statSync(join(cacheDir, f)).size === FRAME_CACHE_HEADER_BYTES + 5 * H * W * 3)!);
  assert.ok(existsSync(fileA));

  // A clip longer than the video repeats its last frame.
  const fb = H * W * 3;
  const clip = readClip(cache, framesDir, 1, 4);
  const all = cache.readFrames(framesDir, 0, 3);
  assert.deepEqual(clip.subarray(0, 2 * fb), all.subarray(fb, 3 * fb));
  assert.deepEqual(clip.subarray(2 * fb, 3 * fb), all.subarray(2 * fb, 3 * fb));
  assert.deepEqual(clip.subarray(3 * fb, 4 * fb), all.subarray(2 * fb, 3 * fb));

  // meanBgr = pixel-weighted mean over the frames (all, or some videos).
  const direct = (paths: string[]): number[] => {
    const s = [0, 0, 0];
    let n = 0;
    for (const p of paths) {
      const px = cache.readFrames(p, 0, cache.frames(p));
      for (let i = 0; i < px.length; i += 3) for (let c = 0; c < 3; c++) s[c] += px[i + c];
      n += px.length / 3;
    }
    return s.map((v) => v / n);
  };
  const closeTo = (got: number[], want: number[]): void => got.forEach((g, c) => assert.ok(Math.abs(g - want[c]) <= 1e-9 * Math.abs(want[c]), `${got} vs ${want}`));
  closeTo(cache.meanBgr(), direct([a, b, framesDir]));
  closeTo(cache.meanBgr([b, corrupt]), direct([b]));
  assert.throws(() => cache.meanBgr([corrupt]), /no cached frames/);
  cache.close();

  // Second build: every entry reused, nothing rewritten.
  const before = entryMtimes(cacheDir);
  const again: FrameCacheProgress[] = [];
  const cache2 = await buildFrameCache([a, b, framesDir], { dir: cacheDir, height: H, width: W, onProgress: (p) => again.push(p) });
  assert.deepEqual(again.at(-1), { done: 3, total: 3, failed: 0, cached: 3 });
  assert.deepEqual(entryMtimes(cacheDir), before);
  assert.deepEqual(cache2.readFrames(b, 0, 7), await expectedFrames(b));
  cache2.close();

  // Another frame size is another entry.
  const small = await buildFrameCache([a], { dir: cacheDir, height: 6, width: 8 });
  assert.equal(small.frames(a), 5);
  assert.equal(readdirSync(cacheDir).length, 4);
  small.close();

  // A changed video (new content, size and mtime) is decoded again; the others are reused.
  makeVideo(b, 'testsrc=size=24x20:rate=10', 4, 'ffv1');
  const third: FrameCacheProgress[] = [];
  const cache3 = await buildFrameCache([a, b, framesDir], { dir: cacheDir, height: H, width: W, onProgress: (p) => third.push(p) });
  assert.deepEqual(third.at(-1), { done: 3, total: 3, failed: 0, cached: 2 });
  assert.equal(cache3.frames(b), 4);
  assert.deepEqual(cache3.readFrames(b, 0, 4), await expectedFrames(b));
  cache3.close();
});

test('frame cache: a truncated entry is rebuilt, not trusted', async () => {
  const cacheDir = join(dir, 'cache-trunc');
  const first = await buildFrameCache([a], { dir: cacheDir, height: H, width: W });
  first.close();
  const [name] = readdirSync(cacheDir);
  writeFileSync(join(cacheDir, name), new Uint8Array(FRAME_CACHE_HEADER_BYTES + 10));
  const progress: FrameCacheProgress[] = [];
  const cache = await buildFrameCache([a], { dir: cacheDir, height: H, width: W, onProgress: (p) => progress.push(p) });
  assert.equal(progress.at(-1)!.cached, 0);
  assert.deepEqual(cache.readFrames(a, 0, 5), await expectedFrames(a));
  cache.close();
});

test('frame cache: bad options and a missing ffmpeg are errors, not video failures', async () => {
  await assert.rejects(buildFrameCache([a], { dir: join(dir, 'x'), height: 0, width: W }), /height must be a positive integer/);
  await assert.rejects(buildFrameCache([a], { dir: join(dir, 'x'), height: H, width: W, jobs: 0 }), /jobs/);
  await assert.rejects(buildFrameCache([a], { dir: join(dir, 'x'), height: H, width: W, ffmpeg: join(dir, 'no-ffmpeg') }), /cannot run ffmpeg/);
  // The cache directory path is a file.
  await assert.rejects(buildFrameCache([a], { dir: join(a, 'sub'), height: H, width: W }), /cannot create the frame cache directory/);
});
