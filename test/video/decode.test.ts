/** Decoding through ffmpeg: generated videos with known content, and the failure cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openVideo, readAllFrames } from '../../src/video/decode.js';
import { LinearResizer } from '../../src/video/resize.js';
import { ffmpeg, makeVideo, tempDir } from './make-videos.js';

const dir = tempDir();

test('decode + resize equals OpenCV VideoCapture + cv2.resize on a lossless video (fixture)', async () => {
  const fx = join(process.cwd(), 'test', 'fixtures', 'video', 'decode');
  const c = JSON.parse(readFileSync(join(fx, 'case.json'), 'utf8')) as { video: string; frames: number; file: string; width: number; height: number };
  const expected = readFileSync(join(fx, c.file));
  const frames = await readAllFrames(join(fx, c.video));
  assert.equal(frames.length, 3);
  const r = new LinearResizer(frames[0].width, frames[0].height, c.width, c.height, 3);
  const n = c.width * c.height * 3;
  for (let i = 0; i < c.frames; i++) {
    const got = r.resize(frames[i].data);
    let maxDiff = 0;
    for (let j = 0; j < n; j++) maxDiff = Math.max(maxDiff, Math.abs(got[j] - expected[i * n + j]));
    assert.ok(maxDiff <= 1, `frame ${i}: max abs difference ${maxDiff}`);
  }
});

test('a solid red video decodes to BGR (0, 0, 255) at its native size', async () => {
  const p = makeVideo(join(dir, 'red.avi'), 'color=c=red:size=34x18:rate=10,format=rgb24,crop=33:17', 4, 'png', ['-pix_fmt', 'rgb24']);
  const reader = await openVideo(p);
  assert.equal(reader.info.width, 33);
  assert.equal(reader.info.height, 17);
  const frames = [];
  for await (const f of reader) frames.push(f);
  assert.equal(frames.length, 4);
  for (const f of frames) {
    assert.equal(f.channels, 3);
    for (let i = 0; i < f.data.length; i += 3) assert.deepEqual([f.data[i], f.data[i + 1], f.data[i + 2]], [0, 0, 255]);
  }
});

test('an h264 mp4 yields every frame; --fps resamples', async () => {
  const p = makeVideo(join(dir, 'testsrc.mp4'), 'testsrc=size=64x48:rate=10', 20, 'libx264', ['-pix_fmt', 'yuv420p']);
  assert.equal((await readAllFrames(p)).length, 20);
  const r = await openVideo(p, { fps: 5 });
  assert.equal(r.info.estimatedFrames, 10);
  let n = 0;
  for await (const _ of r) n++;
  assert.equal(n, 10);
});

test('rotation metadata is applied (frames come out rotated)', async () => {
  const plain = makeVideo(join(dir, 'plain.mp4'), 'testsrc=size=64x48:rate=10', 3, 'libx264', ['-pix_fmt', 'yuv420p']);
  const rotated = join(dir, 'rotated.mp4');
  ffmpeg('-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated);
  const r = await openVideo(rotated);
  assert.deepEqual([r.info.width, r.info.height], [48, 64]);
  let n = 0;
  for await (const f of r) {
    assert.equal(f.data.length, 48 * 64 * 3);
    n++;
  }
  assert.equal(n, 3);
});

test('grey and alpha sources decode to 3-channel BGR', async () => {
  const grey = makeVideo(join(dir, 'grey.mkv'), 'color=c=gray:size=16x16:rate=5', 2, 'ffv1', ['-pix_fmt', 'gray']);
  const g = await readAllFrames(grey);
  assert.equal(g.length, 2);
  assert.equal(g[0].data[0], g[0].data[1]);
  assert.equal(g[0].data[1], g[0].data[2]);
  const alpha = makeVideo(join(dir, 'alpha.mov'), 'color=c=blue@0.5:size=16x16:rate=5,format=rgba', 2, 'png', ['-pix_fmt', 'rgba']);
  const a = await readAllFrames(alpha);
  assert.equal(a.length, 2);
  assert.deepEqual([a[0].data[0], a[0].data[1], a[0].data[2]], [255, 0, 0]);
});

test('variable frame rate: every stored frame is read once', async () => {
  const p = join(dir, 'vfr.mkv');
  // Frame times 0, 0.1, 0.15, 0.6, 0.65…: irregular gaps.
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=32x24:rate=20', '-frames:v', '12', '-vf', "setpts='(N+5*floor(N/3))/20/TB'", '-c:v', 'ffv1', p);
  assert.equal((await readAllFrames(p)).length, 12);
});

test('a frames directory (%06d.jpg) is a video', async () => {
  const d = join(dir, 'frames');
  mkdirSync(d);
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=40x30:rate=10', '-frames:v', '7', '-start_number', '1', join(d, '%06d.jpg'));
  const frames = await readAllFrames(d);
  assert.equal(frames.length, 7);
  assert.deepEqual([frames[0].width, frames[0].height], [40, 30]);
});

test('missing, empty, non-video, audio-only, zero-frame, corrupt and truncated inputs fail with a message naming the file', async () => {
  const empty = join(dir, 'empty.mp4');
  writeFileSync(empty, '');
  const text = join(dir, 'notes.avi');
  writeFileSync(text, 'this is not a video\n'.repeat(50));
  const audio = join(dir, 'audio.wav');
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.2', audio);
  const good = makeVideo(join(dir, 'cut.mp4'), 'testsrc=size=64x48:rate=10', 20, 'libx264', ['-pix_fmt', 'yuv420p']);
  const bytes = readFileSync(good);
  const truncated = join(dir, 'truncated.mp4');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const corrupt = join(dir, 'corrupt.mp4');
  writeFileSync(corrupt, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)));
  const zero = join(dir, 'zero.mkv');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=32x24:rate=10', '-frames:v', '0', '-c:v', 'ffv1', zero);
  const cases: [string, RegExp][] = [
    [zero, /zero\.mkv: /],
    [join(dir, 'missing.mp4'), /missing\.mp4: no such file/],
    [empty, /empty\.mp4: empty file/],
    [text, /notes\.avi: .*Invalid data/],
    [audio, /audio\.wav: no video stream/],
    [truncated, /truncated\.mp4: /],
    [corrupt, /corrupt\.mp4: /],
  ];
  for (const [path, re] of cases) {
    await assert.rejects(readAllFrames(path), (e: Error) => {
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      return true;
    });
  }
});

test('a missing ffmpeg binary is a clear error', async () => {
  const p = makeVideo(join(dir, 'x.avi'), 'color=c=red:size=8x8:rate=5', 1);
  await assert.rejects(openVideo(p, { ffmpeg: join(dir, 'no-such-ffmpeg') }), /cannot run ffmpeg .*ENOENT/);
});

test('frames survive when iteration starts only after ffmpeg has exited (Node drains untouched child stdout)', async () => {
  const p = makeVideo(join(dir, 'late.avi'), 'color=c=blue:size=16x8:rate=10', 3, 'png');
  const reader = await openVideo(p);
  await new Promise((r) => setTimeout(r, 400));
  let n = 0;
  for await (const f of reader) n += f.data.length > 0 ? 1 : 0;
  assert.equal(n, 3);
});
