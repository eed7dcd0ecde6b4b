/**
 * The extraction engine: decodes several videos at once (`jobs`), cuts their frames into clips, and
 * feeds the net full batches made of clips from any video, so the net never idles on a short video.
 * Videos given by path are decoded and preprocessed in worker threads (src/features/decode-worker.ts):
 * onnxruntime-node blocks the main thread during a forward pass, so only other threads can prepare the
 * next batch. They come from a pool kept between runs (decoder-pool.ts), and when the net's threads
 * fill every core they wait while it runs (decode-gate.ts). Frames given as streams are prepared on
 * the main thread.
 * Only the frames of open clips, a bounded number of prepared clips and each unfinished video's
 * per-clip features are held: a 10-minute video streams through.
 *
 * The backend is injected, so the engine is independent of how the net is built.
 */
import { availableParallelism } from 'node:os';
import type { Backend } from '../runtime/backend.js';
import { Tensor } from '../tensor/tensor.js';
import type { DecodeErrors, DecodeOptions } from '../video/decode.js';
import type { Image8 } from '../video/resize.js';
import type { ClipFeatures } from './aggregate.js';
import { ClipQueue } from './clip-queue.js';
import { DecodeGate } from './decode-gate.js';
import { ClipAssembler, PAPER_CLIPS, type ClipOptions } from './clips.js';
import type { PixelConvention } from './convention.js';
import type { DecodeJob } from './decode-worker.js';
import type { DecodeReport } from './decode-check.js';
import { acquireDecoder, discardDecoder, releaseDecoder, type DecoderHandle } from './decoder-pool.js';
import { C3D_GEOMETRY, clipToInput, FramePreparer, type FrameGeometry } from './preprocess.js';

/**
 * Clips per forward pass by default. 4, not more: on a CPU a bigger batch is not faster (the convs are
 * parallel within a clip), while the activations grow with it — full C3D peaks at 1.17 GiB RSS with 4,
 * 1.64 GiB with 8 (onnxruntime, measured), and the target is ≤ 1.5 GiB for the whole extraction.
 */
export const DEFAULT_BATCH = 4;

/** A stream of decoded BGR frames; `close` stops the decoder early. */
export interface FrameStream extends AsyncIterable<Image8> {
  /** From the container, when known (a VideoReader of openVideo has both). */
  info?: { estimatedFrames?: number; declaredFrames?: number };
  /** ffmpeg's error lines (a VideoReader has them): with declaredFrames, checked by decode-check.ts. */
  errors?: DecodeErrors;
  close?(): void;
}

/**
 * One video to process: `id` names it in outputs and the manifest (e.g. its relative path). Either a
 * `path` (file or frames directory, decoded by ffmpeg in a worker thread) or an `open` function giving
 * frames (prepared on the main thread).
 */
export interface VideoSource {
  id: string;
  path?: string;
  decode?: DecodeOptions;
  open?(): Promise<FrameStream>;
}

export interface PipelineOptions {
  /** Blobs to return per clip (backend output names, e.g. fc6, fc7, pool5, prob). */
  layers: readonly string[];
  convention: PixelConvention;
  clips?: ClipOptions;
  /** Clips per forward pass (default DEFAULT_BATCH = 4). */
  batchSize?: number;
  /** Videos decoded concurrently (default 2). */
  jobs?: number;
  geometry?: FrameGeometry;
  /**
   * Let decode threads run during forward passes. Default: only when the net leaves a core free
   * (`backend.threads` < cores); otherwise they prepare the next batch between passes (decode-gate.ts).
   */
  decodeDuringForward?: boolean;
}

/** Per-clip features of one finished video, layer by layer (clips × dim, dim = flattened blob). */
export interface VideoFeatures {
  id: string;
  frames: number;
  clips: number;
  layers: Map<string, ClipFeatures>;
  /** Wall time from opening the video to its last clip's forward pass. */
  seconds: number;
  /** Declared frames and ffmpeg's errors, for videos decoded from a path (see decode-check.ts). */
  decode?: DecodeReport;
}

