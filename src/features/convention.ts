/**
 * The input convention (src/io/convention.ts: channel order + mean, carried by loaded weights or given
 * with --channels/--mean) resolved into what the preprocessing applies to pixels: the mean cube's
 * values loaded from its file, channel means put in BGR order (the order of our decoded frames).
 * The file-free part lives in ./pixel-convention.ts (shared with the browser page).
 */
import { readNpy } from '../io/npy.js';
import { readBinaryproto } from '../io/caffe/blob.js';
import type { InputConvention } from '../io/convention.js';
import { meanFromArray, resolvePixelConvention, type PixelConvention } from './pixel-convention.js';

export { BGR_NO_MEAN, meanFromArray, resolvePixelConvention, type PixelConvention } from './pixel-convention.js';

/** Loads a mean file: a C3D `.binaryproto` (1×3×L×H×W) or a `.npy` of (3,L,H,W), (1,3,L,H,W) or (3,) BGR values. */
export function loadMeanFile(path: string): PixelConvention['mean'] {
  let shape: readonly number[];
  let data: Float32Array;
  if (path.toLowerCase().endsWith('.npy')) {
    const a = readNpy(path);
    shape = a.shape;
    data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  } else {
    const t = readBinaryproto(path);
    shape = t.shape;
    data = t.data;
  }
  return meanFromArray(shape, data, path);
}

/** Resolves a convention; a mean cube without data or file is an error that says what to pass. */
export function resolveConvention(c: InputConvention): PixelConvention {
  return resolvePixelConvention(c, loadMeanFile);
}
