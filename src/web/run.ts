/**
 * One run of the page: clips (from a video, or a ready .npy of preprocessed clips) through the net in
 * the inference worker, shaped as `window.c3dResult`. The frame → clip path is the Node pipeline's own
 * modules (src/features: OpenCV-exact resize + centre crop, clip sampling, mean/channel order) and the
 * descriptor is src/features/aggregate.ts's, so the page and `c3d extract` compute the same thing.
 */
import { videoDescriptor } from '../features/aggregate.js';
import { topK, type LabelledScore } from '../features/classify.js';
import { ClipAssembler, clipStarts, PAPER_CLIPS } from '../features/clips.js';
import { geometryForCrop } from '../features/geometry.js';
import type { PixelConvention } from '../features/pixel-convention.js';
import { clipToInput, FramePreparer } from '../features/preprocess.js';
import { SPORTS1M_LABELS } from '../features/sports1m-labels.js';
import type { NpyArray } from '../io/npy-format.js';
import type { VideoFrames } from './frames.js';
import type { InferenceClient } from './inference-client.js';
import type { NetInfo, OutputBlob } from './protocol.js';

/** Top-5 labels of one clip, and where it starts. */
export interface ClipLabels {
  clip: number;
  startFrame: number;
  top: LabelledScore[];
}

/** What a finished run leaves in `window.c3dResult` (plain arrays, for scripts and tests). */
export interface C3dResult {
  layer: string;
  /** Number of clips. */
  clips: number;
  /** Mean over clips, L2-normalised (the C3D video descriptor, as `c3d extract` writes it). */
  descriptor: number[];
  /** clips × dim features of `layer`. */
  perClip: number[][];
  /** Top-5 labels per clip when the net outputs `prob`. */
  labels?: ClipLabels[];
  backend: string;
  /** Why `backend` is not the one asked for (WebGPU fell back to wasm). */
  note?: string;
  threads: number;
  /** Seconds spent in the net (first batch sent → last result), and clips per second over them. */
  netSeconds: number;
  clipsPerSecond: number;
  frames?: number;
  fps?: number;
}

export interface RunOptions {
  layer: string;
  /** Clips per forward pass. */
  batch: number;
  stride?: number;
  onProgress?(done: number, total: number, what: string): void;
}

/** The class names of a net's `prob`: its own, Sports-1M's for a 487-way classifier, else none. */
export function classNames(info: NetInfo, probDim: number): readonly string[] | undefined {
  return info.classes ?? (probDim === SPORTS1M_LABELS.length ? SPORTS1M_LABELS : undefined);
}

/** Collects batches' outputs in clip order and times the net. */
class Collector {
  private readonly parts: Array<Promise<Record<string, OutputBlob>>> = [];
  private started = 0;
  private finished = 0;
  private done = 0;

  constructor(private readonly client: InferenceClient, private readonly outputs: string[], private readonly onDone: (clips: number) => void) {}

  send(clips: Float32Array, count: number): void {
    if (this.started === 0) this.started = performance.now();
    this.parts.push(
      this.client.run(clips, count, this.outputs).then((o) => {
        this.finished = performance.now();
        this.done += count;
        this.onDone(this.done);
        return o;
      }),
    );
  }

  async gather(): Promise<{ blobs: Map<string, { clips: number; dim: number; data: Float32Array }>; seconds: number }> {
    const parts = await Promise.all(this.parts);
    const blobs = new Map<string, { clips: number; dim: number; data: Float32Array }>();
    for (const name of this.outputs) {
      const clips = parts.reduce((n, p) => n + p[name]!.shape[0]!, 0);
      const dim = parts[0]![name]!.data.length / parts[0]![name]!.shape[0]!;
      const data = new Float32Array(clips * dim);
      let at = 0;
      for (const p of parts) {
        data.set(p[name]!.data, at);
        at += p[name]!.data.length;
      }
      blobs.set(name, { clips, dim, data });
    }
    return { blobs, seconds: (this.finished - this.started) / 1000 };
  }
}

function outputsFor(info: NetInfo, layer: string): string[] {
  if (!info.outputs.includes(layer)) throw new Error(`layer ${layer} is not an output of ${info.name} (outputs: ${info.outputs.join(', ')})`);
  return layer !== 'prob' && info.outputs.includes('prob') ? [layer, 'prob'] : [layer];
}