export interface PipelineEvents {
  /** A video started decoding (estimatedFrames from the container, when known). */
  onVideoStart?(id: string, estimatedFrames: number | undefined): void;
  /** All clips of a video went through the net. Awaited (write outputs here). */
  onVideoDone?(v: VideoFeatures): void | Promise<void>;
  /** Decoding failed (missing, corrupt, truncated, unsupported, no frames). The batch goes on. Awaited. */
  onVideoFailed?(id: string, error: Error, info: { frames: number; seconds: number }): void | Promise<void>;
  /** After each forward pass, with the number of clips in it. */
  onBatch?(clips: number): void;
  /** Each clip's features as soon as its batch is through (a video's clips come in order). Awaited. */
  onClip?(id: string, index: number, features: Map<string, Float32Array>): void | Promise<void>;
  /** Frames decoded (reported in small steps), and whose. */
  onFrames?(frames: number, id: string): void;
}

export interface PipelineSummary {
  done: number;
  failed: number;
  clips: number;
  frames: number;
  forwardSeconds: number;
}

interface VideoState {
  source: VideoSource;
  start: number;
  frames: number;
  totalClips: number | undefined;
  received: number;
  failed: boolean;
  finished: boolean;
  decode?: DecodeReport;
  rows: Map<string, Float32Array[]>;
  dims: Map<string, number>;
}

interface QueuedClip {
  video: VideoState;
  index: number;
  /** The preprocessed clip, C×L×H×W. */
  input: Float32Array;
  /** Called once the clip is copied into a batch (returns a flow-control credit to its worker). */
  release?(): void;
}

type WorkerMessage =
  | { type: 'start'; seq: number; estimatedFrames?: number }
  | { type: 'clip'; seq: number; index: number; data: Float32Array; frames: number }
  | { type: 'end'; seq: number; frames: number; clips: number; report?: DecodeReport }
  | { type: 'error'; seq: number; message: string; frames: number };

/**
 * Runs every source through the net; per-video results go to `events.onVideoDone` as soon as the
 * video's last clip is through. A video that fails to decode is reported via `onVideoFailed` and the
 * rest go on; an error of the net itself stops everything (rejects).
 */
