/**
 * Library API of `c3d visualize`: what a C3D feature map responds to (paper fig. 4 and app. B).
 *
 * Two passes. The scan runs every clip of the input set forward to the chosen blob (on any backend,
 * through the extraction pipeline for videos) and keeps, per feature map, the K clips whose strongest
 * unit fires hardest (one position per clip). The projection pass re-reads only the kept clips, runs
 * them through our net runtime with a tape, and projects each kept activation back to the 16 input
 * frames (src/viz/deconv.ts). `method: 'gradcam'` instead ranks clips by a class's score and returns
 * Grad-CAM saliency tubes (src/viz/gradcam.ts).
 */
import type { Backend } from '../runtime/backend.js';
import { createWasmBackend } from '../runtime/wasm-backend.js';
import type { Net } from '../nn/net.js';
import { Tensor } from '../tensor/tensor.js';
import { openVideo, type DecodeOptions } from '../video/decode.js';
import { ClipAssembler, PAPER_CLIPS, type ClipOptions } from '../features/clips.js';
import type { PixelConvention } from '../features/convention.js';
import { geometryForCrop } from '../features/geometry.js';
import type { VideoInput } from '../features/inputs.js';
import { DEFAULT_BATCH, runPipeline } from '../features/pipeline.js';
import { clipToInput, FramePreparer, type FrameGeometry } from '../features/preprocess.js';
import { blobShape, projectActivation, type ActivationSite, type ProjectionMethod } from './deconv.js';
import { gradCam } from './gradcam.js';
import { TopActivations } from './top-activations.js';

export type VisualizeMethod = ProjectionMethod | 'gradcam';

/** Feature maps to show: given indices, or the N most active over the input set. */
export type MapSelection = readonly number[] | { top: number };

/** Preprocessed clips (N, 3, L, H, W) as `c3d extract --clips` takes them, or videos to decode. */
export type VisualizeInput =
  | { clips: Tensor; name?: string }
  | { videos: readonly VideoInput[]; decode?: DecodeOptions; stride?: number; jobs?: number };

export interface VisualizeOptions {
  /** The net runtime that records tapes and projects (its spec fixes the clip size). */
  net: Net;
  input: VisualizeInput;
  /** The weights' input convention: preprocesses videos and turns clips back into pixels for display. */
  convention: PixelConvention;
  /** A conv or pool blob (e.g. conv5b, conv3b, conv2a, pool5). */
  layer: string;
  /** 'deconvnet' (default, the paper's), 'guided', 'gradient' or 'gradcam'. */
  method?: VisualizeMethod;
  /** Projections: which maps (default the 4 most active). */
  maps?: MapSelection;
  /** Clips kept per map (projections) or in all (Grad-CAM); default 4. */
  top?: number;
  /** Grad-CAM: the class explained (default: the top class of the mean softmax over all clips). */
  classIndex?: number;
  /** Backend for the forward-only scan (default: a wasm backend on the net's own kernels). */
  scan?: Backend;
  batchSize?: number;
  /** A line per stage, for progress output. */
  onProgress?(message: string): void;
}

export interface VisualizationRow {
  /** The video id (or the clips file's name for clips input). */
  video: string;
  /** Clip number in its video (row of a clips file). */
  clipIndex: number;
  /** First frame of the clip in the video; null for clips input. */
  clipStart: number | null;
  layer: string;
  /** Projections: feature map, unit and its activation (from the projection pass's forward). */
  map?: number;
  position?: { t: number; y: number; x: number };
  value?: number;
  /** Grad-CAM: class explained and its score (logit). */
  classIndex?: number;
  score?: number;
  /** 1 = strongest, within its map (projections) or overall (Grad-CAM). */
  rank: number;
  /** Index of the row's clip in `VisualizationResult.clips`. */
  clip: number;
}

