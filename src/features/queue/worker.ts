/**
 * `c3d worker`'s engine: pulls extraction jobs from the queue and runs each exactly as a local
 * `c3d extract` runs that video (runExtractJob: same pipeline, same atomic output files, same
 * manifest line), then acks. A job whose weights file here has another hash than the job's is
 * refused for good (UnrecoverableError) instead of writing different features; a video that does
 * not decode fails and is retried with backoff, then lands in the failed set with its error. Only a
 * job's final outcome is appended to the manifest (one line, as a local run writes).
 *
 * A worker killed mid-job holds its job's lock until it expires (lockDuration); then any worker's
 * stalled check puts the job back in the queue. Outputs are renamed into place whole, and the
 * next attempt removes the dead writer's temp files, so nothing partial remains.
 */
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { CreateBackendOptions } from '../../runtime/index.js';
import { geometryForCrop } from '../geometry.js';
import { runExtractJob, type ExtractJobOptions } from '../job.js';
import { Manifest, type ManifestEntry } from '../manifest.js';
import { PARTS_DIR } from '../outputs.js';
import { connectionOptions } from './connection.js';
import { NetCache } from './nets.js';
import { cachedSha256, checkJobSpec, QUEUE_NAME, type ExtractJobResult, type ExtractJobSpec } from './job-spec.js';

/** Lock and stalled-check timings (tests shorten them; a lock must outlast the longest forward pass). */
export const DEFAULT_LOCK_MS = 30_000;

export interface ExtractWorkerOptions {
  /** redis://HOST:PORT/DB */
  url: string;
  /** Jobs run at once by this process (default 1); their forward passes take turns. */
  concurrency?: number;
  backend?: Omit<CreateBackendOptions, 'spec' | 'params'>;
  /** Job lock duration in ms (default DEFAULT_LOCK_MS); stalled jobs are checked for as often. */
  lockMs?: number;
  onJobStart?(spec: ExtractJobSpec, attempt: number): void;
  onJobEnd?(spec: ExtractJobSpec, result: ExtractJobResult, final: boolean): void;
  /** Connection trouble and other worker errors (the worker keeps going). */
  onError?(e: Error): void;
}

export interface ExtractWorker {
  readonly worker: Worker<ExtractJobSpec, ExtractJobResult>;
  /** Stops taking jobs, lets the current ones finish, frees the nets. */
  close(): Promise<void>;
}

/** The weights file here differs from the job's (content hash). */
export function weightsMismatch(path: string, local: string, expected: string): string {
  return `${path}: sha256 ${local.slice(0, 12)}… on this machine differs from the job's ${expected.slice(0, 12)}…; refusing to write features from other weights (copy the same file here, or re-enqueue)`;
}

/** Runs one job's video through runExtractJob; returns its manifest entry (not yet written). */
async function extractOne(spec: ExtractJobSpec, nets: NetCache, manifest: Manifest): Promise<Omit<ManifestEntry, 'time'>> {
  const local = await cachedSha256(spec.weights.path);
  if (local !== spec.weights.sha256) throw new UnrecoverableError(weightsMismatch(spec.weights.path, local, spec.weights.sha256));
  const net = await nets.get(spec.weights);
  const missing = spec.layers.filter((l) => !net.backend.outputNames.includes(l));
  if (missing.length) throw new UnrecoverableError(`layer ${missing.join(', ')}: not an output of ${net.spec.name}`);
  const [, L, H] = net.backend.inputShape;
  const entries: Omit<ManifestEntry, 'time'>[] = [];
  // One-file formats (hdf5/jsonl) are assembled by the waiting `c3d extract --queue`; a worker writes
  // only the per-video part, which is the npy file a local run writes under PARTS_DIR.
  const perVideo = spec.format === 'npy' || spec.format === 'txt';
  const o: ExtractJobOptions = {
    outDir: perVideo ? spec.outDir : join(spec.outDir, PARTS_DIR),
    format: perVideo ? spec.format : 'npy',
    mode: spec.mode,
    layers: spec.layers,
    segments: spec.segments,
    pca: spec.pca ? nets.pca(spec.pca) : undefined,
    convention: net.convention,
    geometry: geometryForCrop(H),
    clips: { clipLength: L, stride: spec.stride },
    batchSize: spec.batchSize,
    jobs: 1,
    overwrite: spec.overwrite,
    decode: { ffmpeg: spec.ffmpeg, fps: spec.fps },
    manifestSink: { add: (e) => void entries.push(e), relativePath: (p) => manifest.relativePath(p) },
  };
  await runExtractJob([{ path: spec.video, id: spec.id }], net.backend, o);
  if (entries.length !== 1) throw new Error(`${spec.video}: the extraction recorded ${entries.length} outcomes`);
  return entries[0];
}

function resultOf(e: Omit<ManifestEntry, 'time'>): ExtractJobResult {
  return { status: e.status, frames: e.frames, clips: e.clips, seconds: e.seconds, error: e.error };
}

/** Starts a worker on the extraction queue. */
export function startExtractWorker(opts: ExtractWorkerOptions): ExtractWorker {
  const nets = new NetCache(opts.backend);
  const lockMs = opts.lockMs ?? DEFAULT_LOCK_MS;
  const process = async (job: Job<ExtractJobSpec, ExtractJobResult>): Promise<ExtractJobResult> => {
    const spec = checkJobSpec(job.data);
    const manifest = new Manifest(spec.manifest);
    const final = (e: unknown): boolean => e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    opts.onJobStart?.(spec, job.attemptsMade + 1);
    let entry: Omit<ManifestEntry, 'time'>;
    try {
      entry = await extractOne(spec, nets, manifest);
    } catch (e) {
      const error = (e as Error).message;
      const last = final(e);
      if (last) manifest.add({ id: spec.id, input: spec.video, status: 'failed', error });
      opts.onJobEnd?.(spec, { status: 'failed', error }, last);
      throw e;
    }
    if (entry.status === 'failed') {
      // Not decodable: retried (a shared filesystem can fail transiently), recorded once at the end.
      const last = final(undefined);
      if (last) manifest.add(entry);
      opts.onJobEnd?.(spec, resultOf(entry), last);
      throw new Error(entry.error ?? `${spec.video}: failed`);
    }
    manifest.add(entry);
    const result = resultOf(entry);
    opts.onJobEnd?.(spec, result, true);
    return result;
  };
  const worker = new Worker<ExtractJobSpec, ExtractJobResult>(QUEUE_NAME, process, {
    connection: connectionOptions(opts.url),
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose worker died (or lost Redis past its lock) twice is still retried once more.
    maxStalledCount: 2,
  });
  worker.on('error', (e) => opts.onError?.(e));
  return {
    worker,
    async close() {
      await worker.close();
      await nets.dispose();
    },
  };
}
