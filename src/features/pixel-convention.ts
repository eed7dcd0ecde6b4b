/**
 * The input convention resolved into what the preprocessing applies to pixels, without file access
 * (browsers use it too): mean values in BGR order (the order of our decoded frames), a mean cube from
 * an array already in memory. ./convention.ts adds mean files read from disk and re-exports this.
 */
import { channelMean, type ChannelOrder, type InputConvention } from '../io/convention.js';

/** A convention ready to apply: `mean` values are in BGR order (as decoded frames and Caffe mean files). */
export interface PixelConvention {
  channels: ChannelOrder;
  mean:
    | { kind: 'none' }
    | { kind: 'pixel'; bgr: [number, number, number] }
    /** A (3, L, H, W) BGR mean cube, e.g. sport1m_train16_128_mean (3×16×128×171). */
    | { kind: 'cube'; shape: [number, number, number, number]; data: Float32Array };
}

/** BGR frames, nothing subtracted. */
export const BGR_NO_MEAN: PixelConvention = { channels: 'bgr', mean: { kind: 'none' } };

/** A mean from an array of shape (3,L,H,W), (1,3,L,H,W) or (3,) (BGR values); `where` names its source in errors. */
export function meanFromArray(shape: readonly number[], data: Float32Array, where: string): PixelConvention['mean'] {
  const dims = shape.length === 5 && shape[0] === 1 ? shape.slice(1) : shape;
  if (dims.length === 1 && dims[0] === 3) return { kind: 'pixel', bgr: [data[0], data[1], data[2]] };
  if (dims.length !== 4 || dims[0] !== 3) {
    throw new Error(`${where}: mean must be 3×L×H×W (or 1×3×L×H×W, or 3 values), got ${shape.join('×')}`);
  }
  return { kind: 'cube', shape: dims as [number, number, number, number], data };
}

/**
 * Resolves a convention; a cube given only by file name is read with `loadMeanFile` (Node: from disk;
 * the browser page: already fetched). A cube without data or file is an error that says what to pass.
 */
export function resolvePixelConvention(c: InputConvention, loadMeanFile?: (file: string) => PixelConvention['mean']): PixelConvention {
  const m = c.mean;
  if (m === 'none') return { channels: c.channels, mean: { kind: 'none' } };
  if (m.kind === 'cube') {
    if (m.data) return { channels: c.channels, mean: meanFromArray(m.data.shape, m.data.data, 'embedded mean cube') };
    if (!m.file) throw new Error('these weights expect the mean cube subtracted: pass --mean FILE (sport1m_train16_128_mean.binaryproto) or --mean none');
    if (!loadMeanFile) throw new Error(`mean cube ${m.file}: no way to read mean files here`);
    return { channels: c.channels, mean: loadMeanFile(m.file) };
  }
  return { channels: c.channels, mean: { kind: 'pixel', bgr: channelMean(m, 'bgr')! } };
}
