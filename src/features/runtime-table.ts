/**
 * The paper's runtime analysis (§7, Table 6) for this machine: feature extraction over a folder of
 * videos including I/O, per stage and in total, for one backend.
 *
 * Two measurements, both with the extraction code itself:
 * - stages: each video goes through the extraction steps one after the other, each timed alone —
 *   decode (ffmpeg → BGR frames in memory, in chunks of 64 frames), resize (171×128 bilinear, crop,
 *   mean and channel order: FramePreparer + clipToInput), forward (backend.run on full batches), write
 *   (the descriptor: mean over clips, L2, written as .npy by writeVideoOutputs). Their sum is the
 *   run time without any overlap.
 * - pipeline: the same folder through `runExtractJob` (what `c3d extract` runs: decoding in worker
 *   threads overlapping the net), wall clock: the "run time including I/O" of the paper's table.
 */
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.js';
import { openVideo, type DecodeOptions } from '../video/decode.js';
import type { Image8 } from '../video/resize.js';
import type { ClipFeatures } from './aggregate.js';
import { ClipAssembler, PAPER_CLIPS } from './clips.js';
import type { PixelConvention } from './convention.js';
import { geometryForCrop } from './geometry.js';
import type { VideoInput } from './inputs.js';
import { runExtractJob } from './job.js';
import { writeVideoOutputs, type OutputOptions } from './outputs.js';
import { DEFAULT_BATCH } from './pipeline.js';
import { clipToInput, FramePreparer } from './preprocess.js';
import { Tensor } from '../tensor/tensor.js';

export interface StageSeconds {
  decode: number;
  resize: number;
  forward: number;
  write: number;
}

export interface RuntimeMeasurement {
  /** Backend name with its threads, e.g. "onnxruntime (2 threads)". */
  backend: string;
  videos: number;
  frames: number;
  clips: number;
  failed: { video: string; error: string }[];
  /** Each stage alone (sequential pass). */
  stages: StageSeconds;
  /** Sum of the stages. */
  stagesTotal: number;
  /** Wall clock of the pipelined job (`c3d extract`), when measured. */
  pipelineSeconds?: number;
}

export interface MeasureRuntimeOptions {
  convention: PixelConvention;
  /** Scratch folder for the written descriptors (two subfolders are used). */
  workDir: string;
  /** Layers written (default fc6, the C3D descriptor). */
  layers?: readonly string[];
  /** Frames between clip starts (default 8). */
  stride?: number;
  batchSize?: number;
  /** Videos decoded in parallel by the pipelined job (default 2). */
  jobs?: number;
  decode?: DecodeOptions;
  /** Also time the pipelined job (default true). */
  pipeline?: boolean;
  /** Called after each video of the stage pass. */
  onVideo?(id: string): void;
}

/** Frames decoded before they are prepared: decoding is timed alone, memory stays bounded. */
const DECODE_CHUNK = 64;

/** Times extraction of `videos` on `backend` (see the module comment). */
export async function measureRuntime(videos: readonly VideoInput[], backend: Backend, o: MeasureRuntimeOptions): Promise<RuntimeMeasurement> {
  const layers = o.layers ?? ['fc6'];
  const [C, L, H, W] = backend.inputShape;
  const clips = { clipLength: L, stride: o.stride ?? PAPER_CLIPS.stride };
  const geometry = geometryForCrop(H);
  const batchSize = o.batchSize ?? DEFAULT_BATCH;
  const clipSize = C * L * H * W;
  const out: OutputOptions = { outDir: join(o.workDir, 'stages'), format: 'npy', mode: 'video', layers };
  const m: RuntimeMeasurement = {
    backend: `${backend.name}${backend.precision === 'int8' ? ' int8' : ''}${backend.threads ? ` (${backend.threads} thread${backend.threads === 1 ? '' : 's'})` : ''}`,
    videos: videos.length, frames: 0, clips: 0, failed: [], stages: { decode: 0, resize: 0, forward: 0, write: 0 }, stagesTotal: 0,
  };
  const s = m.stages;
  const since = (t0: number): number => (performance.now() - t0) / 1000;

  for (const v of videos) {
    const prep = new FramePreparer(geometry);
    const assembler = new ClipAssembler<Uint8Array>(clips);
    const rows = new Map<string, Float32Array[]>(layers.map((l) => [l, []]));
    const pending: Float32Array[] = [];
    let frames = 0;
    const forward = async (all: boolean): Promise<void> => {
      const t0 = performance.now();
      while (pending.length >= batchSize || (all && pending.length > 0)) {
        const part = pending.splice(0, batchSize);
        const input = new Float32Array(part.length * clipSize);
        part.forEach((c, i) => input.set(c, i * clipSize));
        const res = await backend.run(new Tensor([part.length, C, L, H, W], input), layers);
        for (const l of layers) {
          const t = res.get(l)!;
          const dim = t.size / part.length;
          for (let i = 0; i < part.length; i++) rows.get(l)!.push(t.data.slice(i * dim, (i + 1) * dim));
        }
      }
      s.forward += since(t0);
    };
    const prepare = (clip: Uint8Array[]): void => {
      const input = new Float32Array(clipSize);
      clipToInput(clip, o.convention, input, 0, geometry);
      pending.push(input);
    };
    let reader;
    try {
      let t0 = performance.now();
      reader = await openVideo(v.path, o.decode);
      const it = reader[Symbol.asyncIterator]();
      s.decode += since(t0);
      for (let done = false; !done; ) {
        const chunk: Image8[] = [];
        t0 = performance.now();
        while (chunk.length < DECODE_CHUNK) {
          const r = await it.next();
          if (r.done) {
            done = true;
            break;
          }
          chunk.push(r.value);
        }
        s.decode += since(t0);
        frames += chunk.length;
        t0 = performance.now();
        for (const f of chunk) for (const clip of assembler.push(prep.prepare(f))) prepare(clip);
        if (done) for (const clip of assembler.finish()) prepare(clip);
        s.resize += since(t0);
        await forward(done);
      }
    } catch (e) {
      const msg = (e as Error).message === 'video has no frames' ? `${v.path}: no video frames decoded` : (e as Error).message;
      m.failed.push({ video: v.id, error: msg });
      continue;
    } finally {
      reader?.close();
    }
    const t0 = performance.now();
    const features = new Map<string, ClipFeatures>();
    for (const [l, r] of rows) {
      const dim = r[0]!.length;
      const data = new Float32Array(r.length * dim);
      r.forEach((row, i) => data.set(row, i * dim));
      features.set(l, { clips: r.length, dim, data });
    }
    writeVideoOutputs(out, v.id, features);
    s.write += since(t0);
    m.frames += frames;
    m.clips += rows.get(layers[0]!)!.length;
    o.onVideo?.(v.id);
  }
  m.stagesTotal = s.decode + s.resize + s.forward + s.write;

  if (o.pipeline ?? true) {
    const job = await runExtractJob(videos, backend, {
      outDir: join(o.workDir, 'pipeline'), format: 'npy', mode: 'video', layers, convention: o.convention, clips, geometry,
      batchSize, jobs: o.jobs ?? 2, decode: o.decode, overwrite: true,
    });
    m.pipelineSeconds = job.seconds;
  }
  return m;
}

