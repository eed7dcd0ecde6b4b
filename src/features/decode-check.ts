/**
 * Was a video decoded whole? A truncated or damaged file still yields frames — a 300 KB head of an 8 MB
 * AVI gives 16 of its 795 — and features of those frames look like any others. Two signs tell: fewer
 * frames than the container header declares, and error lines from ffmpeg.
 */
import type { DecodeErrors } from '../video/decode.js';

/**
 * A video is truncated below this fraction of its declared frames. Headers are approximate (a duration
 * rounded, a frame rate averaged, an audio track a little longer than the video), so a few percent
 * short is normal; a cut file usually misses far more.
 */
export const TRUNCATED_RATIO = 0.9;

/** What the decoder saw besides the frames: the declared count and ffmpeg's errors. */
export interface DecodeReport {
  /** Frames the container header declares (see VideoInfo.declaredFrames); undefined when unknown. */
  declaredFrames?: number;
  errors: DecodeErrors;
}

/**
 * `ok`; `truncated`: fewer than TRUNCATED_RATIO of the declared frames were decoded; `decode-error`:
 * the count is plausible but ffmpeg reported errors (damaged data, concealed or dropped frames).
 */
export type DecodeVerdict = { status: 'ok' } | { status: 'truncated' | 'decode-error'; message: string };

/** Judges a finished decode of `frames` frames; the message names the video and the evidence, on one line. */
export function checkDecode(name: string, frames: number, report: DecodeReport | undefined): DecodeVerdict {
  if (!report) return { status: 'ok' };
  const { declaredFrames, errors } = report;
  const ffmpegSays = errors.count > 0 ? `; ffmpeg: ${errors.messages.join('; ')}${errors.count > errors.messages.length ? ` (${errors.count} errors)` : ''}` : '';
  if (declaredFrames !== undefined && declaredFrames > 0 && frames < TRUNCATED_RATIO * declaredFrames) {
    return { status: 'truncated', message: `${name}: decoded ${frames} of the ${declaredFrames} frames its header declares${ffmpegSays}` };
  }
  if (errors.count > 0) {
    return { status: 'decode-error', message: `${name}: ffmpeg reported ${errors.count === 1 ? 'an error' : `${errors.count} errors`} while decoding ${frames} frames: ${errors.messages.join('; ')}` };
  }
  return { status: 'ok' };
}