export interface VisualizationResult {
  method: VisualizeMethod;
  layer: string;
  /** Maps shown, in row order (empty for Grad-CAM). */
  maps: number[];
  rows: VisualizationRow[];
  /** One per row: (K, 3, L, H, W) projections in the net's channel order, or (K, 1, L, H, W) Grad-CAM tubes in [0, 1]. */
  projections: Tensor;
  /** The distinct clips the rows use, preprocessed (U, 3, L, H, W). */
  clips: Tensor;
  /** Clips scanned, and videos that could not be decoded. */
  scannedClips: number;
  failed: { video: string; error: string }[];
  /** Per map, the mean over scanned clips of its strongest value (projections only). */
  activity?: Float64Array;
}

interface ClipRef {
  video: string;
  /** Index into the input list (videos) or -1 (clips input). */
  source: number;
  index: number;
}

/** Runs the scan and the projections; nothing is written (see writeVisualization). */
export async function visualize(o: VisualizeOptions): Promise<VisualizationResult> {
  const method = o.method ?? 'deconvnet';
  const top = o.top ?? 4;
  if (!(Number.isSafeInteger(top) && top >= 1)) throw new RangeError(`--top must be a positive integer, got ${top}`);
  const spec = o.net.spec;
  const shape = blobShape(spec, o.layer);
  const [, L, S] = spec.input;
  const clipOpts: ClipOptions = { clipLength: L, stride: 'videos' in o.input ? o.input.stride ?? PAPER_CLIPS.stride : PAPER_CLIPS.stride };
  const geometry = geometryForCrop(S);
  if (method !== 'gradcam') checkMaps(o.maps, shape[0], o.layer);

  const scanLayer = method === 'gradcam' ? o.net.logitsName : o.layer;
  const ownScan = o.scan ? null : await createWasmBackend(spec, o.net.params, { kernels: o.net.kernels });
  const scan = o.scan ?? ownScan!;
  const failed: { video: string; error: string }[] = [];
  const tops = new TopActivations<ClipRef>(shape, top);
  const logits: { ref: ClipRef; logits: Float32Array }[] = [];
  const take = (ref: ClipRef, features: Float32Array): void => {
    if (method === 'gradcam') logits.push({ ref, logits: features });
    else tops.offer(features, ref);
  };
  try {
    o.onProgress?.(`scanning clips for ${scanLayer} on ${scan.name}`);
    await scanClips(o, scan, scanLayer, clipOpts, geometry, take, failed);
  } finally {
    await ownScan?.dispose();
  }
  const scanned = method === 'gradcam' ? logits.length : tops.clips;
  if (scanned === 0) throw new Error(failed.length ? `no clip could be read (${failed[0]!.error})` : 'no clips to scan');

  // What to project: rows in display order, each with its clip.
  let maps: number[] = [];
  let picked: { ref: ClipRef; map?: number; site?: ActivationSite; classIndex?: number; rank: number }[];
  if (method === 'gradcam') {
    const cls = o.classIndex ?? topClass(logits.map((l) => l.logits));
    const classes = logits[0]!.logits.length;
    if (!(Number.isInteger(cls) && cls >= 0 && cls < classes)) throw new RangeError(`class ${cls} is out of range: the net has ${classes} classes (0…${classes - 1})`);
    picked = logits
      .map((l, order) => ({ l, order }))
      .sort((a, b) => b.l.logits[cls]! - a.l.logits[cls]! || a.order - b.order)
      .slice(0, top)
      .map(({ l }, i) => ({ ref: l.ref, classIndex: cls, rank: i + 1 }));
  } else {
    maps = o.maps && !('top' in o.maps) ? [...o.maps] : tops.mostActive(o.maps && 'top' in o.maps ? o.maps.top : 4);
    picked = maps.flatMap((map) => tops.top(map).map((k, i) => ({ ref: k.clip, map, site: k.site, rank: i + 1 })));
  }

  // The distinct clips, read again (videos are decoded once more, up to their last kept clip).
  const key = (r: ClipRef): string => `${r.source}:${r.video}:${r.index}`;
  const clipOf = new Map<string, number>();
  const refs: ClipRef[] = [];
  for (const p of picked) {
    if (!clipOf.has(key(p.ref))) {
      clipOf.set(key(p.ref), refs.length);
      refs.push(p.ref);
    }
  }
  const clipSize = 3 * L * S * S;
  const clips = new Tensor([refs.length, 3, L, S, S]);
  o.onProgress?.(`reading ${refs.length} clip${refs.length === 1 ? '' : 's'} again`);
  await readClips(o, refs, clipOpts, geometry, (i, data) => clips.data.set(data, i * clipSize));

  const channels = method === 'gradcam' ? 1 : 3;
  const projections = new Tensor([picked.length, channels, L, S, S]);
  const rows: VisualizationRow[] = [];
  const per = channels * L * S * S;
  o.onProgress?.(`${method === 'gradcam' ? 'Grad-CAM of' : `projecting (${method})`} ${picked.length} clip activation${picked.length === 1 ? '' : 's'}`);
  for (let u = 0; u < refs.length; u++) {
    const clip = new Tensor([1, 3, L, S, S], clips.data.subarray(u * clipSize, (u + 1) * clipSize));
    const mine = picked.map((p, k) => ({ p, k })).filter(({ p }) => clipOf.get(key(p.ref)) === u);
    const ref = refs[u]!;
    const base = { video: ref.video, clipIndex: ref.index, clipStart: ref.source < 0 ? null : ref.index * clipOpts.stride, layer: o.layer, clip: u };
    if (method === 'gradcam') {
      for (const { p, k } of mine) {
        const g = await gradCam(o.net, clip, o.layer, p.classIndex);
        projections.data.set(g.map.data, k * per);
        rows[k] = { ...base, classIndex: g.classIndex, score: g.score, rank: p.rank };
      }
      continue;
    }
    const { blobs, tape } = await o.net.forward(clip, { outputs: [o.layer], keepTape: true });
    const blob = blobs.get(o.layer)!.data;
    for (const { p, k } of mine) {
      const s = p.site!;
      // The unit's value in this (our runtime's) forward pass; the scan may have run elsewhere.
      const value = blob[((s.map * shape[1] + s.t) * shape[2] + s.y) * shape[3] + s.x]!;
      const proj = await projectActivation(o.net, tape!, o.layer, s, value, method);
      projections.data.set(proj.data, k * per);
      rows[k] = { ...base, map: p.map, position: { t: s.t, y: s.y, x: s.x }, value, rank: p.rank };
    }
  }
  const result: VisualizationResult = { method, layer: o.layer, maps, rows, projections, clips, scannedClips: scanned, failed };
  if (method !== 'gradcam') result.activity = tops.activity();
  return result;
}

