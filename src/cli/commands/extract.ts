/** `c3d extract`: C3D features of videos, resumable batch jobs (thin layer over src/features). */
import { startDecoders } from '../../features/decoder-pool.js';
import { basename, dirname, extname, join } from 'node:path';
import { mkdirSync, statSync } from 'node:fs';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { plural } from '../plural.js';
import { Progress } from '../progress.js';
import { WEIGHTS_FLAGS_USAGE, WEIGHTS_OPTIONS, weightsFlags } from '../flags/weights-flags.js';
import { BACKEND_FLAGS_USAGE, BACKEND_OPTIONS, backendFromFlags, MODEL_OPTIONS, modelOptionsFromFlags } from '../flags/model-flags.js';
import { loadPca } from '../../eval/pca.js';
import { writeNpy } from '../../io/npy.js';
import { Tensor } from '../../tensor/tensor.js';
import { expandInputs, lookedFor, NoVideosError, type VideoInput } from '../../features/inputs.js';
import { runExtractJob, type JobSummary } from '../../features/job.js';
import { DEFAULT_BATCH } from '../../features/pipeline.js';
import { loadNet, type LoadedNet } from '../../features/net.js';
import { geometryForCrop } from '../../features/geometry.js';
import { centreCrop } from '../../features/preprocess.js';
import { readNpy } from '../../io/npy.js';
import { type OutputFormat, type OutputMode, type RowProjection } from '../../features/outputs.js';
import { positiveInt } from '../flags/numbers.js';
import type { ModelOptions } from '../../models/index.js';
import { queueUrlOrUsageError, runQueued } from './extract-queue.js';
import { calibrateFromVideos, PRECISION_FLAGS_USAGE, PRECISION_OPTIONS, precisionFromFlags } from '../flags/precision-flags.js';

const usage = `usage: c3d extract INPUT... --weights FILE --out DIR [options]

INPUT: video files (any container/codec ffmpeg reads), folders (searched recursively by extension;
a folder of %06d.jpg frames is one video), glob patterns ('videos/**/*.mp4', quoted), or --list FILE.
Writes DIR/<name>.npy per video (float32; shape (4096,) for the default fc6 descriptor); folder
inputs keep their relative paths under DIR. Finished videos are skipped on a rerun (resumable);
DIR/manifest.jsonl records every video's status (done, skipped, failed, truncated, decode-error),
frames, clips, seconds, outputs (relative to the manifest's folder) and error.

Features
  --layer L[,L2...]    blobs to extract: fc6 (default, after ReLU), fc7, pool5, prob, conv5b…
  --per-clip           write clips × dim instead of the video descriptor (mean over clips, then L2)
  --segments N         N segment features per video (UCF-Crime: 32), each mean + L2
  --pca FILE           project every output row with a PCA model ('c3d eval pca --save-model FILE')
  --format F           npy (default), txt (DIR/<name>.txt, a row per line: UCF-Crime's 32 lines),
                       hdf5 (DIR/features.h5: a group per video, dataset c3d_features),
                       jsonl (DIR/features.jsonl)
Clips and input
  --clip-len N         frames per clip (default: the net's, 16)
  --stride N           frames between clip starts (default 8, the paper's overlap)
  --fps N              resample videos to N frames/s first (default: every decoded frame)
  --ffmpeg PATH        ffmpeg binary (default: $C3D_FFMPEG, else the bundled static ffmpeg)
  --clips FILE.npy     run only the net on preprocessed clips (N×3×16×112×112 float32); writes
                       DIR/<FILE name>.npy (N × dim) per layer
Job
  --jobs N             videos decoded in parallel (default 2)
  --batch N            clips per forward pass (default 4; memory grows with it)
  --list FILE          more inputs, one path per line (relative to the current directory)
  --overwrite          redo videos whose outputs exist
  --manifest FILE      manifest path (default DIR/manifest.jsonl)
Scale-out (docs/scale.md)
  --queue URL          enqueue one job per video on Redis (redis://HOST:PORT/DB) for 'c3d worker'
                       processes on any number of machines (DIR, the inputs and the weights on a
                       shared filesystem, same paths); waits with the same progress and summary
  --no-wait            with --queue: return once the jobs are queued
  --attempts N         with --queue: tries per video before it is failed (default 3)
Weights and net
  --weights FILE       .caffemodel, .pt/.pth/.pickle or .safetensors (required)
${WEIGHTS_FLAGS_USAGE}
  --classes/--width/--size/--length   model options (see 'c3d models')
${BACKEND_FLAGS_USAGE}
${PRECISION_FLAGS_USAGE}

Frames are decoded as BGR, resized to 171×128 with OpenCV's bilinear arithmetic and centre-cropped
at (8, 29) to 112×112, as in the Caffe release. A video shorter than one clip is padded by repeating
its last frame. The input convention (channel order, mean) is printed at the start (stderr).
A video decoded short of the frames its header declares (under 90%) is 'truncated', one ffmpeg
reported errors on is 'decode-error': their features are written from the frames decoded, and the
summary lists them. Progress goes to stderr: a bar on a terminal, else a line every 30 s
(C3D_PROGRESS_INTERVAL=SECONDS to change).
Exit code: 0 all done (or skipped), 1 if any video failed (listed in the summary), 2 usage error
(bad flags, no input videos, --out not a folder), 3 none failed but some were truncated or had
decode errors (listed in the summary), 130 interrupted (Ctrl-C; rerun to resume).

Example: c3d extract videos/ --weights c3d-sports1m.safetensors --out features/ --jobs 2`;

