/**
 * `--precision fp32|int8` and `--calibrate-clips N`, shared by extract, classify and runtime: int8
 * runs the quantised graph (src/quant, docs/int8.md), from an .int8.onnx written by `c3d quantize`
 * or calibrated on the fly on the first N clips of the job's videos.
 */
import { UsageError } from '../command.js';
import { positiveInt } from './numbers.js';
import { parsePrecision, type Precision } from '../../runtime/index.js';
import { readCalibrationClips } from '../../quant/calibration-clips.js';
import { geometryForCrop } from '../../features/geometry.js';
import type { NetOptions } from '../../features/net.js';
import type { DecodeOptions } from '../../video/decode.js';
import { plural } from '../plural.js';

export const PRECISION_FLAGS_USAGE = `  --precision P        fp32 or int8 (default: the weights' own: int8 for an .int8.onnx from
                       'c3d quantize', else fp32); int8 runs the convs quantised on onnxruntime
                       (docs/int8.md)
  --calibrate-clips N  with --precision int8 and fp32 weights: calibrate on the first N clips of the
                       videos (spread over them) before the run`;

export const PRECISION_OPTIONS = {
  precision: { type: 'string' },
  'calibrate-clips': { type: 'string' },
} as const;

export interface PrecisionFlags {
  precision?: Precision;
  calibrateClips?: number;
}

/** Parses the flags; --calibrate-clips without --precision int8 is a usage error. */
export function precisionFromFlags(v: { precision?: string; 'calibrate-clips'?: string }): PrecisionFlags {
  let precision: Precision | undefined;
  if (v.precision !== undefined) {
    try {
      precision = parsePrecision(v.precision);
    } catch (e) {
      throw new UsageError(`--precision: ${(e as Error).message}`);
    }
  }
  const calibrateClips = positiveInt('calibrate-clips', v['calibrate-clips']);
  if (calibrateClips !== undefined && precision !== 'int8') throw new UsageError('--calibrate-clips applies to --precision int8 only');
  return { ...(precision ? { precision } : {}), ...(calibrateClips ? { calibrateClips } : {}) };
}

/**
 * loadNet's `calibrate` hook for --calibrate-clips N: the first clips of `videos`, preprocessed as the
 * run will (clip length and crop of the net, the weights' convention).
 */
export function calibrateFromVideos(videos: readonly string[], count: number, stride: number, decode?: DecodeOptions): NonNullable<NetOptions['calibrate']> {
  return async (spec, convention) => {
    const [, L, H] = spec.input;
    const got = await readCalibrationClips(videos, { count, convention, clips: { clipLength: L, stride }, geometry: geometryForCrop(H), decode });
    return { clips: got.clips, source: `the first clips of ${plural(got.videos, 'video')}` };
  };
}
