/** Batch stream: deterministic from (seed, iteration), epoch permutations, batches across epochs, test clips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DatasetError, type ClipsDataset, type VideoDataset } from '../../src/data/dataset.js';
import { buildFrameCache, type FrameCache } from '../../src/data/frame-cache.js';
import { BatchPrefetcher, TestLoader, TrainLoader, type TrainLoaderOptions } from '../../src/data/loader.js';
import { readClip, testClipStarts, testCrop, writeClip } from '../../src/data/sampling.js';
import type { PixelConvention } from '../../src/features/convention.js';
import { makeVideo, tempDir } from '../video/make-videos.js';

const dir = tempDir('c3d-loader-');
const FH = 10;
const FW = 13;
const L = 4;
const CROP = 6;
const lengths = [9, 6, 3, 12, 7];
const videos = lengths.map((n, i) => makeVideo(join(dir, `v${i}.avi`), `testsrc=size=${20 + 2 * i}x16:rate=10`, n, 'png', ['-pix_fmt', 'rgb24']));
const broken = join(dir, 'broken.avi');
writeFileSync(broken, 'not a video');

const dataset: VideoDataset = {
  kind: 'videos',
  classes: ['a', 'b', 'c'],
  items: [...videos.map((path, i) => ({ path, label: i % 3, where: `list.txt:${i + 1}` })), { path: broken, label: 1, where: 'list.txt:6' }],
  origin: 'test videos',
};
const convention: PixelConvention = { channels: 'rgb', mean: { kind: 'pixel', bgr: [100, 110, 120] } };
const baseOpts: TrainLoaderOptions = { batch: 3, length: L, crop: CROP, frameHeight: FH, frameWidth: FW, mirror: true, shuffle: true, seed: 7, convention };

let cachePromise: Promise<FrameCache> | undefined;
function cache(): Promise<FrameCache> {
  cachePromise ??= buildFrameCache([...videos, broken], { dir: join(dir, 'cache'), height: FH, width: FW });
  return cachePromise;
}

function sameBatch(x: ReturnType<TrainLoader['batchAt']>, y: ReturnType<TrainLoader['batchAt']>): boolean {
  return (
    x.clips.data.length === y.clips.data.length &&
    x.clips.data.every((v, i) => v === y.clips.data[i]) &&
    x.labels.every((v, i) => v === y.labels[i]) &&
    JSON.stringify(x.samples) === JSON.stringify(y.samples)
  );
}

test('TrainLoader: failed videos dropped; batchAt is a pure function of (seed, iteration); seeds differ', async () => {
  const c = await cache();
  const loader = new TrainLoader(dataset, c, baseOpts);
  assert.equal(loader.epochSize, 5);
  assert.deepEqual(loader.dropped.map((d) => [d.item, d.where]), [[5, 'list.txt:6']]);
  assert.ok(loader.dropped[0].reason.includes(broken));
  assert.deepEqual(loader.clipShape, [3, L, CROP, CROP]);

  // Call order does not matter: 5, 2, 5 on one loader = 5 on a fresh one.
  const b5 = loader.batchAt(5);
  const b2 = loader.batchAt(2);
  const b5again = loader.batchAt(5);
  const fresh = new TrainLoader(dataset, c, baseOpts);
  assert.ok(sameBatch(b5, b5again));
  assert.ok(sameBatch(b5, fresh.batchAt(5)));
  assert.ok(sameBatch(b2, fresh.batchAt(2)));
  assert.deepEqual(b5.clips.shape, [3, 3, L, CROP, CROP]);
  assert.equal(b5.firstPosition, 15);
  assert.equal(b5.epoch, 3);

  // Another seed: other orders, windows, crops.
  const other = new TrainLoader(dataset, c, { ...baseOpts, seed: 8 });
  let differ = 0;
  for (let i = 0; i < 6; i++) if (!sameBatch(other.batchAt(i), loader.batchAt(i))) differ++;
  assert.equal(differ, 6);

  // Every sample is the clip its (start, crop) says: readClip + writeClip, with labels of its item.
  for (let i = 0; i < 8; i++) {
    const batch = loader.batchAt(i);
    const size = 3 * L * CROP * CROP;
    batch.samples.forEach((s, k) => {
      const item = dataset.items[s.item];
      assert.equal(batch.labels[k], item.label);
      const frames = c.frames(item.path);
      assert.ok(s.start >= 0 && s.start <= Math.max(frames - L, 0), `start ${s.start} of ${frames} frames`);
      assert.ok(s.crop!.y >= 0 && s.crop!.y < FH - CROP && s.crop!.x >= 0 && s.crop!.x < FW - CROP);
      const want = new Float32Array(size);
      writeClip(readClip(c, item.path, s.start, L), FH, FW, s.crop!, convention, want);
      assert.deepEqual(batch.clips.data.subarray(k * size, (k + 1) * size), want);
    });
  }
  // Both flip decisions happen.
  const flips = new Set(Array.from({ length: 10 }, (_, i) => loader.batchAt(i).samples.map((s) => s.crop!.flip)).flat());
  assert.deepEqual([...flips].sort(), [false, true]);
  // mirror off: never flipped.
  const noMirror = new TrainLoader(dataset, c, { ...baseOpts, mirror: false });
  for (let i = 0; i < 10; i++) for (const s of noMirror.batchAt(i).samples) assert.equal(s.crop!.flip, false);
});

test('TrainLoader: each epoch covers every item clipsPerVideo times, reshuffled per epoch; batches cross epochs', async () => {
  const c = await cache();
  const loader = new TrainLoader(dataset, c, { ...baseOpts, batch: 4, clipsPerVideo: 3 });
  assert.equal(loader.epochSize, 15);
  const byEpoch = new Map<number, number[]>();
  // 4 epochs = 60 samples = 15 batches of 4; batch 3 holds positions 12..15 (epochs 0 and 1).
  for (let i = 0; i < 15; i++) {
    const b = loader.batchAt(i);
    for (const s of b.samples) {
      assert.equal(s.epoch, Math.floor(s.position / 15));
      const list = byEpoch.get(s.epoch) ?? [];
      list.push(s.item);
      byEpoch.set(s.epoch, list);
    }
  }
  assert.deepEqual(loader.batchAt(3).samples.map((s) => s.epoch), [0, 0, 0, 1]);
  assert.deepEqual([...byEpoch.keys()], [0, 1, 2, 3]);
  const orders = [...byEpoch.values()];
  for (const items of orders) assert.deepEqual([...items].sort(), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
  assert.equal(new Set(orders.map((o) => o.join())).size, 4, 'a new order every epoch');
  // The three clips of a video in an epoch are drawn independently.
  const e0 = loader.batchAt(0).samples.concat(loader.batchAt(1).samples, loader.batchAt(2).samples, loader.batchAt(3).samples).filter((s) => s.epoch === 0 && s.item === 3);
  assert.equal(e0.length, 3);
  assert.ok(new Set(e0.map((s) => JSON.stringify([s.start, s.crop]))).size > 1);

  // Shuffle off: list order (item-major repeats), every epoch the same.
  const plain = new TrainLoader(dataset, c, { ...baseOpts, batch: 4, shuffle: false, clipsPerVideo: 2 });
  assert.deepEqual(Array.from(plain.epochOrder(0)), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  assert.deepEqual(Array.from(plain.epochOrder(5)), Array.from(plain.epochOrder(0)));
});

test('TrainLoader on preprocessed clips: used as given, file order with shuffle off, batches across epochs', () => {
  const N = 7;
  const shape: ClipsDataset['shape'] = [N, 3, 2, 3, 3];
  const size = 3 * 2 * 3 * 3;
  const clips = Float32Array.from({ length: N * size }, (_, i) => i * 0.5 - 3);
  const ds: ClipsDataset = { kind: 'clips', classes: ['x', 'y'], clips, shape, labels: Int32Array.from({ length: N }, (_, i) => i % 2), origin: 'X.npy' };
  const opts = { ...baseOpts, batch: 3, length: 2, crop: 3, shuffle: false };
  const loader = new TrainLoader(ds, null, opts);
  assert.equal(loader.epochSize, N);
  // Batch 2 = positions 6, 7, 8 = items 6, 0, 1 (across the epoch boundary).
  const b = loader.batchAt(2);
  assert.deepEqual(b.samples.map((s) => s.item), [6, 0, 1]);
  assert.deepEqual(b.samples.map((s) => s.epoch), [0, 1, 1]);
  assert.deepEqual(Array.from(b.labels), [0, 0, 1]);
  assert.deepEqual(b.clips.shape, [3, 3, 2, 3, 3]);
  assert.deepEqual(b.clips.data.subarray(0, size), clips.subarray(6 * size, 7 * size));
  assert.deepEqual(b.clips.data.subarray(size, 3 * size), clips.subarray(0, 2 * size));
  assert.equal(b.samples[0].crop, null);
  // Shuffled: a permutation of the clips, still as given.
  const shuffled = new TrainLoader(ds, null, { ...opts, shuffle: true, batch: 7 });
  const items = shuffled.batchAt(0).samples.map((s) => s.item);
  assert.deepEqual([...items].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.notDeepEqual(items, [0, 1, 2, 3, 4, 5, 6]);
  // Clips of another shape than the net's are refused.
  assert.throws(() => new TrainLoader(ds, null, { ...opts, crop: 4 }), (e: Error) => e instanceof DatasetError && /X\.npy: clips are 3×2×3×3/.test(e.message));
});

test('BatchPrefetcher: next() yields batchAt(i), i = first, first+1, …', async () => {
  const c = await cache();
  const loader = new TrainLoader(dataset, c, baseOpts);
  const pre = new BatchPrefetcher(loader, 4);
  for (let i = 4; i < 8; i++) {
    assert.equal(pre.nextIteration, i);
    const b = await pre.next();
    assert.equal(b.iteration, i);
    assert.ok(sameBatch(b, loader.batchAt(i)));
  }
  // An error in a prefetched batch reaches the caller that asks for it (and nobody else).
  let calls = 0;
  const failing = new BatchPrefetcher({ batchAt: (i: number) => (calls++, i === 1 ? (() => { throw new Error('bad batch'); })() : loader.batchAt(i)) });
  await failing.next();
  await assert.rejects(failing.next(), /bad batch/);
  assert.ok(calls >= 2);
});

test('TrainLoader: bad options and an unusable dataset are clear errors', async () => {
  const c = await cache();
  assert.throws(() => new TrainLoader(dataset, null, baseOpts), /needs a frame cache/);
  assert.throws(() => new TrainLoader(dataset, c, { ...baseOpts, frameHeight: 20 }), /holds 10×13 frames, training uses 20×13/);
  assert.throws(() => new TrainLoader(dataset, c, { ...baseOpts, batch: 0 }), /batch size/);
  assert.throws(() => new TrainLoader(dataset, c, { ...baseOpts, clipsPerVideo: 0 }), /clips per video/);
  const cube: PixelConvention = { channels: 'bgr', mean: { kind: 'cube', shape: [3, L, FH - 1, FW], data: new Float32Array(3 * L * (FH - 1) * FW) } };
  assert.throws(() => new TrainLoader(dataset, c, { ...baseOpts, convention: cube }), /does not cover/);
  const onlyBroken: VideoDataset = { ...dataset, items: [dataset.items[5]] };
  assert.throws(() => new TrainLoader(onlyBroken, c, baseOpts), (e: Error) => e instanceof DatasetError && /all 1 videos failed/.test(e.message));
});

test('TestLoader: evenly spaced centre-crop clips per video, no flip; clips datasets one clip per item', async () => {
  const c = await cache();
  const geometry = { length: L, crop: CROP, frameHeight: FH, frameWidth: FW, convention };
  assert.throws(() => new TestLoader(dataset, c, { ...geometry, batch: 4, clipsPerVideo: 3 }), (e: Error) => e instanceof DatasetError && /list\.txt:6: .*broken\.avi/.test(e.message));
  const withStart: VideoDataset = { ...dataset, items: [...dataset.items.slice(0, 5), { ...dataset.items[0], start: 8, where: 'list.txt:7' }, dataset.items[5]] };
  const tl = new TestLoader(withStart, c, { ...geometry, batch: 4, clipsPerVideo: 3, skipFailed: true });
  assert.deepEqual(tl.dropped.map((d) => d.item), [6]);
  assert.deepEqual(Array.from(tl.items), [0, 1, 2, 3, 4, 5]);
  const expected = [
    ...lengths.flatMap((n, i) => testClipStarts(n, L, 3).map((start) => ({ item: i, start }))),
    { item: 5, start: 5 }, // listed start 8 clamped into the 9-frame video
  ];
  assert.deepEqual(tl.clips, expected);
  assert.equal(tl.batchCount, Math.ceil(16 / 4));
  const crop = testCrop(FH, FW, CROP);
  const size = 3 * L * CROP * CROP;
  let k = 0;
  for (const b of tl.batches()) {
    assert.equal(b.clips.shape[0], b.labels.length);
    for (let r = 0; r < b.labels.length; r++, k++) {
      const want = expected[k];
      assert.equal(b.items[r], want.item);
      assert.equal(b.starts[r], want.start);
      assert.equal(b.labels[r], withStart.items[want.item].label);
      const clip = new Float32Array(size);
      writeClip(readClip(c, withStart.items[want.item].path, want.start, L), FH, FW, crop, convention, clip);
      assert.deepEqual(b.clips.data.subarray(r * size, (r + 1) * size), clip);
    }
  }
  assert.equal(k, 16);
  // One clip per video = the middle clip.
  const middle = new TestLoader(dataset, c, { ...geometry, batch: 10, clipsPerVideo: 1, skipFailed: true });
  assert.deepEqual(middle.clips.map((x) => x.start), lengths.map((n) => Math.floor(Math.max(n - L, 0) / 2)));

  const N = 5;
  const cds: ClipsDataset = { kind: 'clips', classes: ['x', 'y'], clips: Float32Array.from({ length: N * size }, (_, i) => i), shape: [N, 3, L, CROP, CROP], labels: Int32Array.from([1, 0, 1, 1, 0]), origin: 'X.npy' };
  const ctl = new TestLoader(cds, null, { ...geometry, batch: 2, clipsPerVideo: 10 });
  assert.equal(ctl.clips.length, N);
  assert.equal(ctl.batchCount, 3);
  const last = ctl.batchAt(2);
  assert.deepEqual(last.clips.shape, [1, 3, L, CROP, CROP]);
  assert.deepEqual(Array.from(last.items), [4]);
  assert.deepEqual(Array.from(last.labels), [0]);
  assert.deepEqual(last.clips.data, cds.clips.subarray(4 * size));
});