const OPTIONS = {
  ...WEIGHTS_OPTIONS,
  ...MODEL_OPTIONS,
  ...BACKEND_OPTIONS,
  ...PRECISION_OPTIONS,
  weights: { type: 'string' },
  out: { type: 'string' },
  layer: { type: 'string', multiple: true },
  'per-clip': { type: 'boolean' },
  segments: { type: 'string' },
  pca: { type: 'string' },
  format: { type: 'string' },
  'clip-len': { type: 'string' },
  stride: { type: 'string' },
  fps: { type: 'string' },
  ffmpeg: { type: 'string' },
  clips: { type: 'string' },
  jobs: { type: 'string' },
  batch: { type: 'string' },
  list: { type: 'string', multiple: true },
  overwrite: { type: 'boolean' },
  manifest: { type: 'string' },
  queue: { type: 'string' },
  'no-wait': { type: 'boolean' },
  attempts: { type: 'string' },
} as const;


type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];


/**
 * The videos named on the command line, or a usage error (exit 2) when they name none — checked
 * before the weights are loaded, so a wrong folder fails in a second, not after loading 300 MB.
 */
export function inputsOrUsageError(positionals: readonly string[], lists: readonly string[] = []): VideoInput[] {
  let inputs: VideoInput[];
  try {
    inputs = expandInputs(positionals, lists, undefined, { emptyFolderIsError: true });
  } catch (e) {
    throw e instanceof NoVideosError ? new UsageError(e.message) : e;
  }
  if (inputs.length === 0) throw new UsageError(`no input videos (looked for ${lookedFor()})`);
  return inputs;
}

/** `--out DIR` (or another output folder) must be a folder or not exist yet: checked before the weights load. */
export function checkOutDir(flag: string, dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    return; // created when the first output is written
  }
  if (!isDir) throw new UsageError(`${flag} ${dir}: exists and is not a folder`);
}

/**
 * Ctrl-C during a job: one line saying what is kept, exit 130 at once (outputs are written atomically,
 * so nothing partial stays; the decode relays notice and exit quietly). Returns the remover.
 */
export function onInterrupt(message: () => string): () => void {
  const handler = (): void => {
    process.stderr.write(`\n${message()}\n`);
    process.exit(130);
  };
  process.once('SIGINT', handler);
  return () => void process.removeListener('SIGINT', handler);
}

/**
 * Loads weights + spec + backend from the shared flags; with --precision int8 --calibrate-clips N,
 * calibrates on the first clips of `videos` (clips `stride` frames apart).
 */
export async function netFromFlags(values: Values, clipLength?: number, calibration?: { videos: readonly string[]; stride: number; fps?: number }): Promise<LoadedNet> {
  if (!values.weights) {
    throw new UsageError(
      '--weights is required: the C3D Sports-1M release converted once with c3d convert, the PyTorch port\'s c3d.pickle, a net you trained (RUN/final.safetensors), or demo (the small net c3d demo trains, bundled) — see docs/weights.md',
    );
  }
  const flags = weightsFlags(values);
  const modelOptions = modelOptionsWithClipLength(values, clipLength);
  const b = backendFromFlags(values);
  const p = precisionFromFlags(values);
  return loadNet({
    weights: values.weights,
    load: flags.load,
    model: flags.model === 'none' ? undefined : flags.model,
    modelOptions,
    backend: { backend: b.backend, threads: b.threads, executionProviders: b.executionProviders },
    precision: p.precision,
    calibrate: p.calibrateClips !== undefined && calibration
      ? calibrateFromVideos(calibration.videos, p.calibrateClips, calibration.stride, { ffmpeg: values.ffmpeg, fps: calibration.fps })
      : undefined,
  });
}

/** The model options of the flags, with --clip-len as the net's clip length. */
function modelOptionsWithClipLength(values: Values, clipLength: number | undefined): ModelOptions {
  const modelOptions = modelOptionsFromFlags(values);
  if (clipLength !== undefined) {
    if (modelOptions.length !== undefined && modelOptions.length !== clipLength) throw new UsageError('--clip-len and --length disagree');
    modelOptions.length = clipLength;
  }
  return modelOptions;
}