export async function runPipeline(
  sources: readonly VideoSource[],
  backend: Backend,
  opts: PipelineOptions,
  events: PipelineEvents = {},
): Promise<PipelineSummary> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const jobs = opts.jobs ?? 2;
  const clipOpts = opts.clips ?? PAPER_CLIPS;
  const geometry = opts.geometry ?? C3D_GEOMETRY;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`--batch must be a positive integer, got ${batchSize}`);
  if (!Number.isSafeInteger(jobs) || jobs < 1) throw new RangeError(`--jobs must be a positive integer, got ${jobs}`);
  if (opts.layers.length === 0) throw new Error('no layers requested');
  for (const l of opts.layers) {
    if (!backend.outputNames.includes(l)) throw new Error(`layer '${l}' is not an output of this net (has: ${backend.outputNames.join(', ')})`);
  }
  const [C, L, H, W] = backend.inputShape;
  if (C !== 3 || L !== clipOpts.clipLength || H !== geometry.cropSize || W !== geometry.cropSize) {
    throw new Error(`net input ${backend.inputShape.join('×')} does not match 3×${clipOpts.clipLength}×${geometry.cropSize}×${geometry.cropSize} clips (--clip-len)`);
  }
  for (const s of sources) if (!s.path && !s.open) throw new Error(`video '${s.id}' has neither a path nor frames`);
  const clipSize = C * L * H * W;
  // Clips a worker may prepare ahead of the net; the queue is large enough that a worker's clips never wait.
  const window = batchSize;
  const queue = new ClipQueue<QueuedClip>(jobs * window + 2 * batchSize);
  const summary: PipelineSummary = { done: 0, failed: 0, clips: 0, frames: 0, forwardSeconds: 0 };
  const producers: Promise<void>[] = [];
  /** Decoders this run holds (taken from the shared pool, handed back when their video ends). */
  const held = new Set<DecoderHandle>();
  let next = 0;
  let running = 0;
  let seq = 0;
  let fatal: Error | undefined;

  const newState = (source: VideoSource): VideoState => {
    const v: VideoState = {
      source, start: performance.now(), frames: 0, totalClips: undefined, received: 0,
      failed: false, finished: false, rows: new Map(), dims: new Map(),
    };
    for (const l of opts.layers) v.rows.set(l, []);
    return v;
  };

  const countFrames = (v: VideoState, n: number): void => {
    if (n <= 0) return;
    v.frames += n;
    summary.frames += n;
    events.onFrames?.(n, v.source.id);
  };

  const finalizeIfComplete = async (v: VideoState): Promise<void> => {
    if (v.finished || v.failed || v.totalClips === undefined || v.received < v.totalClips) return;
    v.finished = true;
    const layers = new Map<string, ClipFeatures>();
    for (const name of opts.layers) {
      const dim = v.dims.get(name)!;
      const data = new Float32Array(v.totalClips * dim);
      v.rows.get(name)!.forEach((row, i) => data.set(row, i * dim));
      layers.set(name, { clips: v.totalClips, dim, data });
    }
    v.rows.clear();
    summary.done++;
    try {
      await events.onVideoDone?.({ id: v.source.id, frames: v.frames, clips: v.totalClips, layers, seconds: (performance.now() - v.start) / 1000, decode: v.decode });
    } catch (err) {
      // Writing this video's outputs failed (e.g. an unwritable path): a failed video, not a failed job.
      summary.done--;
      summary.failed++;
      v.failed = true;
      await events.onVideoFailed?.(v.source.id, err instanceof Error ? err : new Error(String(err)), { frames: v.frames, seconds: (performance.now() - v.start) / 1000 });
    }
  };

  const fail = async (v: VideoState, err: Error): Promise<void> => {
    if (v.failed || v.finished) return;
    v.failed = true;
    v.rows.clear();
    summary.failed++;
    await events.onVideoFailed?.(v.source.id, err, { frames: v.frames, seconds: (performance.now() - v.start) / 1000 });
  };

  /** Frames from a stream, prepared here on the main thread. */
  const produceHere = async (v: VideoState): Promise<void> => {
    const prep = new FramePreparer(geometry);
    const assembler = new ClipAssembler<Uint8Array>(clipOpts);
    let stream: FrameStream | undefined;
    let index = 0;
    const put = async (clip: Uint8Array[]): Promise<void> => {
      const input = new Float32Array(clipSize);
      clipToInput(clip, opts.convention, input, 0, geometry);
      await queue.put({ video: v, index: index++, input });
    };
    try {
      stream = await v.source.open!();
      events.onVideoStart?.(v.source.id, stream.info?.estimatedFrames);
      for await (const frame of stream) {
        if (fatal) return;
        countFrames(v, 1);
        for (const clip of assembler.push(prep.prepare(frame))) await put(clip);
      }
      for (const clip of assembler.finish()) await put(clip);
      if (stream.errors || stream.info?.declaredFrames !== undefined) {
        v.decode = { declaredFrames: stream.info?.declaredFrames, errors: stream.errors ?? { count: 0, messages: [] } };
      }
      v.totalClips = index;
      await finalizeIfComplete(v);
    } catch (err) {
      if (fatal) return;
      const e = err instanceof Error ? err : new Error(String(err));
      if (e.message === 'video has no frames') e.message = `${v.source.id}: no video frames decoded`;
      await fail(v, e);
    } finally {
      stream?.close?.();
    }
  };

  const overlap = opts.decodeDuringForward ?? !(backend.threads !== undefined && backend.threads >= availableParallelism());
  const gate = overlap ? undefined : new DecodeGate();
  const job: DecodeJob = { clips: clipOpts, geometry, convention: opts.convention, gate: gate?.buffer };

  /** A file decoded and prepared by a worker thread; resolves when the worker is done with it. */
  const produceInWorker = (v: VideoState): Promise<void> =>
    new Promise<void>((resolve) => {
      const decoder = acquireDecoder();
      held.add(decoder);
      const mySeq = seq++;
      const release = (): void => decoder.worker.postMessage({ type: 'credit', seq: mySeq, n: 1 });
      const done = (crashed = false): void => {
        held.delete(decoder);
        if (crashed) void discardDecoder(decoder);
        else releaseDecoder(decoder);
        resolve();
      };
      decoder.onMessage = (msg) => {
        const m = msg as WorkerMessage;
        if (m.seq !== mySeq) return;
        if (m.type === 'start') events.onVideoStart?.(v.source.id, m.estimatedFrames);
        else if (m.type === 'clip') {
          countFrames(v, m.frames);
          if (!fatal) void queue.put({ video: v, index: m.index, input: m.data, release }).catch(() => undefined);
        } else if (m.type === 'end') {
          countFrames(v, m.frames);
          v.decode = m.report;
          v.totalClips = m.clips;
          void finalizeIfComplete(v).then(() => done(), (e) => {
            fatal ??= e as Error;
            queue.close(fatal);
            done();
          });
        } else {
          countFrames(v, m.frames);
          void fail(v, new Error(m.message)).then(() => done(), () => done());
        }
      };
      decoder.onCrash = (e) => {
        // A dead worker leaves the pool; its video fails, the next video gets a fresh worker.
        void fail(v, new Error(`${v.source.path}: decoder crashed: ${e.message}`)).then(() => done(true), () => done(true));
      };
      decoder.worker.postMessage({ type: 'video', seq: mySeq, path: v.source.path, decode: v.source.decode, window, job });
    });

  const produce = async (source: VideoSource): Promise<void> => {
    const v = newState(source);
    try {
      if (source.path !== undefined) await produceInWorker(v);
      else await produceHere(v);
    } finally {
      running--;
      queue.removeProducer();
      startMore();
    }
  };

  function startMore(): void {
    while (!fatal && next < sources.length && running < jobs) {
      const s = sources[next++];
      running++;
      queue.addProducer();
      producers.push(produce(s));
    }
    queue.poke();
  }

  const input = new Float32Array(batchSize * clipSize);
  startMore();
  try {
    for (;;) {
      const taken = await queue.take(batchSize, () => next < sources.length);
      if (taken.length === 0) break; // no clip left and no video left to decode
      for (const q of taken) q.release?.();
      const batch = taken.filter((q) => !q.video.failed);
      if (batch.length === 0) continue;
      const n = batch.length;
      batch.forEach((q, i) => input.set(q.input, i * clipSize));
      const t0 = performance.now();
      gate?.close();
      let out: Map<string, Tensor>;
      try {
        out = await backend.run(new Tensor([n, C, L, H, W], n === batchSize ? input : input.subarray(0, n * clipSize)), opts.layers);
      } finally {
        gate?.open();
      }
      summary.forwardSeconds += (performance.now() - t0) / 1000;
      summary.clips += n;
      for (const name of opts.layers) {
        const t = out.get(name);
        if (!t || t.shape[0] !== n) throw new Error(`backend returned no '${name}' blob for a batch of ${n}`);
        const dim = t.size / n;
        batch.forEach((q, i) => {
          q.video.dims.set(name, dim);
          const rows = q.video.rows.get(name);
          if (rows) rows[q.index] = t.data.slice(i * dim, (i + 1) * dim);
        });
      }
      events.onBatch?.(n);
      if (events.onClip) {
        for (const [i, q] of batch.entries()) {
          const f = new Map(opts.layers.map((name) => {
            const t = out.get(name)!;
            const dim = t.size / n;
            return [name, t.data.slice(i * dim, (i + 1) * dim)] as [string, Float32Array];
          }));
          await events.onClip(q.video.source.id, q.index, f);
        }
      }
      for (const q of batch) q.video.received++;
      for (const v of new Set(batch.map((q) => q.video))) await finalizeIfComplete(v);
    }
    await Promise.all(producers);
    if (fatal) throw fatal;
  } catch (err) {
    fatal ??= err instanceof Error ? err : new Error(String(err));
    queue.close(fatal);
    await Promise.allSettled(producers.map((p) => Promise.race([p, new Promise((r) => setTimeout(r, 1000))])));
    throw fatal;
  } finally {
    // Decoders still holding a video (the run failed) are ended; the others went back to the pool.
    await Promise.all([...held].map((d) => discardDecoder(d)));
  }
  return summary;
}
