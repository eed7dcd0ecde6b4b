/**
 * Batches for training and testing.
 *
 * Training sees one endless sample stream: epoch e is a permutation (seeded from (seed, e); the list
 * order with shuffle off) of the usable items, each repeated `clipsPerVideo` times, and the stream is
 * epoch 0, epoch 1, … back to back. Batch i is stream positions [i·B, (i+1)·B), so batches run across
 * epoch boundaries as in Caffe's data layer and a run's position in its data is just its iteration.
 * Every random choice of a sample (window, crop, flip) comes from its own generator seeded with
 * (seed, epoch, index in epoch), so batch i is a pure function of (seed, i): exact resume, prefetching
 * and micro-batching all see the same clips.
 */
import { resolve } from 'node:path';
import type { PixelConvention } from '../features/convention.js';
import { mixSeed, SeededRandom } from '../nn/random.js';
import { Tensor } from '../tensor/tensor.js';
import { DatasetError, itemLabel, type ClipsDataset, type Dataset, type VideoDataset } from './dataset.js';
import type { FrameCache } from './frame-cache.js';
import { clipWindow, readClip, testClipStarts, testCrop, trainCrop, writeClip, type ClipCrop } from './sampling.js';

/** Seed domains, so the epoch permutations and the per-sample draws never share a stream. */
const PERMUTATION_STREAM = 1;
const SAMPLE_STREAM = 2;
/** Epoch permutations kept (a batch spans at most two epochs unless the epoch is tiny). */
const PERMUTATIONS_KEPT = 4;

export interface ClipGeometry {
  /** Frames per clip (16). */
  length: number;
  /** Side of the square crop (112). */
  crop: number;
  /** Size of the cached frames (128 × 171). */
  frameHeight: number;
  frameWidth: number;
  /** Channel order and mean applied to video clips (not to preprocessed clips). */
  convention: PixelConvention;
}

export interface TrainLoaderOptions extends ClipGeometry {
  /** Clips per batch. */
  batch: number;
  /** Random horizontal flip (p = 0.5 per clip). */
  mirror: boolean;
  /** A new item order every epoch; off: list order. */
  shuffle: boolean;
  seed: number;
  /** Times each item appears per epoch (default 1), each time with its own window, crop and flip. */
  clipsPerVideo?: number;
}

/** A listed video left out because it has no frame cache entry. */
export interface DroppedItem {
  /** Item index in the dataset. */
  item: number;
  path: string;
  /** Where it was listed (`list.txt:12`). */
  where: string;
  reason: string;
}

/** Where one sample of a batch came from. */
export interface SampleInfo {
  /** Position in the training stream. */
  position: number;
  epoch: number;
  /** Item index in the dataset. */
  item: number;
  /** First frame of the clip (0 for preprocessed clips). */
  start: number;
  /** Crop and flip (null for preprocessed clips, used as given). */
  crop: ClipCrop | null;
}

export interface TrainBatch {
  iteration: number;
  /** (N, C, L, H, W) clips ready for the net. */
  clips: Tensor;
  labels: Int32Array;
  /** Epoch of the batch's first sample. */
  epoch: number;
  /** Stream positions [first, first + N). */
  firstPosition: number;
  samples: SampleInfo[];
}