/** Checks --layer against the net and returns the run's description line (stderr, before the work). */
function describeRun(net: LoadedNet, layers: string[], stride: number, mode: OutputMode, segments: number | undefined): string {
  const [, L, H] = net.backend.inputShape;
  for (const l of layers) {
    if (!net.backend.outputNames.includes(l)) throw new UsageError(`--layer ${l}: not an output of ${net.spec.name} (has: ${net.backend.outputNames.join(', ')})`);
  }
  const geometry = geometryForCrop(H);
  const crop = centreCrop(geometry);
  return (
    `c3d extract: ${net.conventionLine}; frames resized to ${geometry.resizeWidth}×${geometry.resizeHeight}, ` +
    `crop ${H}×${H} at (${crop.y}, ${crop.x}); clips of ${L} frames every ${stride}; ${net.spec.name} on ${net.backend.name}; ` +
    `${layers.join(', ')} → ${mode === 'video' ? 'video descriptor (mean, L2)' : mode === 'clips' ? 'per clip' : `${segments} segments`}\n`
  );
}

function parseLayers(values: Values): string[] {
  const layers = (values.layer ?? ['fc6']).flatMap((l) => l.split(',')).map((s) => s.trim()).filter(Boolean);
  return [...new Set(layers)];
}

export const extract: Command = {
  name: 'extract',
  summary: 'C3D features (fc6/fc7/pool5/prob) of videos: resumable batch jobs to .npy / HDF5 / JSON lines',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (!values.out) throw new UsageError('--out DIR is required');
    const layers = parseLayers(values);
    const clipLength = positiveInt('clip-len', values['clip-len']);
    const stride = positiveInt('stride', values.stride) ?? 8;
    const jobs = positiveInt('jobs', values.jobs) ?? 2;
    const batchSize = positiveInt('batch', values.batch) ?? DEFAULT_BATCH;
    const segments = positiveInt('segments', values.segments);
    const fps = values.fps === undefined ? undefined : Number(values.fps);
    if (fps !== undefined && !(fps > 0 && Number.isFinite(fps))) throw new UsageError(`--fps must be a positive number, got '${values.fps}'`);
    const format = (values.format ?? 'npy') as OutputFormat;
    if (!['npy', 'txt', 'hdf5', 'jsonl'].includes(format)) throw new UsageError(`--format must be npy, txt, hdf5 or jsonl, got '${values.format}'`);
    if (values['per-clip'] && segments) throw new UsageError('--per-clip and --segments exclude each other');
    const mode: OutputMode = values['per-clip'] ? 'clips' : segments ? 'segments' : 'video';
    if (!values.clips && positionals.length === 0 && !values.list) throw new UsageError('no input videos (give files, folders, globs or --list FILE)');
    checkOutDir('--out', values.out);
    if (values.manifest) checkOutDir('--manifest folder', dirname(values.manifest));
    if (values.queue === undefined && (values['no-wait'] || values.attempts !== undefined)) throw new UsageError('--no-wait and --attempts apply to --queue runs only');
    const queueUrl = values.queue === undefined ? undefined : queueUrlOrUsageError(values.queue);
    if (queueUrl !== undefined && values.clips) throw new UsageError('--clips runs in this process; drop --queue');
    if (values['calibrate-clips'] !== undefined && (queueUrl !== undefined || values.clips)) {
      throw new UsageError(`--calibrate-clips calibrates on the videos of this run; with ${values.clips ? '--clips' : '--queue'}, quantise once with 'c3d quantize' and pass the .int8.onnx as --weights`);
    }
    const attempts = positiveInt('attempts', values.attempts, 3);
    const inputs = values.clips ? [] : inputsOrUsageError(positionals, values.list ?? []);
    const pca: RowProjection | undefined = values.pca ? loadPca(values.pca).rowProjection() : undefined;

    if (queueUrl !== undefined) {
      // The net is built here once, only to check the weights and options before any job is queued.
      const net = await netFromFlags(values, clipLength);
      try {
        process.stderr.write(describeRun(net, layers, stride, mode, segments));
      } finally {
        await net.backend.dispose();
      }
      const flags = weightsFlags(values);
      return await runQueued({
        url: queueUrl, wait: !values['no-wait'], attempts, inputs, weights: values.weights!, map: values.map, channels: values.channels, mean: values.mean,
        model: flags.model === 'none' ? undefined : flags.model, modelOptions: modelOptionsWithClipLength(values, clipLength),
        outDir: values.out, manifest: values.manifest, format, mode, layers, segments, pca: values.pca, stride, batchSize, fps,
        ffmpeg: values.ffmpeg, overwrite: values.overwrite,
      });
    }

    // Decoders fork their ffmpeg relays before the weights are in memory, when forking is cheap.
    if (inputs.length > 0) await startDecoders(Math.min(jobs, inputs.length));
    const net = await netFromFlags(values, clipLength, { videos: inputs.map((v) => v.path), stride, fps });
    try {
      const [, L, H] = net.backend.inputShape;
      const geometry = geometryForCrop(H);
      process.stderr.write(describeRun(net, layers, stride, mode, segments));
      if (values.clips) return await clipsOnly(values.clips, values.out, layers, net, batchSize);

      const progress = new Progress(inputs.length);
      let finished = 0;
      const removeInterrupt = onInterrupt(() => {
        progress.finish();
        return `c3d extract: interrupted after ${finished} of ${plural(inputs.length, 'video')}; finished outputs are complete, rerun the same command to resume`;
      });
      const summary = await runExtractJob(
        inputs,
        net.backend,
        {
          outDir: values.out, format, mode, layers, segments, pca, convention: net.convention, geometry,
          clips: { clipLength: L, stride }, batchSize, jobs, overwrite: values.overwrite, manifest: values.manifest,
          decode: { ffmpeg: values.ffmpeg, fps },
        },
        {
          onVideoStart: (id, estimatedFrames) => progress.start(id, estimatedFrames),
          onFrames: (n, id) => progress.addFrames(n, id),
          onBatch: (n) => progress.addClips(n),
          onVideoEnd: (id, status, detail) => {
            finished++;
            if (status === 'skipped') return progress.skip();
            if (status !== 'done' && progress.tty) progress.note(`${status}: ${detail}`);
            progress.item(status === 'failed', id);
          },
        },
      ).finally(removeInterrupt);
      progress.finish();
      process.stdout.write(summaryLine(summary, values.out) + '\n');
      for (const d of summary.damaged) process.stderr.write(`${d.status}: ${d.error}\n`);
      for (const f of summary.failed) process.stderr.write(`failed: ${f.error.includes(f.input) ? f.error : `${f.input}: ${f.error}`}\n`);
      return summary.failed.length > 0 ? 1 : summary.damaged.length > 0 ? 3 : 0;
    } finally {
      await net.backend.dispose();
    }
  },
};

