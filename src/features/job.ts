/**
 * A resumable batch extraction job: inputs → per-video outputs under one directory, a manifest, and
 * progress/summary hooks. Finished videos (all output files present) are skipped unless `overwrite`;
 * each output is written atomically, so a killed run loses at most the videos in flight. A video that
 * fails to decode is recorded and skipped; the job goes on.
 */
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.js';
import type { DecodeOptions } from '../video/decode.js';
import type { ClipOptions } from './clips.js';
import type { FrameGeometry } from './preprocess.js';
import type { PixelConvention } from './convention.js';
import type { VideoInput } from './inputs.js';
import { checkDecode } from './decode-check.js';
import { Manifest, type VideoStatus } from './manifest.js';
import { assembleCombined, isDone, removeStaleTemps, writeVideoOutputs, type OutputOptions } from './outputs.js';
import { runPipeline, type VideoSource } from './pipeline.js';

export interface ExtractJobOptions extends OutputOptions {
  convention: PixelConvention;
  clips?: ClipOptions;
  geometry?: FrameGeometry;
  batchSize?: number;
  jobs?: number;
  decode?: DecodeOptions;
  overwrite?: boolean;
  /** Manifest path (default DIR/manifest.jsonl). */
  manifest?: string;
  /** Receives the manifest entries instead of the file (a queue worker records only a job's final outcome). */
  manifestSink?: Pick<Manifest, 'add' | 'relativePath'>;
}

export interface JobHooks {
  onVideoStart?(id: string, estimatedFrames: number | undefined): void;
  /** `detail`: frames and clips when done, else the reason (one line naming the input). */
  onVideoEnd?(id: string, status: VideoStatus, detail: string): void;
  onFrames?(n: number, id: string): void;
  onBatch?(clips: number): void;
}

export interface JobSummary {
  total: number;
  done: number;
  skipped: number;
  /** Videos with no outputs (not decodable). */
  failed: { id: string; input: string; error: string }[];
  /** Videos whose outputs were written from a truncated or damaged decode (also counted in `done`). */
  damaged: { id: string; input: string; status: 'truncated' | 'decode-error'; error: string }[];
  frames: number;
  clips: number;
  seconds: number;
  forwardSeconds: number;
  /** The one-file output (hdf5/jsonl), when that format was asked for. */
  combined?: string;
}

export async function runExtractJob(inputs: readonly VideoInput[], backend: Backend, o: ExtractJobOptions, hooks: JobHooks = {}): Promise<JobSummary> {
  const t0 = performance.now();
  const manifest = o.manifestSink ?? new Manifest(o.manifest ?? join(o.outDir, 'manifest.jsonl'));
  const summary: JobSummary = { total: inputs.length, done: 0, skipped: 0, failed: [], damaged: [], frames: 0, clips: 0, seconds: 0, forwardSeconds: 0 };
  const todo: VideoSource[] = [];
  const byId = new Map<string, VideoInput>();
  for (const v of inputs) {
    byId.set(v.id, v);
    if (!o.overwrite && isDone(o, v.id)) {
      summary.skipped++;
      manifest.add({ id: v.id, input: v.path, status: 'skipped' });
      hooks.onVideoEnd?.(v.id, 'skipped', 'outputs exist');
      continue;
    }
    removeStaleTemps(o, v.id);
    todo.push({ id: v.id, path: v.path, decode: o.decode });
  }
  const result = await runPipeline(todo, backend, { layers: o.layers, convention: o.convention, clips: o.clips, geometry: o.geometry, batchSize: o.batchSize, jobs: o.jobs }, {
    onVideoStart: hooks.onVideoStart,
    onFrames: hooks.onFrames,
    onBatch: hooks.onBatch,
    onVideoDone: (v) => {
      const input = byId.get(v.id)!;
      const outputs = writeVideoOutputs(o, v.id, v.layers).map((p) => manifest.relativePath(p));
      const verdict = checkDecode(input.path, v.frames, v.decode);
      const common = { frames: v.frames, clips: v.clips, seconds: round3(v.seconds), outputs, ...(backend.precision === 'int8' ? { precision: 'int8' as const } : {}) };
      if (verdict.status === 'ok') {
        manifest.add({ id: v.id, input: input.path, status: 'done', ...common });
        hooks.onVideoEnd?.(v.id, 'done', `frames: ${v.frames}, clips: ${v.clips}`);
      } else {
        summary.damaged.push({ id: v.id, input: input.path, status: verdict.status, error: verdict.message });
        manifest.add({ id: v.id, input: input.path, status: verdict.status, ...common, declaredFrames: v.decode?.declaredFrames, error: verdict.message });
        hooks.onVideoEnd?.(v.id, verdict.status, verdict.message);
      }
    },
    onVideoFailed: (id, err, info) => {
      const input = byId.get(id)!;
      summary.failed.push({ id, input: input.path, error: err.message });
      manifest.add({ id, input: input.path, status: 'failed', frames: info.frames, seconds: round3(info.seconds), error: err.message });
      hooks.onVideoEnd?.(id, 'failed', err.message);
    },
  });
  summary.done = result.done;
  summary.frames = result.frames;
  summary.clips = result.clips;
  summary.forwardSeconds = result.forwardSeconds;
  if (o.format === 'hdf5' || o.format === 'jsonl') summary.combined = await assembleCombined(o, inputs.map((v) => v.id));
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