/** A row of the paper's Table 6 (UCF101, all 13,320 videos, including I/O). */
export interface PaperRuntimeRow {
  method: string;
  device: string;
  hours: number;
  fps: number;
  slower: number;
}

/** Tran et al. 2015, Table 6, as printed: one K40 GPU or one CPU. */
export const PAPER_TABLE6: readonly PaperRuntimeRow[] = [
  { method: 'iDT', device: 'CPU', hours: 202.2, fps: 3.5, slower: 91.4 },
  { method: "Brox's flow", device: 'CPU', hours: 2513.9, fps: 0.3, slower: 1135.9 },
  { method: "Brox's flow", device: 'K40 GPU', hours: 607.8, fps: 1.2, slower: 274.6 },
  { method: 'C3D', device: 'K40 GPU', hours: 2.2, fps: 313.9, slower: 1 },
];

/** UCF101's frames as the paper's C3D row implies them (313.9 frames/s for 2.2 h). */
export const UCF101_FRAMES_FROM_TABLE6 = 313.9 * 2.2 * 3600;

/** Frames per second of a measurement: over the pipelined run when there is one, else over the stage total. */
export function measuredFps(m: RuntimeMeasurement): number {
  const t = m.pipelineSeconds ?? m.stagesTotal;
  return t > 0 ? m.frames / t : 0;
}

/**
 * Our rows and the paper's as one Markdown table: the paper's columns (run time, frames/s, × slower
 * than the fastest row) and our per-stage seconds. Our run time is for the folder measured, plus the
 * hours all of UCF101 would take at that speed (extrapolated); "× slower" compares every row, ours and
 * the paper's, with the fastest one of the table; the paper's own rows keep their printed values.
 */
export function formatRuntimeTable(ours: readonly RuntimeMeasurement[], title = 'this machine'): string {
  const fastest = Math.max(...ours.map(measuredFps), ...PAPER_TABLE6.map((r) => r.fps));
  const f = (x: number, d = 1): string => x.toFixed(d);
  const lines = [
    '| method | device | videos | frames | decode s | resize s | forward s | write s | stages s | run time s (pipelined) | UCF101 h | frames/s | × slower |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const m of ours) {
    const fps = measuredFps(m);
    const st = m.stages;
    lines.push(
      `| C3D, ${m.backend} | ${title} | ${m.videos - m.failed.length} | ${m.frames} | ${f(st.decode, 2)} | ${f(st.resize, 2)} | ${f(st.forward, 2)} | ${f(st.write, 3)} | ${f(m.stagesTotal, 2)} | ` +
        `${m.pipelineSeconds === undefined ? '–' : f(m.pipelineSeconds, 2)} | ${fps > 0 ? f(UCF101_FRAMES_FROM_TABLE6 / fps / 3600) : '–'} | ${f(fps)} | ${fps > 0 ? f(fastest / fps) : '–'} |`,
    );
  }
  for (const r of PAPER_TABLE6) {
    lines.push(`| ${r.method} (paper) | ${r.device} (paper) | 13,320 | – | – | – | – | – | – | – | ${r.hours} | ${r.fps} | ${r.slower} (paper) |`);
  }
  return lines.join('\n');
}