function checkMaps(maps: MapSelection | undefined, count: number, layer: string): void {
  if (maps === undefined) return;
  if ('top' in maps) {
    if (!(Number.isSafeInteger(maps.top) && maps.top >= 1)) throw new RangeError(`--maps top:N needs a positive N, got ${maps.top}`);
    return;
  }
  if (maps.length === 0) throw new RangeError('no feature maps given');
  for (const m of maps) {
    if (!(Number.isSafeInteger(m) && m >= 0 && m < count)) throw new RangeError(`map ${m} is out of range: ${layer} has ${count} feature maps (0…${count - 1})`);
  }
}

/** Index of the largest mean softmax probability over clips (the video-level prediction, as `c3d classify`). */
function topClass(all: readonly Float32Array[]): number {
  const k = all[0]!.length;
  const mean = new Float64Array(k);
  for (const z of all) {
    let mx = -Infinity;
    for (const v of z) mx = Math.max(mx, v);
    let sum = 0;
    for (const v of z) sum += Math.exp(v - mx);
    for (let j = 0; j < k; j++) mean[j] += Math.exp(z[j]! - mx) / sum;
  }
  let best = 0;
  for (let j = 1; j < k; j++) if (mean[j]! > mean[best]!) best = j;
  return best;
}

/** Every clip of the input through the scan backend; `take` gets each clip's blob (flattened). */
async function scanClips(
  o: VisualizeOptions,
  scan: Backend,
  layer: string,
  clipOpts: ClipOptions,
  geometry: FrameGeometry,
  take: (ref: ClipRef, features: Float32Array) => void,
  failed: { video: string; error: string }[],
): Promise<void> {
  const batch = o.batchSize ?? DEFAULT_BATCH;
  if ('clips' in o.input) {
    const x = o.input.clips;
    const n = x.shape[0]!;
    const per = x.size / n;
    const name = o.input.name ?? 'clips';
    for (let i = 0; i < n; i += batch) {
      const m = Math.min(batch, n - i);
      const out = (await scan.run(new Tensor([m, ...x.shape.slice(1)], x.data.subarray(i * per, (i + m) * per)), [layer])).get(layer)!;
      const dim = out.size / m;
      for (let j = 0; j < m; j++) take({ video: name, source: -1, index: i + j }, out.data.slice(j * dim, (j + 1) * dim));
    }
    return;
  }
  const { videos, decode, jobs } = o.input;
  const sourceOf = new Map(videos.map((v, i) => [v.id, i]));
  await runPipeline(
    videos.map((v) => ({ id: v.id, path: v.path, decode })),
    scan,
    { layers: [layer], convention: o.convention, clips: clipOpts, geometry, batchSize: batch, jobs: jobs ?? 2 },
    {
      onClip: (id, index, features) => take({ video: id, source: sourceOf.get(id)!, index }, features.get(layer)!),
      onVideoFailed: (id, e) => void failed.push({ video: id, error: e.message }),
    },
  );
}

