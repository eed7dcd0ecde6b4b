/**
 * One clip from cached frames, with the arithmetic of the C3D Caffe release (video_data_layer +
 * data_transformer): a random temporal window, a random crop whose offsets are `rand() % (H − crop)`
 * and `rand() % (W − crop)`, one mirror decision per clip; at test time the centre crop and evenly
 * spaced windows (MMAction2's SampleFrames test mode). A random draw comes from the caller's
 * SeededRandom, made per sample, in the release's order: start, h offset, w offset, flip.
 */
import type { PixelConvention } from '../features/convention.js';
import { centreCrop, writeClipInput, type ClipCrop } from '../features/preprocess.js';
import type { SeededRandom } from '../nn/random.js';
import type { FrameCache } from './frame-cache.js';

export type { ClipCrop } from '../features/preprocess.js';

function checkCounts(frames: number, length: number): void {
  if (!(Number.isSafeInteger(frames) && frames >= 1)) throw new RangeError(`a clip needs a video of at least 1 frame, got ${frames}`);
  if (!(Number.isSafeInteger(length) && length >= 1)) throw new RangeError(`clip length must be a positive integer, got ${length}`);
}

/**
 * First frame of a `length`-frame clip of a `frames`-frame video:
 * - a SeededRandom: training, `rand() % (frames − length + 1)` as the release (0 for a video shorter
 *   than the clip; one number is drawn either way);
 * - a number: the item's listed start, clamped so the clip ends inside the video (0 if it cannot);
 * - nothing: the middle clip (`middleClipStart`).
 * A video shorter than the clip is read from 0 with its last frame repeated (see `readClip`), the
 * rule src/features/clips.ts uses for extraction.
 */
export function clipWindow(frames: number, length: number, pick?: SeededRandom | number): number {
  checkCounts(frames, length);
  const last = Math.max(frames - length, 0);
  if (pick === undefined) return middleClipStart(frames, length);
  if (typeof pick === 'number') {
    if (!Number.isSafeInteger(pick)) throw new RangeError(`clip start must be an integer, got ${pick}`);
    return Math.min(Math.max(pick, 0), last);
  }
  const r = pick.uint32();
  return r % (last + 1);
}

/**
 * Training crop, the release's arithmetic: h = rand() % (H − crop), w = rand() % (W − crop) (so the
 * last offset, H − crop, is never picked; 0 when H == crop, where C would divide by zero), then with
 * `mirror` one flip decision `rand() % 2` for the whole clip.
 */
export function trainCrop(height: number, width: number, size: number, rng: SeededRandom, mirror: boolean): ClipCrop {
  checkCropFits(height, width, size);
  const rh = rng.uint32();
  const rw = rng.uint32();
  const y = height > size ? rh % (height - size) : 0;
  const x = width > size ? rw % (width - size) : 0;
  const flip = mirror ? rng.uint32() % 2 === 1 : false;
  return { y, x, size, flip };
}

/** Test crop: the centre ⌊(H − crop)/2⌋, ⌊(W − crop)/2⌋ (= (8, 29) for 128×171 / 112), never flipped. */
export function testCrop(height: number, width: number, size: number): ClipCrop {
  checkCropFits(height, width, size);
  return { ...centreCrop({ resizeHeight: height, resizeWidth: width, cropSize: size }), size, flip: false };
}

function checkCropFits(height: number, width: number, size: number): void {
  if (!(Number.isSafeInteger(size) && size >= 1)) throw new RangeError(`crop size must be a positive integer, got ${size}`);
  if (size > height || size > width) throw new RangeError(`crop ${size}×${size} does not fit in ${height}×${width} frames`);
}

/**
 * Writes a clip (L frames of H×W×3 BGR bytes, `frames.length` = L·H·W·3) as C×L×size×size floats at
 * `out[offset…]`: the `crop` window (mirrored if `crop.flip`), minus the mean, channels in the
 * convention's order. A mean cube is read at the unflipped source pixel and frame t (Caffe's data
 * transformer); a cube larger than H×W holds the frames at its centre; one too small is an error.
 * Shares its loop with extraction (src/features/preprocess.ts writeClipInput).
 */
export function writeClip(
  frames: Uint8Array,
  height: number,
  width: number,
  crop: ClipCrop,
  convention: PixelConvention,
  out: Float32Array,
  offset = 0,
): void {
  const frameBytes = height * width * 3;
  if (!(frameBytes > 0) || frames.length % frameBytes !== 0) {
    throw new RangeError(`writeClip: ${frames.length} bytes are not whole ${height}×${width}×3 frames`);
  }
  const views: Uint8Array[] = [];
  for (let o = 0; o < frames.length; o += frameBytes) views.push(frames.subarray(o, o + frameBytes));
  writeClipInput(views, height, width, crop, convention, out, offset);
}

/**
 * Reads the `length` frames of the clip starting at `start` from the cache into `out` (length·H·W·3
 * bytes); frames past the video's end repeat its last frame (a video shorter than the clip).
 */
export function readClip(cache: FrameCache, path: string, start: number, length: number, out?: Uint8Array): Uint8Array {
  const frames = cache.frames(path);
  const fb = cache.frameBytes;
  const dst = out ?? new Uint8Array(length * fb);
  if (dst.length < length * fb) throw new RangeError(`readClip: output has ${dst.length} bytes, ${length} frames need ${length * fb}`);
  const have = Math.max(0, Math.min(length, frames - start));
  if (have === 0) throw new RangeError(`${path}: clip start ${start} is past the video's ${frames} frames`);
  cache.readFrames(path, start, have, dst);
  for (let t = have; t < length; t++) dst.copyWithin(t * fb, (have - 1) * fb, have * fb);
  return dst;
}

/** numpy's round (half to even), as np.round in MMAction2. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Starts of `count` evenly spaced test clips (paper Table 2: 10 per video), MMAction2's SampleFrames
 * test mode (mmaction/datasets/transforms/loading.py `_get_test_clips`, frame_interval 1):
 * with maxOffset = max(frames − length, 0),
 *   count > 1: start_i = round(i · (maxOffset / (count − 1))), i = 0…count−1 (np.round: half to even),
 *              so the first clip starts at 0 and the last ends at the video's last frame;
 *   count = 1: ⌊maxOffset / 2⌋ (the middle clip).
 * Every start lies in [0, maxOffset]; a video shorter than the clip gets `count` clips at 0.
 */
export function testClipStarts(frames: number, length: number, count: number): number[] {
  checkCounts(frames, length);
  if (!(Number.isSafeInteger(count) && count >= 1)) throw new RangeError(`clips per video must be a positive integer, got ${count}`);
  const maxOffset = Math.max(frames - length, 0);
  if (count === 1) return [Math.floor(maxOffset / 2)];
  const between = maxOffset / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.min(Math.max(roundHalfEven(i * between), 0), maxOffset));
}

/** The single "middle clip" of a video (clip accuracy): ⌊max(frames − length, 0) / 2⌋. */
export function middleClipStart(frames: number, length: number): number {
  return testClipStarts(frames, length, 1)[0];
}
