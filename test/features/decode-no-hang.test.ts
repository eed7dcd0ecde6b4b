/**
 * Regression: `c3d extract` hung (0% CPU, forever) on a folder of many short videos. A decode worker's
 * ffmpeg runs through the spawn relay, which carries its stdout, stderr and exit on one pipe; the relay
 * used to stop reading that pipe while frames sat unread, and openVideo reads the stream header from
 * stderr before anyone reads frames. When a video's first frames reached the relay ahead of its header,
 * neither side could move on (see src/video/spawner.ts). These runs must finish, with every frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clipStarts } from '../../src/features/clips.js';
import { BGR_NO_MEAN } from '../../src/features/convention.js';
import { runExtractJob } from '../../src/features/job.js';
import { runPipeline, type VideoFeatures } from '../../src/features/pipeline.js';
import { resolveFfmpeg } from '../../src/video/ffmpeg.js';
import { RELAY_STDOUT_WINDOW, SpawnRelay } from '../../src/video/spawner.js';
import { makeVideo, tempDir } from '../video/make-videos.js';
import { ChannelMeanBackend } from './test-double-backend.js';

const dir = tempDir('c3d-no-hang-');
const L = 4;
const CLIPS = { clipLength: L, stride: 2 };

/**
 * Fails after `ms` instead of hanging. A hung run keeps its decoder workers referenced, so the test
 * process would never exit: it is ended shortly after the failure has been reported.
 */
