/**
 * From decoded frames to the net's input, as Caffe's C3D data layer does it: resize every frame to
 * 171×128 with OpenCV's bilinear arithmetic, take the test-time crop at (h, w) = (8, 29) (the centre),
 * subtract the mean (cube voxel by voxel at the crop location, or per pixel), order channels, and lay
 * the clip out as C×L×H×W float32.
 */
import { LinearResizer, type Image8 } from '../video/resize.js';
import type { PixelConvention } from './convention.js';

/** Frame size the C3D data layer resizes to (new_width × new_height). */
export const RESIZE_WIDTH = 171;
export const RESIZE_HEIGHT = 128;
/** Spatial crop size (crop_size). */
export const CROP_SIZE = 112;

export interface FrameGeometry {
  resizeWidth: number;
  resizeHeight: number;
  cropSize: number;
}

export const C3D_GEOMETRY: FrameGeometry = { resizeWidth: RESIZE_WIDTH, resizeHeight: RESIZE_HEIGHT, cropSize: CROP_SIZE };

/** Top-left of the centre crop: Caffe's test offset ((H−crop)/2, (W−crop)/2) = (8, 29) for 128×171. */
export function centreCrop(g: FrameGeometry = C3D_GEOMETRY): { y: number; x: number } {
  return { y: Math.floor((g.resizeHeight - g.cropSize) / 2), x: Math.floor((g.resizeWidth - g.cropSize) / 2) };
}

/**
 * Turns decoded frames (any size, BGR) into cropped `cropSize²×3` BGR byte frames; keeps one resizer
 * per source size (a video's size is fixed, but frames directories may mix sizes).
 */
export class FramePreparer {
  private resizer: LinearResizer | undefined;
  readonly crop: { y: number; x: number };

  constructor(readonly geometry: FrameGeometry = C3D_GEOMETRY) {
    this.crop = centreCrop(geometry);
  }

  /**
   * Resize (OpenCV INTER_LINEAR) then crop; returns a fresh cropSize×cropSize×3 buffer. Only the
   * cropped window of the resized frame is computed (same values, ~57% of the work).
   */
  prepare(frame: Image8): Uint8Array {
    if (frame.channels !== 3) throw new Error(`expected 3-channel BGR frames, got ${frame.channels} channels`);
    const g = this.geometry;
    let r = this.resizer;
    if (!r || r.srcWidth !== frame.width || r.srcHeight !== frame.height) {
      r = this.resizer = new LinearResizer(frame.width, frame.height, g.resizeWidth, g.resizeHeight, 3);
    }
    const s = g.cropSize;
    return r.resizeRegion(frame.data, new Uint8Array(s * s * 3), this.crop.x, this.crop.y, s, s);
  }
}

/** Where a clip's square crop lies in its frames, and whether it is mirrored. */
export interface ClipCrop {
  /** Top-left of the crop in the frame. */
  y: number;
  x: number;
  /** Side of the square crop. */
  size: number;
  /** Horizontal flip of every frame of the clip (training augmentation). */
  flip: boolean;
}

/**
 * The one channel/mean/layout loop of the project: writes the `crop` of L BGR frames (each H×W×3
 * bytes) into `out` at `offset` as C×L×size×size floats, value = pixel − mean, channels in the
 * convention's order. As Caffe's data transformer does it, a mean cube is read at the crop location
 * of the UNflipped source pixel and frame t, and the value is written at the flipped position. A cube
 * larger than the frames holds them at its centre (offset ⌊(H′−H)/2⌋, ⌊(W′−W)/2⌋); a 128×171 cube
 * and 128×171 frames line up exactly.
 */
export function writeClipInput(
  frames: readonly Uint8Array[],
  height: number,
  width: number,
  crop: ClipCrop,
  convention: PixelConvention,
  out: Float32Array,
  offset = 0,
): void {
  const L = frames.length;
  const { y: y0, x: x0, size: s, flip } = crop;
  if (!(Number.isSafeInteger(s) && s > 0 && Number.isSafeInteger(y0) && Number.isSafeInteger(x0) && y0 >= 0 && x0 >= 0 && y0 + s <= height && x0 + s <= width)) {
    throw new RangeError(`clip crop ${s}×${s} at (${y0}, ${x0}) is outside the ${height}×${width} frames`);
  }
  const plane = s * s;
  if (out.length < offset + 3 * L * plane) throw new RangeError(`clip input: output too small for a 3×${L}×${s}×${s} clip`);
  const mean = convention.mean;
  let cube: { data: Float32Array; L: number; H: number; W: number; y: number; x: number } | undefined;
  if (mean.kind === 'cube') {
    const [C, ML, H, W] = mean.shape;
    if (C !== 3 || ML < L || H < height || W < width) {
      throw new Error(`mean cube ${mean.shape.join('×')} does not cover a 3×${L}×${height}×${width} clip`);
    }
    // Mean voxel of frame pixel (0, 0) of the crop.
    cube = { data: mean.data, L: ML, H, W, y: Math.floor((H - height) / 2) + y0, x: Math.floor((W - width) / 2) + x0 };
  }
  const rowBytes = width * 3;
  for (let c = 0; c < 3; c++) {
    // Source channel in the BGR frame for output channel c.
    const sc = convention.channels === 'bgr' ? c : 2 - c;
    const pixelMean = mean.kind === 'pixel' ? mean.bgr[sc] : 0;
    for (let t = 0; t < L; t++) {
      const f = frames[t];
      if (f.length !== height * rowBytes) throw new RangeError(`clip input: frame ${t} has ${f.length} bytes, expected ${height}×${width}×3`);
      const o = offset + (c * L + t) * plane;
      const mbase = cube ? (sc * cube.L + t) * cube.H * cube.W : 0;
      for (let y = 0; y < s; y++) {
        const src = (y0 + y) * rowBytes + x0 * 3 + sc;
        const orow = o + y * s;
        // Flipped: source column x goes to output column s−1−x.
        const ox0 = flip ? orow + s - 1 : orow;
        const step = flip ? -1 : 1;
        if (cube) {
          const m = cube.data;
          const mrow = mbase + (cube.y + y) * cube.W + cube.x;
          for (let x = 0; x < s; x++) out[ox0 + step * x] = f[src + x * 3] - m[mrow + x];
        } else {
          for (let x = 0; x < s; x++) out[ox0 + step * x] = f[src + x * 3] - pixelMean;
        }
      }
    }
  }
}

/**
 * Writes one clip (L cropped BGR frames of cropSize²×3 bytes) into `out` at `offset` as C×L×H×W floats:
 * value = pixel − mean, channel order per the convention. A mean cube is indexed at the crop location
 * (its own centre crop, so a 128×171 cube is read at (8, 29) like Caffe) and frame t of the clip.
 */
export function clipToInput(
  frames: readonly Uint8Array[],
  convention: PixelConvention,
  out: Float32Array,
  offset = 0,
  geometry: FrameGeometry = C3D_GEOMETRY,
): void {
  const s = geometry.cropSize;
  // Pre-cropped frames are the whole s×s "frame", which sits at the cube's centre crop.
  writeClipInput(frames, s, s, { y: 0, x: 0, size: s, flip: false }, convention, out, offset);
}
