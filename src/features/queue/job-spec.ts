/**
 * What one queued extraction job carries: the video, the weights (path and content hash) and every
 * feature and output option, so a worker needs no flags of its own to extract exactly what a local
 * `c3d extract` would. The job id is a hash of all of it: enqueueing the same run twice adds nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { ModelOptions } from '../../models/index.js';
import type { OutputFormat, OutputMode } from '../outputs.js';
import type { VideoStatus } from '../manifest.js';

/** BullMQ queue every `c3d extract --queue` run and `c3d worker` share (one per Redis database). */
export const QUEUE_NAME = 'c3d-extract';
/** BullMQ job name of an extraction job. */
export const JOB_NAME = 'extract';

/** The weights a job needs, and how to load them (as `c3d extract`'s weights flags say). */
export interface JobWeights {
  /** Absolute path, the same on every machine (a shared filesystem). */
  path: string;
  /** sha256 of the file's bytes (hex): a worker whose copy differs refuses the job. */
  sha256: string;
  /** `--map`, `--channels`, `--mean` as given (a mean cube file as an absolute path). */
  map?: string;
  channels?: string;
  mean?: string;
  /** `--model` (undefined: the file's own). */
  model?: string;
  modelOptions?: ModelOptions;
}

/** Everything one job does: one video in, its outputs and one manifest line out. */
export interface ExtractJobSpec {
  /** Payload format version (a worker refuses payloads it does not know). */
  v: 1;
  /** Absolute path of the video file or frames folder. */
  video: string;
  /** Output id (names the outputs, as in a local run). */
  id: string;
  weights: JobWeights;
  /** Absolute output folder and manifest path. */
  outDir: string;
  manifest: string;
  format: OutputFormat;
  mode: OutputMode;
  layers: string[];
  segments?: number;
  /** Absolute path of a PCA model (`--pca`). */
  pca?: string;
  stride: number;
  batchSize: number;
  fps?: number;
  ffmpeg?: string;
  overwrite?: boolean;
}

/** What a worker returns for a finished job (kept small: Redis holds it per job). */
export interface ExtractJobResult {
  status: VideoStatus;
  frames?: number;
  clips?: number;
  seconds?: number;
  error?: string;
}

/** Payload keys in a fixed order, so the same run always hashes to the same ids. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

/** The job id: sha256 of the canonical payload (hex; BullMQ ids must not be integers or contain ':'). */
export function jobIdOf(spec: ExtractJobSpec): string {
  return createHash('sha256').update(JSON.stringify(canonical(spec))).digest('hex');
}

/** sha256 (hex) of a file's bytes, streamed (weights files are hundreds of MB). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', (e) => reject(new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? e.message})`)))
      .on('end', () => resolve(h.digest('hex')));
  });
}

const hashes = new Map<string, { size: number; mtimeMs: number; sha256: Promise<string> }>();

/** sha256File, remembered per path until the file's size or mtime changes (a worker checks it per job). */
export function cachedSha256(path: string): Promise<string> {
  const st = statSync(path);
  const known = hashes.get(path);
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.sha256;
  const sha256 = sha256File(path);
  hashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  sha256.catch(() => hashes.delete(path));
  return sha256;
}

/** A payload that is not an ExtractJobSpec of a known version: one line naming the problem. */
export function checkJobSpec(data: unknown): ExtractJobSpec {
  const s = data as Partial<ExtractJobSpec> | null;
  if (!s || typeof s !== 'object' || s.v !== 1) throw new Error(`job payload version ${String(s?.v)} is not one this worker knows (1); upgrade c3d on this machine`);
  for (const k of ['video', 'id', 'outDir', 'manifest', 'format', 'mode'] as const) {
    if (typeof s[k] !== 'string') throw new Error(`job payload has no '${k}'`);
  }
  if (!s.weights || typeof s.weights.path !== 'string' || typeof s.weights.sha256 !== 'string') throw new Error("job payload has no 'weights' path and sha256");
  if (!Array.isArray(s.layers) || s.layers.length === 0) throw new Error("job payload has no 'layers'");
  return s as ExtractJobSpec;
}
