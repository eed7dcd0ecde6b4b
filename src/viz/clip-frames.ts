/**
 * Clips and projections as displayable RGB frames: a preprocessed clip back to its pixels (the mean
 * added back, channels put in RGB order: the inverse of clipToInput in src/features/preprocess.ts),
 * a projection scaled for display, and a saliency tube coloured over the frames.
 */
import type { PixelConvention } from '../features/convention.js';

/** An 8-bit RGB image, rows top to bottom, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Over what a projection is scaled for display: the whole clip (default) or each frame alone. */
export type DisplayNormalization = 'clip' | 'frame';

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/**
 * The L frames of a preprocessed clip (3, L, S, S floats at `offset`, the net's channel order,
 * pixel − mean) as RGB images: pixel = value + mean, clamped to 0…255. A mean cube is read where
 * clipToInput read it (the centre crop of the cube), so a decoded clip comes back exactly.
 */
export function clipToRgbFrames(clip: Float32Array, L: number, S: number, convention: PixelConvention, offset = 0): RgbImage[] {
  const plane = S * S;
  const mean = convention.mean;
  const frames: RgbImage[] = [];
  for (let t = 0; t < L; t++) {
    const data = new Uint8Array(plane * 3);
    for (let c = 0; c < 3; c++) {
      // Input channel c holds BGR channel sc; RGB position of that colour is 2 − sc.
      const sc = convention.channels === 'bgr' ? c : 2 - c;
      const src = offset + (c * L + t) * plane;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          let m = 0;
          if (mean.kind === 'pixel') m = mean.bgr[sc];
          else if (mean.kind === 'cube') {
            const [, ML, MH, MW] = mean.shape;
            const my = Math.floor((MH - S) / 2) + y;
            const mx = Math.floor((MW - S) / 2) + x;
            m = mean.data[((sc * ML + t) * MH + my) * MW + mx]!;
          }
          data[(y * S + x) * 3 + (2 - sc)] = clampByte(clip[src + y * S + x]! + m);
        }
      }
    }
    frames.push({ width: S, height: S, data });
  }
  return frames;
}

/**
 * The robust maximum of |v| a display scales by: its 99.5th percentile (the value at rank
 * ⌈0.995·n⌉ of the sorted |v|), so a handful of extreme pixels cannot turn the rest flat grey. For
 * up to 200 values it is the maximum.
 */
export function displayScale(values: Float32Array): number {
  if (values.length === 0) return 0;
  const a = values.map(Math.abs).sort();
  return a[Math.ceil(0.995 * a.length) - 1]!;
}

/**
 * A projection (3, L, H, W at `offset`, the net's input channel order) as RGB frames. Zero is mid
 * grey: pixel = 128 + 127·clamp(v / s, −1, 1) with s = displayScale (the 99.5th percentile of |v|)
 * over the whole clip (all frames and channels, default — so quiet frames look quiet) or over each
 * frame (`'frame'`). An all-zero projection is flat grey.
 */
export function projectionToRgbFrames(
  p: Float32Array,
  L: number,
  H: number,
  W: number,
  channels: 'bgr' | 'rgb',
  normalize: DisplayNormalization = 'clip',
  offset = 0,
): RgbImage[] {
  const plane = H * W;
  const frameOf = (t: number): Float32Array => {
    const f = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) f.set(p.subarray(offset + (c * L + t) * plane, offset + (c * L + t + 1) * plane), c * plane);
    return f;
  };
  const clipScale = normalize === 'clip' ? displayScale(p.subarray(offset, offset + 3 * L * plane)) : 0;
  const frames: RgbImage[] = [];
  for (let t = 0; t < L; t++) {
    const m = normalize === 'clip' ? clipScale : displayScale(frameOf(t));
    const k = m > 0 ? 1 / m : 0;
    const data = new Uint8Array(plane * 3);
    for (let c = 0; c < 3; c++) {
      const rgb = channels === 'rgb' ? c : 2 - c;
      const base = offset + (c * L + t) * plane;
      for (let i = 0; i < plane; i++) data[i * 3 + rgb] = clampByte(128 + 127 * Math.max(-1, Math.min(1, k * p[base + i]!)));
    }
    frames.push({ width: W, height: H, data });
  }
  return frames;
}

/** Colour stops of matplotlib's viridis (MMAction2's default colour map), 9 evenly spaced. */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** The viridis colour of v ∈ [0, 1] (clamped), linear between the stops. */
export function viridis(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as [number, number, number];
}

/**
 * A saliency tube (L·H·W values in [0, 1]) over RGB frames of the same size: alpha·colour +
 * (1 − alpha)·pixel, as MMAction2 blends (alpha 0.5).
 */
export function heatOverlay(map: Float32Array, frames: readonly RgbImage[], alpha = 0.5): RgbImage[] {
  return frames.map((f, t) => {
    const plane = f.width * f.height;
    const data = new Uint8Array(plane * 3);
    for (let i = 0; i < plane; i++) {
      const col = viridis(map[t * plane + i]!);
      for (let c = 0; c < 3; c++) data[i * 3 + c] = clampByte(alpha * col[c]! + (1 - alpha) * f.data[i * 3 + c]!);
    }
    return { width: f.width, height: f.height, data };
  });
}

/** Integer box downscale (each output pixel the mean of factor×factor inputs); factor 1 returns the image. */
export function downscale(img: RgbImage, factor: number): RgbImage {
  if (factor <= 1) return img;
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) s += img.data[((y * factor + dy) * img.width + x * factor + dx) * 3 + c]!;
        data[(y * w + x) * 3 + c] = Math.round(s / (factor * factor));
      }
    }
  }
  return { width: w, height: h, data };
}
