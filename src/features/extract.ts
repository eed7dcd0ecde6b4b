/**
 * Library API: `extract(video, { backend, ... })` → per-layer typed arrays for one video. The video is
 * a path (file or frames directory, decoded by ffmpeg and streamed), an array of frames, or any async
 * iterable of frames — a long video is streamed, never held whole: only the frames of open clips and
 * the per-clip features are kept. For many videos with outputs on disk, use `runExtractJob`.
 */
import type { Backend } from '../runtime/backend.js';
import type { DecodeOptions } from '../video/decode.js';
import type { Image8 } from '../video/resize.js';
import { PAPER_CLIPS, type ClipOptions } from './clips.js';
import { BGR_NO_MEAN, type PixelConvention } from './convention.js';
import { geometryForCrop } from './geometry.js';
import { shapeOutput, type OutputArray, type OutputMode } from './outputs.js';
import { DEFAULT_BATCH, runPipeline, type FrameStream, type VideoSource } from './pipeline.js';

export interface ExtractOptions {
  /** The net (see `createBackend` in src/runtime). */
  backend: Backend;
  /** Blobs to return (default ['fc6']). */
  layers?: readonly string[];
  /** Channel order and mean (default BGR, no mean: pass the weights' convention, resolved). */
  convention?: PixelConvention;
  /** 'video' (default: mean over clips then L2), 'clips' (clips × dim) or 'segments'. */
  mode?: OutputMode;
  segments?: number;
  clips?: Partial<ClipOptions>;
  batchSize?: number;
  decode?: DecodeOptions;
}

/** One clip's features from `extractClips`. */
export interface ClipResult {
  /** Clip number: clip i starts at frame i·stride. */
  index: number;
  features: Map<string, Float32Array>;
}

/** Frames given as BGR images (3 channels, any size). */
export type FramesInput = readonly Image8[] | AsyncIterable<Image8>;

/** The pipeline source for a path or in-memory frames, and the clip sampling (clip length from the net). */
function sourceAndClips(video: string | FramesInput, opts: Pick<ExtractOptions, 'backend' | 'clips' | 'decode'>): { source: VideoSource; clips: ClipOptions; H: number } {
  const [, L, H] = opts.backend.inputShape;
  const clips: ClipOptions = { clipLength: opts.clips?.clipLength ?? L, stride: opts.clips?.stride ?? PAPER_CLIPS.stride };
  const source: VideoSource =
    typeof video === 'string'
      ? { id: video, path: video, decode: opts.decode }
      : { id: 'frames', open: async (): Promise<FrameStream> => ({ [Symbol.asyncIterator]: async function* () { yield* video; } }) };
  return { source, clips, H };
}

/**
 * Features of one video, keyed by layer: `{ shape, data }` with shape (dim,) for the video descriptor,
 * (clips, dim) per clip, (segments, dim) for segments. Rejects if the video cannot be decoded.
 */
export async function extract(video: string | FramesInput, opts: ExtractOptions): Promise<Map<string, OutputArray>> {
  const layers = opts.layers ?? ['fc6'];
  const { source, clips, H } = sourceAndClips(video, opts);
  let result: Map<string, OutputArray> | undefined;
  let failure: Error | undefined;
  await runPipeline([source], opts.backend, {
    layers, convention: opts.convention ?? BGR_NO_MEAN, clips, geometry: geometryForCrop(H), batchSize: opts.batchSize, jobs: 1,
  }, {
    onVideoDone: (v) => {
      const o = { outDir: '', format: 'npy' as const, mode: opts.mode ?? 'video', layers, segments: opts.segments };
      result = new Map(layers.map((l) => [l, shapeOutput(o, v.layers.get(l)!)]));
    },
    onVideoFailed: (_id, e) => {
      failure = e;
    },
  });
  if (failure) throw failure;
  return result!;
}

/**
 * Streams a long video's per-clip features as they come out of the net, in clip order; nothing of the
 * video is held beyond a few batches. Breaking out of the loop stops decoding.
 */
export async function* extractClips(video: string | FramesInput, opts: Omit<ExtractOptions, 'mode' | 'segments'>): AsyncGenerator<ClipResult> {
  const layers = opts.layers ?? ['fc6'];
  const { source, clips, H } = sourceAndClips(video, opts);
  const ready: ClipResult[] = [];
  let wake: (() => void) | undefined;
  let pull: (() => void) | undefined;
  let finished = false;
  let failure: Error | undefined;
  let stopped = false;
  const signal = (): void => {
    wake?.();
    wake = undefined;
  };
  const run = runPipeline([source], opts.backend, { layers, convention: opts.convention ?? BGR_NO_MEAN, clips, geometry: geometryForCrop(H), batchSize: opts.batchSize, jobs: 1 }, {
    onClip: async (_id, index, features) => {
      if (stopped) throw new Error('extractClips: stopped by the consumer');
      ready.push({ index, features });
      signal();
      // Backpressure: the net waits while more than two batches of results are unread.
      while (ready.length > 2 * (opts.batchSize ?? DEFAULT_BATCH) && !stopped) await new Promise<void>((r) => (pull = r));
    },
    onVideoFailed: (_id, e) => {
      failure = e;
    },
  }).then(
    () => {
      finished = true;
      signal();
    },
    (e: Error) => {
      failure ??= e;
      finished = true;
      signal();
    },
  );
  try {
    for (;;) {
      while (ready.length > 0) {
        yield ready.shift()!;
        pull?.();
        pull = undefined;
      }
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
    }
    if (failure && !stopped) throw failure;
  } finally {
    stopped = true;
    pull?.();
    await run;
  }
}