/** Reads the clips `refs` (preprocessed, C×L×H×W) and hands each to `put` with its position in `refs`. */
async function readClips(
  o: VisualizeOptions,
  refs: readonly ClipRef[],
  clipOpts: ClipOptions,
  geometry: FrameGeometry,
  put: (i: number, data: Float32Array) => void,
): Promise<void> {
  if ('clips' in o.input) {
    const x = o.input.clips;
    const per = x.size / x.shape[0]!;
    refs.forEach((r, i) => put(i, x.data.subarray(r.index * per, (r.index + 1) * per)));
    return;
  }
  const input = o.input;
  const bySource = new Map<number, Map<number, number[]>>();
  refs.forEach((r, i) => {
    const m = bySource.get(r.source) ?? new Map<number, number[]>();
    bySource.set(r.source, m);
    m.set(r.index, [...(m.get(r.index) ?? []), i]);
  });
  for (const [source, wanted] of bySource) {
    const video = input.videos[source]!;
    const last = Math.max(...wanted.keys());
    const reader = await openVideo(video.path, input.decode);
    const prep = new FramePreparer(geometry);
    const assembler = new ClipAssembler<Uint8Array>(clipOpts);
    const data = new Float32Array(3 * clipOpts.clipLength * geometry.cropSize * geometry.cropSize);
    let index = 0;
    const emit = (clip: Uint8Array[]): void => {
      const targets = wanted.get(index++);
      if (!targets) return;
      clipToInput(clip, o.convention, data, 0, geometry);
      for (const i of targets) put(i, data);
    };
    try {
      for await (const frame of reader) {
        for (const clip of assembler.push(prep.prepare(frame))) emit(clip);
        if (index > last) break;
      }
      if (index <= last) for (const clip of assembler.finish()) emit(clip);
    } finally {
      reader.close();
    }
    if (index <= last) throw new Error(`${video.path}: clip ${last} is gone on the second read (the video changed?)`);
  }
}
