/**
 * The input convention a set of weights was trained with: channel order and what is subtracted from
 * the 0–255 pixel values. The Caffe release expects BGR (OpenCV order) minus the per-voxel mean cube
 * (sport1m_train16_128_mean.binaryproto); the PyTorch port was run on RGB with nothing subtracted.
 * Loaded weights carry it so the video pipeline applies it without the user having to know.
 */
import type { Tensor } from '../tensor/index.js';

export type ChannelOrder = 'bgr' | 'rgb';

/**
 * What to subtract: nothing; the Caffe mean cube (C×L×H×W, BGR, cropped at the clip's crop location);
 * or one value per channel, listed explicitly in BGR or RGB order so there is no ambiguity.
 */
export type MeanSpec =
  | 'none'
  | { kind: 'cube'; file?: string; data?: Tensor }
  | { kind: 'bgr'; values: [number, number, number] }
  | { kind: 'rgb'; values: [number, number, number] };

export interface InputConvention {
  channels: ChannelOrder;
  mean: MeanSpec;
  /** Where the convention comes from (shown to users; not used for computation). */
  note?: string;
}

export const CAFFE_CONVENTION: InputConvention = {
  channels: 'bgr',
  mean: { kind: 'cube' },
  note: 'C3D Caffe release: BGR frames minus the Sports-1M mean cube',
};

export const PORT_CONVENTION: InputConvention = {
  channels: 'rgb',
  mean: 'none',
  note: 'PyTorch port (c3d.pickle): RGB frames, no mean subtracted (its predict.py)',
};

/** MMAction2's C3D config: frames decoded RGB, mean [104, 117, 128] subtracted channel-wise, std 1. */
export const MMACTION_CONVENTION: InputConvention = {
  channels: 'rgb',
  mean: { kind: 'rgb', values: [104, 117, 128] },
  note: "MMAction2 C3D config: RGB frames minus mean [104, 117, 128] in decoded (RGB) order",
};

/** Parses `--channels`. */
export function parseChannels(s: string): ChannelOrder {
  if (s !== 'bgr' && s !== 'rgb') throw new Error(`--channels must be bgr or rgb, got '${s}'`);
  return s;
}

/** Parses `--mean`: `none`, three numbers `b,g,r` (BGR order, as Caffe lists them), or a mean-cube file. */
export function parseMean(s: string): MeanSpec {
  if (s === 'none') return 'none';
  const parts = s.split(',');
  if (parts.length === 3 && parts.every((p) => p.trim() !== '' && Number.isFinite(Number(p)))) {
    return { kind: 'bgr', values: parts.map(Number) as [number, number, number] };
  }
  if (parts.length !== 1) throw new Error(`--mean must be none, b,g,r or a .binaryproto file, got '${s}'`);
  return { kind: 'cube', file: s };
}

/** The per-channel mean in the given channel order (undefined for 'none' and cubes). */
export function channelMean(mean: MeanSpec, order: ChannelOrder): [number, number, number] | undefined {
  if (mean === 'none' || mean.kind === 'cube') return undefined;
  return mean.kind === order ? mean.values : [mean.values[2], mean.values[1], mean.values[0]];
}

/** One line for logs: printed at the start of every extraction. */
export function describeConvention(c: InputConvention): string {
  const m = c.mean;
  const mean =
    m === 'none'
      ? 'no mean'
      : m.kind === 'cube'
        ? `minus mean cube ${m.file ?? (m.data ? `(embedded ${m.data.shape.join('×')})` : '(file not given: pass --mean FILE)')}`
        : `minus ${m.kind.toUpperCase()} mean ${m.values.join(',')}`;
  return `input: ${c.channels.toUpperCase()} 0–255, ${mean}`;
}

/** JSON form stored in checkpoints (cube data travels as a tensor, not in the JSON). */
export function conventionToJSON(c: InputConvention): string {
  const mean = c.mean === 'none' ? 'none' : c.mean.kind === 'cube' ? { kind: 'cube', file: c.mean.file } : c.mean;
  return JSON.stringify({ channels: c.channels, mean, note: c.note });
}

export function conventionFromJSON(text: string, meanCube?: Tensor): InputConvention {
  const o = JSON.parse(text) as { channels: string; mean: unknown; note?: string };
  const channels = parseChannels(o.channels);
  let mean: MeanSpec;
  if (o.mean === 'none') mean = 'none';
  else {
    const m = o.mean as { kind?: string; file?: string; values?: unknown };
    if (m?.kind === 'cube') mean = { kind: 'cube', file: m.file, data: meanCube };
    else if ((m?.kind === 'bgr' || m?.kind === 'rgb') && Array.isArray(m.values) && m.values.length === 3 && m.values.every((v) => typeof v === 'number')) {
      mean = { kind: m.kind, values: m.values as [number, number, number] };
    } else throw new Error(`input convention has an invalid mean ${JSON.stringify(o.mean)}`);
  }
  return { channels, mean, note: o.note };
}
