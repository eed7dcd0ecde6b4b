/** Parsing ffmpeg's stderr (the bundled build has no ffprobe), on real logs of ffmpeg 4.1 and 5.1. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastErrorLine, parseInputInfo, parseOutputInfo } from '../../src/video/ffmpeg-log.js';

const FFMPEG_41 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'rot.mp4':
  Duration: 00:00:01.20, start: 0.000000, bitrate: 24 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 64x48 [SAR 1:1 DAR 4:3], 16 kb/s, 25 fps, 25 tbr, 12800 tbn, 50 tbc (default)
    Metadata:
      rotate          : 270
    Side data:
      displaymatrix: rotation of 90.00 degrees
Stream mapping:
  Stream #0:0 -> #0:0 (h264 (native) -> rawvideo (native))
Output #0, rawvideo, to 'pipe:':
    Stream #0:0(und): Video: rawvideo (BGR[24] / 0x18524742), bgr24, 48x64 [SAR 1:1 DAR 3:4], q=2-31, 1843 kb/s, 25 fps, 25 tbn, 25 tbc (default)
`;

const FFMPEG_51 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
  Duration: 00:10:00.04, start: 0.000000, bitrate: 24 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 16 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
Output #0, rawvideo, to 'pipe:':
  Stream #0:0(und): Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, gbr/unknown/unknown, progressive), 1920x1080 [SAR 1:1 DAR 16:9], q=2-31, 1843 kb/s, 29.97 fps, 29.97 tbn (default)
`;

test('input info: duration, codec, pixel format, frame rate', () => {
  assert.deepEqual(parseInputInfo(FFMPEG_41), { duration: 1.2, codec: 'h264', pixelFormat: 'yuv420p', fps: 25 });
  assert.deepEqual(parseInputInfo(FFMPEG_51), { duration: 600.04, codec: 'h264', pixelFormat: 'yuv420p', fps: 29.97 });
});

test('output size is the rotated one; unknown until the Output section is printed', () => {
  assert.deepEqual(parseOutputInfo(FFMPEG_41), { width: 48, height: 64 });
  assert.deepEqual(parseOutputInfo(FFMPEG_51), { width: 1920, height: 1080 });
  assert.equal(parseOutputInfo(FFMPEG_41.slice(0, FFMPEG_41.indexOf('Output #0'))), undefined);
});

test('the last error line skips progress lines and hints', () => {
  const log = "x.mp4: Invalid data found when processing input\nframe=   10 fps=0.0\n";
  assert.equal(lastErrorLine(log), 'x.mp4: Invalid data found when processing input');
  assert.equal(lastErrorLine("Stream map '0:v:0' matches no streams.\nTo ignore this, add a trailing '?' to the map.\n"), 'no video stream');
  assert.equal(lastErrorLine(''), 'ffmpeg failed without a message');
});
