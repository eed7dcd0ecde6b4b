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
  const L = frames.length;
  const s = geometry.cropSize;
  const plane = s * s;
  if (out.length < offset + 3 * L * plane) throw new RangeError(`clipToInput: output too small for a 3×${L}×${s}×${s} clip`);
  const mean = convention.mean;
  let cube: { data: Float32Array; H: number; W: number; L: number; y0: number; x0: number } | undefined;
  if (mean.kind === 'cube') {
    const [C, ML, H, W] = mean.shape;
    if (C !== 3 || ML < L || H < s || W < s) {
      throw new Error(`mean cube ${mean.shape.join('×')} does not cover a 3×${L}×${s}×${s} clip`);
    }
    cube = { data: mean.data, L: ML, H, W, y0: Math.floor((H - s) / 2), x0: Math.floor((W - s) / 2) };
  }
  for (let c = 0; c < 3; c++) {
    // Source channel in the BGR frame for output channel c.
    const sc = convention.channels === 'bgr' ? c : 2 - c;
    const pixelMean = mean.kind === 'pixel' ? mean.bgr[sc] : 0;
    for (let t = 0; t < L; t++) {
      const f = frames[t];
      if (f.length !== plane * 3) throw new RangeError(`clipToInput: frame ${t} has ${f.length} bytes, expected ${s}×${s}×3`);
      const o = offset + (c * L + t) * plane;
      if (cube) {
        const base = (sc * cube.L + t) * cube.H * cube.W;
        for (let y = 0; y < s; y++) {
          const mrow = base + (cube.y0 + y) * cube.W + cube.x0;
          const orow = o + y * s;
          for (let x = 0; x < s; x++) out[orow + x] = f[(y * s + x) * 3 + sc] - cube.data[mrow + x];
        }
      } else {
        for (let i = 0; i < plane; i++) out[o + i] = f[i * 3 + sc] - pixelMean;
      }
    }
  }
}