async function deadline<T>(run: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      setTimeout(() => process.exit(1), 2000).unref();
      reject(new Error(`${what} did not finish within ${ms / 1000} s: it hangs`));
    }, ms);
  });
  try {
    return await Promise.race([run, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A stand-in for ffmpeg that writes all its frames (12 of 32×24, frame k filled with 10·k) and only
 * then, a moment later, the log with the stream header: the order in which the relay may see a real
 * ffmpeg's two pipes. Deterministically what made the old relay deadlock.
 */
const FAKE_W = 32;
const FAKE_H = 24;
const FAKE_FRAMES = 12;
const fakeFfmpeg = join(dir, 'frames-before-header-ffmpeg.mjs');
writeFileSync(fakeFfmpeg, `#!${process.execPath}
const frameBytes = ${FAKE_W * FAKE_H * 3};
const frames = Buffer.alloc(frameBytes * ${FAKE_FRAMES});
for (let k = 0; k < ${FAKE_FRAMES}; k++) frames.fill(10 * k, k * frameBytes, (k + 1) * frameBytes);
process.stdout.write(frames, () => setTimeout(() => process.stderr.write([
  "Input #0, avi, from 'fake.avi':",
  '  Duration: 00:00:01.20, start: 0.000000, bitrate: 100 kb/s',
  '  Stream #0:0: Video: png (MPNG / 0x474E504D), rgb24, ${FAKE_W}x${FAKE_H}, 10 fps, 10 tbr, 10 tbn',
  "Output #0, rawvideo, to 'pipe:1':",
  '  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(progressive), ${FAKE_W}x${FAKE_H}, q=2-31, 10 fps, 10 tbn',
  '',
].join('\\n')), 50));
`);
chmodSync(fakeFfmpeg, 0o755);
const placeholder = join(dir, 'placeholder.avi'); // openVideo checks that the input exists and is not empty
writeFileSync(placeholder, 'read by the fake ffmpeg only by name');

test('videos whose frames reach the decoder before the stream header all complete, every frame in order', async () => {
  const n = 8;
  const sources = Array.from({ length: n }, (_, i) => ({ id: `v${i}`, path: placeholder, decode: { ffmpeg: fakeFfmpeg } }));
  const done: VideoFeatures[] = [];
  const failed: string[] = [];
  const summary = await deadline(
    runPipeline(sources, new ChannelMeanBackend(L), { layers: ['fc6'], convention: BGR_NO_MEAN, clips: CLIPS, batchSize: 3, jobs: 2 }, {
      onVideoDone: (v) => void done.push(v),
      onVideoFailed: (id, e) => void failed.push(`${id}: ${e.message}`),
    }),
    20_000,
    'runPipeline',
  );
  assert.deepEqual(failed, []);
  assert.equal(summary.done, n);
  const starts = clipStarts(FAKE_FRAMES, CLIPS);
  for (const v of done) {
    assert.equal(v.frames, FAKE_FRAMES, v.id);
    const fc6 = v.layers.get('fc6')!;
    assert.equal(fc6.clips, starts.length, v.id);
    // A constant frame stays constant through resize and crop: a clip's channel means are the mean
    // of its frames' fill values, so lost or reordered frames would show.
    starts.forEach((s, c) => {
      const expected = 10 * (s + (L - 1) / 2);
      for (let ch = 0; ch < 3; ch++) assert.ok(Math.abs(fc6.data[c * 4 + ch] - expected) < 1e-3, `${v.id} clip ${c}: ${fc6.data[c * 4 + ch]} ≠ ${expected}`);
    });
  }
});

test('many short H.264 videos through an extraction job (real ffmpeg, two decoders) all complete', async () => {
  // One tiny video listed under many names: like the demo's folder of 32-frame clips, without encoding each.
  const video = makeVideo(join(dir, 'short.mp4'), 'testsrc=size=86x64:rate=25', 32, 'libx264', ['-pix_fmt', 'yuv420p']);
  const n = 80;
  const inputs = Array.from({ length: n }, (_, i) => ({ id: `v${String(i).padStart(2, '0')}`, path: video }));
  const outDir = join(dir, 'out');
  const summary = await deadline(
    runExtractJob(inputs, new ChannelMeanBackend(16), {
      outDir, format: 'npy', mode: 'video', layers: ['fc6'], convention: BGR_NO_MEAN, clips: { clipLength: 16, stride: 8 }, batchSize: 4, jobs: 2,
    }),
    25_000,
    'runExtractJob',
  );
  assert.deepEqual(summary.failed, []);
  assert.equal(summary.done, n);
  assert.equal(summary.frames, 32 * n);
  const manifest = readFileSync(join(outDir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; clips: number });
  assert.equal(manifest.length, n);
  assert.ok(manifest.every((m) => m.status === 'done' && m.clips === 3));
});

test('a reader that pauses between chunks gets every byte through the relay (acks are never lost)', async () => {
  // Regression: the relay stops at RELAY_STDOUT_WINDOW unacknowledged bytes, and acks were only sent
  // from the stream's _read, which stays pending after a call that found nothing new to acknowledge:
  // `c3d extract` hung on about one video in three (see RelayStdout in src/video/spawner.ts).
  const relay = new SpawnRelay(fileURLToPath(new URL('../../src/video/spawn-relay-child.js', import.meta.url)));
  // 100 raw 320×240 frames from ffmpeg (its pipe-sized writes are what exposed the bug).
  const bytes = 100 * 320 * 240 * 3;
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-frames:v', '100', '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:1'];
  assert.ok(bytes > 16 * RELAY_STDOUT_WINDOW, 'many windows');
  try {
    for (let run = 0; run < 3; run++) {
      const p = relay.spawner(resolveFfmpeg(), args);
      p.stdout.on('readable', () => {}); // as openVideo does
      await new Promise((r) => setTimeout(r, 30)); // the relay fills its window before the reader starts
      let got = 0;
      let seed = 1;
      const read = async (): Promise<void> => {
        for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
          got += chunk.length;
          // Pause after about a third of the chunks, irregularly, as a decoder waiting for credits or the net does.
          seed = (seed * 1103515245 + 12345) % 2147483648;
          if (seed / 2147483648 < 0.3) await new Promise((r) => setImmediate(r));
        }
      };
      await deadline(read(), 20_000, `reading ${bytes} bytes through the relay (run ${run})`);
      assert.equal(got, bytes);
    }
  } finally {
    relay.close();
  }
});