/** `extracted 3 of 4 videos (0 already done, 1 truncated, 1 failed): 120 frames, 14 clips in …`. */
function summaryLine(s: JobSummary, outDir: string): string {
  const fpsDone = s.seconds > 0 ? s.frames / s.seconds : 0;
  const counts = [`${s.skipped} already done`];
  const truncated = s.damaged.filter((d) => d.status === 'truncated').length;
  const decodeErrors = s.damaged.length - truncated;
  if (truncated) counts.push(`${truncated} truncated`);
  if (decodeErrors) counts.push(`${decodeErrors} with decode errors`);
  counts.push(`${s.failed.length} failed`);
  return (
    `extracted ${s.done} of ${plural(s.total, 'video')} (${counts.join(', ')}): ${plural(s.frames, 'frame')}, ${plural(s.clips, 'clip')} ` +
    `in ${s.seconds.toFixed(1)} s (${fpsDone.toFixed(1)} frames/s; net ${s.forwardSeconds.toFixed(1)} s) → ${s.combined ?? outDir}`
  );
}

/** `--clips FILE.npy`: preprocessed clips straight into the net; one (N × dim) .npy per layer. */
async function clipsOnly(file: string, outDir: string, layers: string[], net: LoadedNet, batchSize: number): Promise<number> {
  const a = readNpy(file);
  const shape = net.backend.inputShape;
  if (a.dtype !== 'float32' || a.shape.length !== 5 || a.shape.slice(1).some((d, i) => d !== shape[i])) {
    throw new Error(`${file}: expected float32 clips of shape (N, ${shape.join(', ')}), got ${a.dtype} (${a.shape.join(', ')})`);
  }
  const n = a.shape[0];
  const per = shape.reduce((x, y) => x * y, 1);
  const rows = new Map(layers.map((l) => [l, [] as Float32Array[]]));
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    const out = await net.backend.run(new Tensor([m, ...shape], (a.data as Float32Array).subarray(i * per, (i + m) * per)), layers);
    for (const l of layers) rows.get(l)!.push(out.get(l)!.data.slice());
  }
  mkdirSync(outDir, { recursive: true });
  const stem = basename(file, extname(file));
  for (const l of layers) {
    const parts = rows.get(l)!;
    const data = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      data.set(p, o);
      o += p.length;
    }
    const path = join(outDir, layers.length > 1 ? `${stem}.${l}.npy` : `${stem}.npy`);
    writeNpy(path, { shape: [n, data.length / n], data });
    process.stdout.write(`wrote ${path}: ${plural(n, 'clip')} × ${data.length / n}\n`);
  }
  return 0;
}
