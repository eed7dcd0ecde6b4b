/**
 * Calibration clips from real videos, preprocessed exactly as extraction does (decode, resize 171×128,
 * centre crop, channel order and mean; src/features/preprocess.ts), taken spread over the videos:
 * up to ⌈N / videos⌉ clips from each, in order, until N.
 */
import { Tensor } from '../tensor/tensor.js';
import { openVideo, type DecodeOptions } from '../video/decode.js';
import { ClipAssembler, type ClipOptions } from '../features/clips.js';
import type { PixelConvention } from '../features/convention.js';
import { clipToInput, FramePreparer, C3D_GEOMETRY, type FrameGeometry } from '../features/preprocess.js';
import { CalibrationError } from './calibrate.js';

export interface CalibrationClipOptions {
  /** Clips wanted (N ≥ 1). */
  count: number;
  convention: PixelConvention;
  /** Clip length must be the net's (spec.input[1]); stride default 8. */
  clips: ClipOptions;
  geometry?: FrameGeometry;
  decode?: DecodeOptions;
}

/**
 * Reads up to `count` clips (N, 3, L, H, W) from `videos`. Throws CalibrationError (one line) for no
 * videos, a count below 1, or videos that give no clip at all; a video that fails to decode is
 * skipped when others give clips.
 */
export async function readCalibrationClips(videos: readonly string[], o: CalibrationClipOptions): Promise<{ clips: Tensor; videos: number }> {
  if (!(Number.isSafeInteger(o.count) && o.count >= 1)) throw new CalibrationError(`calibration clips must be a positive integer, got ${o.count}`);
  if (videos.length === 0) throw new CalibrationError('no calibration videos given');
  const geometry = o.geometry ?? C3D_GEOMETRY;
  const s = geometry.cropSize;
  const clipSize = 3 * o.clips.clipLength * s * s;
  const perVideo = Math.ceil(o.count / videos.length);
  const taken: Float32Array[] = [];
  let used = 0;
  const errors: string[] = [];
  for (const path of videos) {
    if (taken.length >= o.count) break;
    const want = Math.min(perVideo, o.count - taken.length);
    const prep = new FramePreparer(geometry);
    const assembler = new ClipAssembler<Uint8Array>(o.clips);
    const before = taken.length;
    const keep = (clip: Uint8Array[]): void => {
      const input = new Float32Array(clipSize);
      clipToInput(clip, o.convention, input, 0, geometry);
      taken.push(input);
    };
    let reader;
    try {
      reader = await openVideo(path, o.decode);
      for await (const frame of reader) {
        for (const clip of assembler.push(prep.prepare(frame))) if (taken.length - before < want) keep(clip);
        if (taken.length - before >= want) break;
      }
      if (taken.length === before) for (const clip of assembler.finish()) keep(clip);
    } catch (e) {
      const m = (e as Error).message.split('\n')[0]!;
      errors.push(m.includes(path) ? m : `${path}: ${m}`);
    } finally {
      reader?.close?.();
    }
    if (taken.length > before) used++;
  }
  if (taken.length === 0) {
    throw new CalibrationError(`no calibration clips could be read from ${videos.length} video${videos.length === 1 ? '' : 's'}${errors.length ? ` (${errors[0]})` : ''}`);
  }
  const data = new Float32Array(taken.length * clipSize);
  taken.forEach((c, i) => data.set(c, i * clipSize));
  return { clips: new Tensor([taken.length, 3, o.clips.clipLength, s, s], data), videos: used };
}
