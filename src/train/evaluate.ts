/**
 * Testing a net the paper's ways (§4, Table 2): clip accuracy — one centre-crop clip per listed clip,
 * or the middle clip of each video — and video accuracy — the softmax averaged over `testClips`
 * evenly spaced centre-crop clips per video (10 by default). Used by `c3d test` and by validation
 * during training, so both report the same numbers.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import type { ParamSet } from '../nn/params.js';
import type { PixelConvention } from '../features/convention.js';
import type { FrameGeometry } from '../features/preprocess.js';
import type { Dataset } from '../data/dataset.js';
import type { FrameCache } from '../data/frame-cache.js';
import { TestLoader, type DroppedItem } from '../data/loader.js';
import type { TrainStep } from './step.js';
import { averageScores, ClassificationTally, testReport, type TestReport } from './metrics.js';

export interface EvaluateOptions {
  convention: PixelConvention;
  /** Clips per video for video accuracy (paper: 10). */
  testClips: number;
  /** Clips per forward pass. */
  batch: number;
  geometry: FrameGeometry;
  /** Leave out videos that failed to decode (training validation) instead of failing (testing). */
  skipFailed?: boolean;
  onProgress?: (clipsDone: number, clipsTotal: number) => void;
}

/** One video's (or preprocessed clip's) result, as `c3d test` writes it (JSON lines). */
export interface VideoPrediction {
  video: string;
  label: number;
  predicted: number;
  /** Clips averaged. */
  clips: number;
  /** Top classes with their mean probabilities, best first (at most 5). */
  top: Array<{ class: number; score: number }>;
}

export interface EvaluateResult {
  report: TestReport;
  clip: ClassificationTally;
  video?: ClassificationTally;
  predictions: VideoPrediction[];
  dropped: readonly DroppedItem[];
}

export async function evaluateNet(
  step: TrainStep,
  params: ParamSet,
  spec: NetSpec,
  ds: Dataset,
  cache: FrameCache | null,
  opts: EvaluateOptions,
): Promise<EvaluateResult> {
  const k = ds.classes.length;
  const geometry = { length: spec.input[1], crop: spec.input[2], frameHeight: opts.geometry.resizeHeight, frameWidth: opts.geometry.resizeWidth, convention: opts.convention };
  const probs = async (clips: Tensor): Promise<Float32Array[]> => scoresOf(spec, await step.forward(params, clips, [outputBlob(spec)]), clips.shape[0]!);
  const videoLevel = ds.kind === 'videos';
  const listedClips = ds.kind === 'videos' && ds.items.every((i) => i.start !== undefined);
  // Every listed clip (or the evenly spaced clips of each video).
  const all = new TestLoader(ds, cache, { ...geometry, batch: opts.batch, clipsPerVideo: listedClips ? 1 : opts.testClips, skipFailed: opts.skipFailed });
  // The middle clip of each video, for clip accuracy (unneeded when clips are listed or given, and
  // when one clip per video is asked for: that clip is the middle one).
  const middle = videoLevel && !listedClips && opts.testClips > 1 ? new TestLoader(ds, cache, { ...geometry, batch: opts.batch, clipsPerVideo: 1, skipFailed: opts.skipFailed }) : undefined;
  const total = all.clips.length + (middle?.clips.length ?? 0);
  let done = 0;

  const clip = new ClassificationTally(k);
  const byVideo = new Map<string, { label: number; scores: Float32Array[] }>();
  for (const b of all.batches()) {
    const scores = await probs(b.clips);
    scores.forEach((s, r) => {
      const item = b.items[r]!;
      if (!middle) clip.add(s, b.labels[r]!);
      const key = ds.kind === 'videos' ? ds.items[item]!.path : `clip ${item}`;
      let v = byVideo.get(key);
      if (!v) byVideo.set(key, (v = { label: b.labels[r]!, scores: [] }));
      v.scores.push(s);
    });
    done += b.labels.length;
    opts.onProgress?.(done, total);
  }
  if (middle) {
    for (const b of middle.batches()) {
      (await probs(b.clips)).forEach((s, r) => clip.add(s, b.labels[r]!));
      done += b.labels.length;
      opts.onProgress?.(done, total);
    }
  }
  const video = videoLevel ? new ClassificationTally(k) : undefined;
  const predictions: VideoPrediction[] = [];
  for (const [name, v] of byVideo) {
    const mean = averageScores(v.scores);
    video?.add(mean, v.label);
    const order = Array.from(mean.keys()).sort((a, b) => mean[b]! - mean[a]! || a - b);
    predictions.push({ video: name, label: v.label, predicted: order[0]!, clips: v.scores.length, top: order.slice(0, 5).map((c) => ({ class: c, score: mean[c]! })) });
  }
  return { report: testReport({ clip, video, classNames: ds.classes }), clip, video, predictions, dropped: all.dropped };
}

/** The blob holding class probabilities: the final softmax, else the last blob (softmaxed here). */
function outputBlob(spec: NetSpec): string {
  const last = spec.layers.at(-1)!;
  return last.type === 'softmax' ? last.name : spec.layers.filter((l) => l.type === 'fc').at(-1)!.name;
}

function scoresOf(spec: NetSpec, blobs: Map<string, Tensor>, n: number): Float32Array[] {
  const t = blobs.get(outputBlob(spec))!;
  const k = t.size / n;
  const isSoftmax = spec.layers.at(-1)!.type === 'softmax';
  return Array.from({ length: n }, (_, r) => {
    const row = t.data.slice(r * k, (r + 1) * k);
    return isSoftmax ? row : softmax(row);
  });
}

function softmax(row: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  const out = new Float32Array(row.length);
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; i++) out[i]! /= sum;
  return out;
}
