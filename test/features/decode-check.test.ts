/** Telling a whole decode from a truncated or damaged one: the verdict, AVI header counts, ffmpeg's error lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDecode, TRUNCATED_RATIO } from '../../src/features/decode-check.js';
import { aviDeclaredFrames, parseAviHeader } from '../../src/video/avi-header.js';
import { openVideo } from '../../src/video/decode.js';
import { errorMessage, stripLogLevels } from '../../src/video/ffmpeg-log.js';
import { makeVideo, tempDir } from '../video/make-videos.js';

const dir = tempDir('c3d-decode-check-');
const none = { count: 0, messages: [] };

test('checkDecode: short of the declared frames is truncated, errors alone are decode-error, else ok', () => {
  assert.equal(TRUNCATED_RATIO, 0.9);
  assert.deepEqual(checkDecode('v.avi', 100, undefined), { status: 'ok' });
  assert.deepEqual(checkDecode('v.avi', 100, { declaredFrames: 100, errors: none }), { status: 'ok' });
  assert.deepEqual(checkDecode('v.avi', 91, { declaredFrames: 100, errors: none }), { status: 'ok' }, 'headers are approximate');
  assert.deepEqual(checkDecode('v.avi', 16, { errors: none }), { status: 'ok' }, 'no declared count, no errors');
  const t = checkDecode('v.avi', 16, { declaredFrames: 795, errors: { count: 5, messages: ['mpeg4: ac-tex damaged at 9 4'] } });
  assert.equal(t.status, 'truncated');
  assert.equal((t as { message: string }).message, 'v.avi: decoded 16 of the 795 frames its header declares; ffmpeg: mpeg4: ac-tex damaged at 9 4 (5 errors)');
  const e = checkDecode('v.mp4', 300, { declaredFrames: 300, errors: { count: 1, messages: ['h264: Invalid NAL unit size'] } });
  assert.deepEqual(e, { status: 'decode-error', message: 'v.mp4: ffmpeg reported an error while decoding 300 frames: h264: Invalid NAL unit size' });
});

test('ffmpeg error lines of a level-tagged log; tags stripped for the parsers', () => {
  assert.equal(errorMessage('[mpeg4 @ 0x38ef8040] [error] ac-tex damaged at 17 5'), 'mpeg4: ac-tex damaged at 17 5');
  assert.equal(errorMessage('[error] cut.mp4: Invalid data found when processing input'), 'cut.mp4: Invalid data found when processing input');
  assert.equal(errorMessage('[h264 @ 0x1a2a8780] [error] Invalid NAL unit size (470 > 149).'), 'h264: Invalid NAL unit size (470 > 149)');
  assert.equal(errorMessage('[mpeg4 @ 0x38ef8040] [info] concealing 200 DC, 200 AC, 200 MV errors in I frame'), undefined);
  assert.equal(errorMessage('[warning] cut.mp4: corrupt input packet in stream 0'), undefined);
  assert.equal(errorMessage('Error while decoding stream #0:0 (no tag)'), undefined);
  assert.equal(stripLogLevels('[info]   Duration: 00:00:08.92, start: 0.000000\n[avi @ 0x1] [error] x\n'), '  Duration: 00:00:08.92, start: 0.000000\n[avi @ 0x1] x\n');
});

test('an AVI header declares its frame count, also when the file is cut; other files declare none', async () => {
  const whole = makeVideo(join(dir, 'whole.avi'), 'testsrc=size=32x24:rate=25', 120, 'mpeg4');
  const bytes = readFileSync(whole);
  const cut = join(dir, 'cut.avi');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 4)));
  assert.deepEqual(await aviDeclaredFrames(whole), { frames: 120, fps: 25 });
  assert.deepEqual(await aviDeclaredFrames(cut), { frames: 120, fps: 25 });
  const mp4 = makeVideo(join(dir, 'v.mp4'), 'testsrc=size=32x24:rate=25', 10, 'libx264', ['-pix_fmt', 'yuv420p']);
  assert.equal(await aviDeclaredFrames(mp4), undefined);
  assert.equal(await aviDeclaredFrames(join(dir, 'missing.avi')), undefined);
  assert.equal(parseAviHeader(Buffer.from('RIFF\0\0\0\0AVI ')), undefined);

  // Decoding the cut file: the reader reports the declared count and ffmpeg's errors.
  const reader = await openVideo(cut);
  assert.equal(reader.info.declaredFrames, 120);
  let frames = 0;
  for await (const _ of reader) frames++;
  assert.ok(frames > 0 && frames < 0.9 * 120, `${frames} frames`);
  assert.equal(checkDecode(cut, frames, { declaredFrames: reader.info.declaredFrames, errors: reader.errors }).status, 'truncated');
  // --fps resampling scales the declared count to the new rate.
  const resampled = await openVideo(whole, { fps: 5 });
  resampled.close();
  assert.equal(resampled.info.declaredFrames, 24);
});
