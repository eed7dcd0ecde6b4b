/**
 * `c3d extract … --queue URL`: the run goes to BullMQ workers (`c3d worker`) instead of this process.
 * One job per video carries the weights path + hash and every feature option; this process enqueues
 * them, then (unless --no-wait) follows them with the same progress line as a local run, assembles a
 * one-file format (hdf5/jsonl) from the workers' parts, and prints the same kind of summary.
 */
import { resolve } from 'node:path';
import { UsageError } from '../command.js';
import { plural } from '../plural.js';
import { Progress } from '../progress.js';
import { parseMean, resolveWeightsPath, assertWeightsFileExists } from '../../io/index.js';
import type { ModelOptions } from '../../models/index.js';
import type { VideoInput } from '../../features/inputs.js';
import { assembleCombined } from '../../features/outputs.js';
import {
  checkQueueUrl, displayUrl, enqueueJobs, openQueue, checkReachable, sha256File, waitForJobs, QueueUrlError,
  type ExtractJobSpec, type FinishedJob,
} from '../../features/queue/index.js';

/** The extract flags a queued run carries, already checked by `c3d extract`. */
export interface QueuedRun extends Pick<ExtractJobSpec, 'format' | 'mode' | 'layers' | 'segments' | 'stride' | 'batchSize' | 'fps' | 'ffmpeg' | 'overwrite'> {
  url: string;
  wait: boolean;
  attempts: number;
  inputs: VideoInput[];
  weights: string;
  map?: string;
  channels?: string;
  mean?: string;
  model?: string;
  modelOptions: ModelOptions;
  /** Output folder and manifest as given (made absolute for the jobs). */
  outDir: string;
  manifest?: string;
  pca?: string;
}

/** `--queue URL` checked (exit 2 when malformed). */
export function queueUrlOrUsageError(url: string): string {
  try {
    return checkQueueUrl(url);
  } catch (e) {
    throw e instanceof QueueUrlError ? new UsageError(e.message) : e;
  }
}

/** Milliseconds of the first retry's delay: `C3D_QUEUE_BACKOFF_MS` when set (tests), else 5000. */
function backoffMs(): number {
  const v = Number(process.env.C3D_QUEUE_BACKOFF_MS);
  return Number.isFinite(v) && v >= 0 && process.env.C3D_QUEUE_BACKOFF_MS?.trim() ? v : 5000;
}

/** One payload per video: absolute paths (workers run elsewhere, on a shared filesystem). */
export async function jobSpecs(r: QueuedRun): Promise<ExtractJobSpec[]> {
  const weights = resolve(resolveWeightsPath(r.weights));
  assertWeightsFileExists(weights);
  const sha256 = await sha256File(weights);
  const m = r.mean === undefined ? undefined : parseMean(r.mean);
  const mean = m !== undefined && m !== 'none' && m.kind === 'cube' ? resolve(r.mean!) : r.mean;
  const outDir = resolve(r.outDir);
  const manifest = resolve(r.manifest ?? resolve(outDir, 'manifest.jsonl'));
  return r.inputs.map((v) => ({
    v: 1,
    video: resolve(v.path),
    id: v.id,
    weights: { path: weights, sha256, map: r.map, channels: r.channels, mean, model: r.model, modelOptions: r.modelOptions },
    outDir,
    manifest,
    format: r.format,
    mode: r.mode,
    layers: r.layers,
    segments: r.segments,
    pca: r.pca === undefined ? undefined : resolve(r.pca),
    stride: r.stride,
    batchSize: r.batchSize,
    fps: r.fps,
    ffmpeg: r.ffmpeg === undefined ? undefined : r.ffmpeg.includes('/') ? resolve(r.ffmpeg) : r.ffmpeg,
    overwrite: r.overwrite || undefined,
  }));
}