async function finish(info: NetInfo, layer: string, c: Collector, startFrames?: number[]): Promise<C3dResult> {
  const { blobs, seconds } = await c.gather();
  const f = blobs.get(layer)!;
  const perClip: number[][] = [];
  for (let i = 0; i < f.clips; i++) perClip.push(Array.from(f.data.subarray(i * f.dim, (i + 1) * f.dim)));
  const result: C3dResult = {
    layer,
    clips: f.clips,
    descriptor: Array.from(videoDescriptor(f)),
    perClip,
    backend: info.backend,
    ...(info.note ? { note: info.note } : {}),
    threads: info.threads,
    netSeconds: seconds,
    clipsPerSecond: seconds > 0 ? f.clips / seconds : 0,
  };
  const prob = blobs.get('prob');
  if (prob) {
    const names = classNames(info, prob.dim);
    result.labels = Array.from({ length: prob.clips }, (_, i) => ({
      clip: i,
      startFrame: startFrames?.[i] ?? 0,
      top: topK({ clips: 1, dim: prob.dim, data: prob.data.subarray(i * prob.dim, (i + 1) * prob.dim) }, names, 5),
    }));
  }
  return result;
}

/** Runs preprocessed clips (an N×3×L×H×W float32 .npy, as `c3d extract --clips` takes). */
export async function runClipsArray(client: InferenceClient, info: NetInfo, arr: NpyArray, where: string, o: RunOptions): Promise<C3dResult> {
  const want = info.input;
  if (!(arr.data instanceof Float32Array) || arr.shape.length !== 5 || want.some((d, i) => arr.shape[i + 1] !== d)) {
    throw new Error(`${where}: expected float32 clips of shape N×${want.join('×')}, got ${arr.dtype} ${arr.shape.join('×')}`);
  }
  const outputs = outputsFor(info, o.layer);
  const n = arr.shape[0]!;
  const size = arr.data.length / Math.max(n, 1);
  const c = new Collector(client, outputs, (done) => o.onProgress?.(done, n, 'clips'));
  for (let s = 0; s < n; s += o.batch) {
    const m = Math.min(o.batch, n - s);
    c.send(arr.data.slice(s * size, (s + m) * size), m);
  }
  if (n === 0) throw new Error(`${where}: no clips`);
  return finish(info, o.layer, c);
}

/** Decodes every frame, cuts clips as the Node pipeline does and runs them, batch by batch. */
export async function runVideo(client: InferenceClient, info: NetInfo, video: VideoFrames, convention: PixelConvention, o: RunOptions): Promise<C3dResult> {
  const outputs = outputsFor(info, o.layer);
  const [, L, H] = info.input;
  const geometry = geometryForCrop(H);
  const clipOpts = { clipLength: L, stride: o.stride ?? PAPER_CLIPS.stride };
  const starts = clipStarts(video.frames, clipOpts);
  const prep = new FramePreparer(geometry);
  const assembler = new ClipAssembler<Uint8Array>(clipOpts);
  const clipSize = 3 * L * H * H;
  let batch = new Float32Array(o.batch * clipSize);
  let inBatch = 0;
  let decoded = 0;
  const c = new Collector(client, outputs, (done) => o.onProgress?.(decoded + done, video.frames + starts.length, `frame ${decoded}/${video.frames}, clip ${done}/${starts.length}`));
  const put = (clips: Uint8Array[][]) => {
    for (const clip of clips) {
      clipToInput(clip, convention, batch, inBatch * clipSize, geometry);
      if (++inBatch === o.batch) {
        c.send(batch, inBatch);
        batch = new Float32Array(o.batch * clipSize);
        inBatch = 0;
      }
    }
  };
  for (let i = 0; i < video.frames; i++) {
    const frame = await video.read(i);
    if (!frame) break;
    put(assembler.push(prep.prepare(frame)));
    decoded = i + 1;
    o.onProgress?.(decoded, video.frames + starts.length, `frame ${decoded}/${video.frames}`);
  }
  put(assembler.finish());
  if (inBatch > 0) c.send(batch.slice(0, inBatch * clipSize), inBatch);
  const result = await finish(info, o.layer, c, clipStarts(decoded, clipOpts));
  result.frames = decoded;
  result.fps = video.fps;
  return result;
}
