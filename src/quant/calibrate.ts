/**
 * Calibration for static int8 quantisation: the fp32 net (onnxruntime) runs on real clips and the
 * value range of every tensor the int8 graph quantises is collected — the input `data` and each
 * conv blob (after its ReLU, which the QLinearConv folds in) and pool blob.
 *
 * Two ways to turn the values into a range: `minmax` (the extremes seen) and `percentile` (the upper
 * end clipped at a high percentile of all values seen, from one histogram per tensor that widens by
 * powers of two as larger values arrive; tensors with negative values keep min/max). min/max is the
 * default: in docs/int8.md's measurements it kept every clip within the goal, the percentile did not
 * (it clips the rare large values of clips whose fc6 is small).
 */
import type { Tensor } from '../tensor/tensor.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import { INPUT_BLOB } from '../models/shapes.js';
import { createOnnxRuntimeBackend } from '../runtime/onnxruntime-backend.js';

/** A tensor's calibrated value range. */
export interface ActivationRange {
  min: number;
  max: number;
}

export type CalibrationMethod = 'minmax' | 'percentile';

/** Clips `c3d quantize` calibrates on by default. */
export const DEFAULT_CALIBRATION_CLIPS = 32;
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile'];

export interface CalibrationOptions {
  /** Default 'minmax' (measured best on the worst clip: docs/int8.md). */
  method?: CalibrationMethod;
  /** For 'percentile': the share of values kept below the range's top, in percent (default 99.999). */
  percentile?: number;
  /** Clips per fp32 forward pass (default 2). */
  batchSize?: number;
  /** onnxruntime intra-op threads. */
  threads?: number;
}

export interface Calibration {
  method: CalibrationMethod;
  percentile?: number;
  clips: number;
  /** By fp32 tensor name: `data` and the conv and pool blobs. */
  ranges: Map<string, ActivationRange>;
}

/** Thrown for unusable calibration input (no clips). */
export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

const BINS = 4096;

/** Min, max and a widening histogram of one tensor's values over many clips. */
export class RangeStats {
  min = Infinity;
  max = -Infinity;
  private readonly counts = new Float64Array(BINS);
  private width = 0;
  private total = 0;

  add(data: Float32Array): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo < this.min) this.min = lo;
    if (hi > this.max) this.max = hi;
    if (hi <= 0) {
      this.counts[0]! += data.length;
      this.total += data.length;
      return;
    }
    if (this.width === 0) this.width = hi / BINS;
    // Widen by powers of two (merging neighbouring bins) until the largest value fits.
    while (hi >= this.width * BINS) {
      for (let b = 0; b < BINS / 2; b++) this.counts[b] = this.counts[2 * b]! + this.counts[2 * b + 1]!;
      this.counts.fill(0, BINS / 2);
      this.width *= 2;
    }
    const inv = 1 / this.width;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      this.counts[v > 0 ? Math.min(BINS - 1, Math.floor(v * inv)) : 0]! += 1;
    }
    this.total += data.length;
  }

  /** The range for `method`; the percentile clips only the top of non-negative tensors. */
  range(method: CalibrationMethod, percentile = 99.999): ActivationRange {
    if (method === 'minmax' || this.min < 0 || this.width === 0) return { min: this.min, max: this.max };
    const target = (percentile / 100) * this.total;
    let acc = 0;
    for (let b = 0; b < BINS; b++) {
      acc += this.counts[b]!;
      if (acc >= target) return { min: this.min, max: Math.min(this.max, (b + 1) * this.width) };
    }
    return { min: this.min, max: this.max };
  }
}

/**
 * The tensors the int8 graph may quantise: `data` and every conv and pool blob (post-ReLU where a
 * ReLU follows; a pool's range is needed when the conv before it is kept fp32).
 */
export function calibrationTensors(spec: NetSpec): string[] {
  return [INPUT_BLOB, ...spec.layers.filter((l) => l.type === 'conv3d' || l.type === 'pool3d').map((l) => l.name)];
}

/**
 * Runs the fp32 net on `clips` (N, C, L, H, W) and returns the ranges of calibrationTensors(spec).
 * Throws CalibrationError for zero clips.
 */
export async function calibrate(spec: NetSpec, params: ReadonlyMap<string, Tensor>, clips: Tensor, opts: CalibrationOptions = {}): Promise<Calibration> {
  const n = clips.shape[0] ?? 0;
  if (n === 0) throw new CalibrationError('calibration needs at least one clip, got none');
  const method = opts.method ?? 'minmax';
  const percentile = opts.percentile ?? 99.999;
  if (!(percentile > 50 && percentile <= 100)) throw new CalibrationError(`calibration percentile must be in (50, 100], got ${percentile}`);
  const names = calibrationTensors(spec);
  const blobs = names.slice(1);
  const stats = new Map(names.map((t) => [t, new RangeStats()]));
  const backend = await createOnnxRuntimeBackend(spec, params, { outputs: blobs, threads: opts.threads });
  try {
    const batch = opts.batchSize ?? 2;
    const per = clips.size / n;
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const part = new TensorClass([m, ...clips.shape.slice(1)], clips.data.subarray(s * per, (s + m) * per));
      stats.get(INPUT_BLOB)!.add(part.data);
      const out = await backend.run(part, blobs);
      for (const b of blobs) stats.get(b)!.add(out.get(b)!.data);
    }
  } finally {
    await backend.dispose();
  }
  const ranges = new Map([...stats].map(([t, st]) => [t, st.range(method, percentile)]));
  return { method, ...(method === 'percentile' ? { percentile } : {}), clips: n, ranges };
}