/** Enqueues the run and, unless --no-wait, follows it to the end. Returns the exit code (as a local run's). */
export async function runQueued(r: QueuedRun): Promise<number> {
  const specs = await jobSpecs(r);
  let lastNote = 0;
  const note = (e: Error): void => {
    // Redis away (restarting, network): one line every 10 s at most; the connections keep retrying.
    if (Date.now() - lastNote < 10_000) return;
    lastNote = Date.now();
    process.stderr.write(`c3d extract: ${displayUrl(r.url)}: ${e.message.split('\n')[0]} (retrying)\n`);
  };
  const c = openQueue(r.url, note);
  try {
    await checkReachable(c, r.url);
    const { ids, added } = await enqueueJobs(c, specs, { attempts: r.attempts, backoffMs: backoffMs() });
    process.stderr.write(
      `c3d extract: queued ${plural(added, 'new job')} on ${displayUrl(r.url)} (${ids.length - added} already there); ` +
        `run 'c3d worker --queue ${displayUrl(r.url)}' on each machine\n`,
    );
    if (!r.wait) {
      process.stdout.write(`queued ${plural(ids.length, 'video')} (${added} new) → ${r.outDir}\n`);
      if (r.format === 'hdf5' || r.format === 'jsonl') {
        process.stderr.write(`c3d extract: the ${r.format} file is assembled by a waiting run: rerun this command without --no-wait once the jobs are done\n`);
      }
      return 0;
    }
    return await follow(c, r, ids, note);
  } finally {
    await c.close();
  }
}

async function follow(c: ReturnType<typeof openQueue>, r: QueuedRun, ids: string[], onPollError: (e: Error) => void): Promise<number> {
  const t0 = performance.now();
  const progress = new Progress(ids.length);
  let finishedCount = 0;
  const interrupt = (): void => {
    progress.finish();
    process.stderr.write(`\nc3d extract: stopped waiting after ${finishedCount} of ${plural(ids.length, 'video')}; the jobs stay queued and the workers go on: rerun the same command to wait again\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  let jobs: FinishedJob[];
  try {
    jobs = await waitForJobs(c, ids, {
      onPollError,
      onFinished: (j) => {
        finishedCount++;
        if (j.state === 'failed') {
          if (progress.tty) progress.note(`failed: ${j.error}`);
          return progress.item(true, j.id);
        }
        if (j.result.status === 'skipped') return progress.skip();
        progress.addFrames(j.result.frames ?? 0);
        progress.addClips(j.result.clips ?? 0);
        if (j.result.status !== 'done' && progress.tty) progress.note(`${j.result.status}: ${j.result.error}`);
        progress.item(false, j.id);
      },
    });
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  progress.finish();
  let combined: string | undefined;
  if (r.format === 'hdf5' || r.format === 'jsonl') {
    combined = await assembleCombined({ outDir: r.outDir, format: r.format, mode: r.mode, layers: r.layers, segments: r.segments }, r.inputs.map((v) => v.id));
  }
  const done = jobs.filter((j) => j.state === 'completed' && j.result.status !== 'skipped');
  const skipped = jobs.filter((j) => j.state === 'completed' && j.result.status === 'skipped').length;
  const damaged = done.filter((j) => j.state === 'completed' && (j.result.status === 'truncated' || j.result.status === 'decode-error'));
  const failed = jobs.filter((j): j is Extract<FinishedJob, { state: 'failed' }> => j.state === 'failed');
  const frames = done.reduce((s, j) => s + (j.state === 'completed' ? j.result.frames ?? 0 : 0), 0);
  const clips = done.reduce((s, j) => s + (j.state === 'completed' ? j.result.clips ?? 0 : 0), 0);
  const seconds = (performance.now() - t0) / 1000;
  const counts = [`${skipped} already done`];
  if (damaged.length) counts.push(`${damaged.length} truncated or with decode errors`);
  counts.push(`${failed.length} failed`);
  process.stdout.write(
    `extracted ${done.length} of ${plural(ids.length, 'video')} on the queue (${counts.join(', ')}): ${plural(frames, 'frame')}, ${plural(clips, 'clip')} ` +
      `in ${seconds.toFixed(1)} s (${((done.length / Math.max(seconds, 1e-9)) * 3600).toFixed(0)} videos/h) → ${combined ?? r.outDir}\n`,
  );
  for (const d of damaged) if (d.state === 'completed') process.stderr.write(`${d.result.status}: ${d.result.error}\n`);
  for (const f of failed) {
    const video = f.spec?.video ?? f.id;
    process.stderr.write(`failed: ${f.error.includes(video) ? f.error : `${video}: ${f.error}`}\n`);
  }
  return failed.length > 0 ? 1 : damaged.length > 0 ? 3 : 0;
}
