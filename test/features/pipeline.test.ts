/** The extraction engine with a test-double net: batching across videos, clip order, failures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { clipStarts } from '../../src/features/clips.js';
import { BGR_NO_MEAN } from '../../src/features/convention.js';
import { runPipeline, type VideoFeatures, type VideoSource } from '../../src/features/pipeline.js';
import { clipToInput, FramePreparer } from '../../src/features/preprocess.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { openVideo, readAllFrames } from '../../src/video/decode.js';
import { makeVideo, tempDir } from '../video/make-videos.js';
import { ChannelMeanBackend } from './test-double-backend.js';

const dir = tempDir('c3d-pipeline-');
const L = 4; // short clips keep the test fast; the engine is generic in the clip length
const CLIPS = { clipLength: L, stride: 2 };

const videos = {
  long: makeVideo(join(dir, 'long.avi'), 'testsrc=size=64x48:rate=10', 13),
  mid: makeVideo(join(dir, 'mid.avi'), 'mandelbrot=size=40x30:rate=10', 6),
  short: makeVideo(join(dir, 'short.avi'), 'color=c=blue:size=20x20:rate=10', 2),
};

/** Frames prepared on the main thread (`open`) or, by path, in decode worker threads. */
function source(id: string, path: string, mode: 'thread' | 'worker' = 'thread'): VideoSource {
  return mode === 'worker' ? { id, path } : { id, open: () => openVideo(path) };
}

/** fc6 of every clip computed without the engine: decode all, cut with clipStarts, one clip per call. */
async function expectedFc6(path: string): Promise<number[][]> {
  const prep = new FramePreparer();
  const frames = (await readAllFrames(path)).map((f) => prep.prepare(f));
  const net = new ChannelMeanBackend(L);
  const out: number[][] = [];
  for (const s of clipStarts(frames.length, CLIPS)) {
    const clip = Array.from({ length: L }, (_, k) => frames[Math.min(s + k, frames.length - 1)]);
    const input = new Float32Array(3 * L * 112 * 112);
    clipToInput(clip, BGR_NO_MEAN, input);
    const r = await net.run(new Tensor([1, 3, L, 112, 112], input), ['fc6']);
    out.push(Array.from(r.get('fc6')!.data));
  }
  return out;
}

for (const mode of ['thread', 'worker'] as const) {
test(`clips from several videos share full batches; each video gets its clips in order (${mode})`, async () => {
  const net = new ChannelMeanBackend(L);
  const done: VideoFeatures[] = [];
  const summary = await runPipeline(
    [source('long', videos.long, mode), source('mid', videos.mid, mode), source('short', videos.short, mode)],
    net,
    { layers: ['fc6', 'prob'], convention: BGR_NO_MEAN, clips: CLIPS, batchSize: 3, jobs: 2 },
    { onVideoDone: (v) => void done.push(v) },
  );
  // clips: long 13 frames -> starts 0,2,…,8 = 5; mid 6 -> 0,2 = 2; short 2 frames -> 1 padded clip.
  assert.deepEqual(summary, { ...summary, done: 3, failed: 0, clips: 8, frames: 21 });
  assert.deepEqual(net.batches.slice(0, -1), [3, 3], 'every batch but the last is full');
  assert.equal(net.batches.reduce((a, b) => a + b, 0), 8);
  for (const [id, path] of Object.entries(videos)) {
    const v = done.find((d) => d.id === id)!;
    const fc6 = v.layers.get('fc6')!;
    const expected = await expectedFc6(path);
    assert.equal(fc6.clips, expected.length, id);
    assert.equal(fc6.dim, 4);
    expected.forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(fc6.data[i * 4 + j] - x) < 1e-4, `${id} clip ${i} dim ${j}`)));
    assert.equal(v.layers.get('prob')!.dim, 3);
  }
});
}

for (const mode of ['thread', 'worker'] as const) {
test(`a failing video is reported and skipped; the others complete (${mode})`, async () => {
  const failed: string[] = [];
  const done: string[] = [];
  const summary = await runPipeline(
    [source('missing', join(dir, 'nope.avi'), mode), source('mid', videos.mid, mode), source('short', videos.short, mode)],
    new ChannelMeanBackend(L),
    { layers: ['fc6'], convention: BGR_NO_MEAN, clips: CLIPS, batchSize: 2, jobs: 1 },
    { onVideoDone: (v) => void done.push(v.id), onVideoFailed: (id, e) => void failed.push(`${id}: ${e.message}`) },
  );
  assert.equal(summary.failed, 1);
  assert.match(failed[0], /^missing: .*nope\.avi: no such file/);
  assert.deepEqual(done.sort(), ['mid', 'short']);
});
}