function checkPositiveInt(name: string, v: number): void {
  if (!(Number.isSafeInteger(v) && v >= 1)) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

/** Shape of one clip of a dataset once prepared, and the checks that it can be prepared. */
function clipShape(dataset: Dataset, cache: FrameCache | null, g: ClipGeometry): [number, number, number, number] {
  checkPositiveInt('clip length', g.length);
  checkPositiveInt('crop size', g.crop);
  if (dataset.kind === 'clips') {
    const [, C, L, H, W] = dataset.shape;
    if (L !== g.length || H !== g.crop || W !== g.crop) {
      throw new DatasetError(`${dataset.origin}: clips are ${C}×${L}×${H}×${W}, the net takes ${C}×${g.length}×${g.crop}×${g.crop}`);
    }
    return [C, L, H, W];
  }
  if (!cache) throw new Error(`${dataset.origin}: a video dataset needs a frame cache`);
  if (cache.height !== g.frameHeight || cache.width !== g.frameWidth) {
    throw new Error(`frame cache ${cache.dir} holds ${cache.height}×${cache.width} frames, training uses ${g.frameHeight}×${g.frameWidth}`);
  }
  if (g.crop > g.frameHeight || g.crop > g.frameWidth) throw new RangeError(`crop ${g.crop}×${g.crop} does not fit in ${g.frameHeight}×${g.frameWidth} frames`);
  const mean = g.convention.mean;
  if (mean.kind === 'cube') {
    const [C, ML, MH, MW] = mean.shape;
    if (C !== 3 || ML < g.length || MH < g.frameHeight || MW < g.frameWidth) {
      throw new Error(`mean cube ${mean.shape.join('×')} does not cover 3×${g.length}×${g.frameHeight}×${g.frameWidth} clips`);
    }
  }
  return [3, g.length, g.crop, g.crop];
}

/** Items of a video dataset that have a cache entry, and the ones that do not. */
function usableItems(dataset: VideoDataset, cache: FrameCache): { kept: number[]; dropped: DroppedItem[] } {
  const reasons = new Map(cache.failures.map((f) => [resolve(f.path), f.reason]));
  const kept: number[] = [];
  const dropped: DroppedItem[] = [];
  dataset.items.forEach((it, i) => {
    if (cache.has(it.path)) kept.push(i);
    else dropped.push({ item: i, path: it.path, where: it.where, reason: reasons.get(resolve(it.path)) ?? `${it.path}: not in the frame cache` });
  });
  return { kept, dropped };
}

/** Training batches: see the module comment. */
export class TrainLoader {
  /** Samples per epoch: usable items × clipsPerVideo. */
  readonly epochSize: number;
  /** Items left out (their video failed to decode); the training loop lists them. */
  readonly dropped: readonly DroppedItem[];
  /** Shape of one prepared clip (C, L, H, W). */
  readonly clipShape: readonly [number, number, number, number];
  private readonly kept: Int32Array;
  private readonly repeat: number;
  private readonly permutations = new Map<number, Int32Array>();
  private frameBuf: Uint8Array | undefined;

  constructor(
    readonly dataset: Dataset,
    private readonly cache: FrameCache | null,
    private readonly opts: TrainLoaderOptions,
  ) {
    checkPositiveInt('batch size', opts.batch);
    this.repeat = opts.clipsPerVideo ?? 1;
    checkPositiveInt('clips per video', this.repeat);
    if (!Number.isSafeInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
    this.clipShape = clipShape(dataset, cache, opts);
    if (dataset.kind === 'videos') {
      const { kept, dropped } = usableItems(dataset, cache!);
      this.kept = Int32Array.from(kept);
      this.dropped = dropped;
    } else {
      this.kept = Int32Array.from({ length: dataset.labels.length }, (_, i) => i);
      this.dropped = [];
    }
    this.epochSize = this.kept.length * this.repeat;
    if (this.epochSize === 0) {
      throw new DatasetError(`${dataset.origin}: no usable items${this.dropped.length ? ` (all ${this.dropped.length} videos failed to decode)` : ''}`);
    }
  }

  /**
   * Item of every position of epoch `e`: the usable items, each `clipsPerVideo` times (item-major:
   * i, i, j, j, …), shuffled with a generator seeded from (seed, e) unless shuffle is off.
   */
  epochOrder(e: number): Int32Array {
    let p = this.permutations.get(e);
    if (p) return p;
    p = new Int32Array(this.epochSize);
    for (let i = 0; i < p.length; i++) p[i] = this.kept[Math.floor(i / this.repeat)];
    if (this.opts.shuffle) {
      const rng = new SeededRandom(mixSeed(this.opts.seed, PERMUTATION_STREAM, e));
      for (let i = p.length - 1; i > 0; i--) {
        const j = Math.floor(rng.uniform() * (i + 1));
        const t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
    }
    if (this.permutations.size >= PERMUTATIONS_KEPT) this.permutations.delete(this.permutations.keys().next().value as number);
    this.permutations.set(e, p);
    return p;
  }

  /**
   * Batch `iteration` (stream positions [iteration·B, (iteration+1)·B)), a pure function of (seed,
   * iteration). `out` (N·C·L·H·W floats) is filled instead of a fresh array when given.
   */
  batchAt(iteration: number, out?: Float32Array): TrainBatch {
    if (!(Number.isSafeInteger(iteration) && iteration >= 0)) throw new RangeError(`iteration must be a non-negative integer, got ${iteration}`);
    const B = this.opts.batch;
    const [C, L, H, W] = this.clipShape;
    const clipSize = C * L * H * W;
    const data = out ?? new Float32Array(B * clipSize);
    if (data.length !== B * clipSize) throw new RangeError(`batch output has ${data.length} floats, expected ${B}×${C}×${L}×${H}×${W}`);
    const labels = new Int32Array(B);
    const samples: SampleInfo[] = [];
    const first = iteration * B;
    for (let b = 0; b < B; b++) {
      const position = first + b;
      const epoch = Math.floor(position / this.epochSize);
      const index = position - epoch * this.epochSize;
      const item = this.epochOrder(epoch)[index];
      labels[b] = itemLabel(this.dataset, item);
      const rng = new SeededRandom(mixSeed(this.opts.seed, SAMPLE_STREAM, epoch, index));
      const s = this.writeSample(item, rng, data, b * clipSize);
      samples.push({ position, epoch, item, ...s });
    }
    return { iteration, clips: new Tensor([B, C, L, H, W], data), labels, epoch: samples[0].epoch, firstPosition: first, samples };
  }

  /** Writes one sample; returns its window and crop. */
  private writeSample(item: number, rng: SeededRandom, out: Float32Array, offset: number): { start: number; crop: ClipCrop | null } {
    const ds = this.dataset;
    if (ds.kind === 'clips') {
      copyClip(ds, item, out, offset);
      return { start: 0, crop: null };
    }
    const o = this.opts;
    const it = ds.items[item];
    const cache = this.cache!;
    const start = clipWindow(cache.frames(it.path), o.length, it.start ?? rng);
    const crop = trainCrop(o.frameHeight, o.frameWidth, o.crop, rng, o.mirror);
    this.frameBuf ??= new Uint8Array(o.length * cache.frameBytes);
    readClip(cache, it.path, start, o.length, this.frameBuf);
    writeClip(this.frameBuf, o.frameHeight, o.frameWidth, crop, o.convention, out, offset);
    return { start, crop };
  }
}

/** Copies preprocessed clip `i` as given. */
function copyClip(ds: ClipsDataset, i: number, out: Float32Array, offset: number): void {
  const [, C, L, H, W] = ds.shape;
  const n = C * L * H * W;
  out.set(ds.clips.subarray(i * n, (i + 1) * n), offset);
}

/**
 * Prefetching: `next()` returns batch i and starts preparing batch i+1 on the main thread, which then
 * overlaps with the training step (that runs on worker threads) while the loop awaits it. Batches are
 * fresh arrays, so a batch stays valid however long the caller keeps it.
 */
export class BatchPrefetcher {
  private pending: { iteration: number; batch: Promise<TrainBatch> } | undefined;

  constructor(
    private readonly loader: Pick<TrainLoader, 'batchAt'>,
    /** Iteration of the first `next()` (a resumed run's iteration). */
    private iteration = 0,
  ) {}

  /** Iteration of the batch the next `next()` returns. */
  get nextIteration(): number {
    return this.iteration;
  }

  /** The batch of the current iteration; starts preparing the following one. */
  next(): Promise<TrainBatch> {
    const i = this.iteration++;
    const current = this.pending?.iteration === i ? this.pending.batch : this.prepare(i);
    this.pending = { iteration: i + 1, batch: this.prepare(i + 1) };
    return current;
  }

  /** Prepared on a later turn of the event loop, so the caller's step gets going first. */
  private prepare(i: number): Promise<TrainBatch> {
    const p = new Promise<TrainBatch>((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(this.loader.batchAt(i));
        } catch (e) {
          reject(e);
        }
      });
    });
    // A prefetched batch nobody asks for (the run ended) must not become an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }
}

export interface TestLoaderOptions extends ClipGeometry {
  /** Clips per batch. */
  batch: number;
  /** Evenly spaced clips per video (paper Table 2: 10; 1 = the middle clip). Default 10. */
  clipsPerVideo?: number;
  /**
   * Leave out videos without a cache entry instead of failing (Caffe's test phase treats an
   * unreadable clip as fatal; the default does too).
   */
  skipFailed?: boolean;
}

/** One test clip: a dataset item and the clip's first frame. */
export interface TestClip {
  item: number;
  start: number;
}

export interface TestBatch {
  /** (N, C, L, H, W); the last batch may be shorter than the batch size. */
  clips: Tensor;
  labels: Int32Array;
  /** Dataset item of each clip (to average the clips of a video). */
  items: Int32Array;
  starts: Int32Array;
}

/**
 * Test clips: per video, `clipsPerVideo` evenly spaced windows (testClipStarts), centre crop, no
 * flip; an item with a listed start (a Caffe list line) is that one clip; each preprocessed clip is
 * its own item. Clips of a video are consecutive, videos in list order.
 */
export class TestLoader {
  readonly clips: readonly TestClip[];
  /** Items evaluated (in order), and the ones left out with `skipFailed`. */
  readonly items: Int32Array;
  readonly dropped: readonly DroppedItem[];
  readonly clipShape: readonly [number, number, number, number];
  private frameBuf: Uint8Array | undefined;

  constructor(
    readonly dataset: Dataset,
    private readonly cache: FrameCache | null,
    private readonly opts: TestLoaderOptions,
  ) {
    checkPositiveInt('batch size', opts.batch);
    const count = opts.clipsPerVideo ?? 10;
    checkPositiveInt('clips per video', count);
    this.clipShape = clipShape(dataset, cache, opts);
    const clips: TestClip[] = [];
    if (dataset.kind === 'clips') {
      for (let i = 0; i < dataset.labels.length; i++) clips.push({ item: i, start: 0 });
      this.items = Int32Array.from({ length: dataset.labels.length }, (_, i) => i);
      this.dropped = [];
    } else {
      const { kept, dropped } = usableItems(dataset, cache!);
      if (dropped.length && !opts.skipFailed) {
        const more = dropped.length > 1 ? ` (and ${dropped.length - 1} more)` : '';
        throw new DatasetError(`${dropped[0].where}: ${dropped[0].reason}${more}`);
      }
      for (const i of kept) {
        const it = dataset.items[i];
        const frames = cache!.frames(it.path);
        const starts = it.start !== undefined ? [clipWindow(frames, opts.length, it.start)] : testClipStarts(frames, opts.length, count);
        for (const start of starts) clips.push({ item: i, start });
      }
      this.items = Int32Array.from(kept);
      this.dropped = dropped;
    }
    this.clips = clips;
  }

  /** Number of batches. */
  get batchCount(): number {
    return Math.ceil(this.clips.length / this.opts.batch);
  }

  /** Batch `b`: clips [b·B, min((b+1)·B, total)). */
  batchAt(b: number): TestBatch {
    if (!(Number.isSafeInteger(b) && b >= 0 && b < this.batchCount)) throw new RangeError(`test batch ${b} is outside [0, ${this.batchCount})`);
    const B = this.opts.batch;
    const part = this.clips.slice(b * B, (b + 1) * B);
    const [C, L, H, W] = this.clipShape;
    const clipSize = C * L * H * W;
    const data = new Float32Array(part.length * clipSize);
    const ds = this.dataset;
    part.forEach((c, k) => {
      if (ds.kind === 'clips') return copyClip(ds, c.item, data, k * clipSize);
      const o = this.opts;
      const cache = this.cache!;
      this.frameBuf ??= new Uint8Array(o.length * cache.frameBytes);
      readClip(cache, ds.items[c.item].path, c.start, o.length, this.frameBuf);
      writeClip(this.frameBuf, o.frameHeight, o.frameWidth, testCrop(o.frameHeight, o.frameWidth, o.crop), o.convention, data, k * clipSize);
    });
    return {
      clips: new Tensor([part.length, C, L, H, W], data),
      labels: Int32Array.from(part, (c) => itemLabel(ds, c.item)),
      items: Int32Array.from(part, (c) => c.item),
      starts: Int32Array.from(part, (c) => c.start),
    };
  }

  /** Every batch in order. */
  *batches(): Generator<TestBatch> {
    for (let b = 0; b < this.batchCount; b++) yield this.batchAt(b);
  }
}