test('unknown layers and a clip length the net does not take are rejected up front', async () => {
  const net = new ChannelMeanBackend(L);
  await assert.rejects(runPipeline([], net, { layers: ['fc9'], convention: BGR_NO_MEAN, clips: CLIPS }), /layer 'fc9' is not an output of this net \(has: fc6, prob\)/);
  await assert.rejects(runPipeline([], net, { layers: ['fc6'], convention: BGR_NO_MEAN }), /does not match 3×16×112×112/);
});

for (const mode of ['thread', 'worker'] as const) {
test(`a failing net stops the run with its error (${mode})`, async () => {
  const net = new ChannelMeanBackend(L);
  net.run = async () => {
    throw new Error('out of memory');
  };
  await assert.rejects(
    runPipeline([source('long', videos.long, mode), source('mid', videos.mid, mode), source('short', videos.short, mode)], net, { layers: ['fc6'], convention: BGR_NO_MEAN, clips: CLIPS, batchSize: 2 }),
    /out of memory/,
  );
});
}

test('extract(): library API on a path, on in-memory frames, per clip and as a descriptor', async () => {
  const { extract } = await import('../../src/features/extract.js');
  const net = new ChannelMeanBackend(L);
  const byPath = await extract(videos.long, { backend: net, clips: CLIPS, mode: 'clips', layers: ['fc6', 'prob'] });
  assert.deepEqual(byPath.get('fc6')!.shape, [5, 4]);
  assert.deepEqual(byPath.get('prob')!.shape, [5, 3]);
  const frames = await readAllFrames(videos.long);
  const byFrames = await extract(frames, { backend: net, clips: CLIPS, mode: 'clips' });
  assert.deepEqual(Array.from(byFrames.get('fc6')!.data), Array.from(byPath.get('fc6')!.data));
  const desc = await extract(frames, { backend: net, clips: CLIPS });
  assert.deepEqual(desc.get('fc6')!.shape, [4]);
  await assert.rejects(extract(join(dir, 'nope.avi'), { backend: net, clips: CLIPS }), /no such file/);
  await assert.rejects(extract([], { backend: net, clips: CLIPS }), /no video frames/);
});

test('extractClips(): per-clip features stream out in order; breaking early stops the video', async () => {
  const { extract, extractClips } = await import('../../src/features/extract.js');
  const net = new ChannelMeanBackend(L);
  const all = await extract(videos.long, { backend: net, clips: CLIPS, mode: 'clips' });
  const seen: number[] = [];
  for await (const c of extractClips(videos.long, { backend: net, clips: CLIPS, batchSize: 2 })) {
    seen.push(c.index);
    assert.deepEqual(Array.from(c.features.get('fc6')!), Array.from(all.get('fc6')!.data.subarray(c.index * 4, c.index * 4 + 4)));
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  let n = 0;
  for await (const _ of extractClips(videos.long, { backend: net, clips: CLIPS, batchSize: 1 })) if (++n === 2) break;
  assert.equal(n, 2);
  await assert.rejects(async () => {
    for await (const _ of extractClips(join(dir, 'nope.avi'), { backend: net, clips: CLIPS })) void _;
  }, /no such file/);
});

test('with no spare core (decoders gated by the net), two runs in a row reuse the decoders and match the reference', async () => {
  // A net that says it fills every core: the pipeline then holds decoders back during its passes
  // (decode-gate.test.ts checks the gate itself).
  class BusyNet extends ChannelMeanBackend {
    readonly threads = availableParallelism();
    override async run(clips: Tensor, outputs: readonly string[]): Promise<Map<string, Tensor>> {
      await new Promise((r) => setTimeout(r, 20));
      return super.run(clips, outputs);
    }
  }
  for (let round = 0; round < 2; round++) {
    const done: VideoFeatures[] = [];
    const summary = await runPipeline(
      [source('long', videos.long, 'worker'), source('mid', videos.mid, 'worker'), source('short', videos.short, 'worker')],
      new BusyNet(L),
      { layers: ['fc6'], convention: BGR_NO_MEAN, clips: CLIPS, batchSize: 2, jobs: 2 },
      { onVideoDone: (v) => void done.push(v) },
    );
    assert.deepEqual(summary, { ...summary, done: 3, failed: 0, clips: 8, frames: 21 }, `round ${round}`);
    for (const [id, path] of Object.entries(videos)) {
      const fc6 = done.find((d) => d.id === id)!.layers.get('fc6')!;
      const expected = await expectedFc6(path);
      expected.forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(fc6.data[i * 4 + j] - x) < 1e-4, `round ${round} ${id} clip ${i}`)));
    }
  }
});
