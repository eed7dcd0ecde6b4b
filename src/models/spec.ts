/**
 * A net is data: an ordered list of layers plus the input clip size, like a Caffe prototxt but typed.
 * Specs are plain JSON values (no functions, no classes) so they print, diff and round-trip through
 * `JSON.stringify` / `parseNetSpec`. Layers run in order on one "current blob": conv3d, pool3d, fc and
 * softmax write a new blob named after the layer; relu and dropout act in place on the current blob,
 * as Caffe's in-place layers do — so the blob `fc6` holds the value after relu6 (the C3D descriptor).
 */
import type { Triple } from '../kernels/api.js';

export interface Conv3dLayer {
  type: 'conv3d';
  name: string;
  /** Output channels. */
  out: number;
  /** Kernel (d, k, k): temporal depth first. */
  kernel: Triple;
  /** Zero padding (d, h, w), both ends. */
  pad: Triple;
  stride: Triple;
}

export interface Pool3dLayer {
  type: 'pool3d';
  name: string;
  kernel: Triple;
  stride: Triple;
  pad: Triple;
  /** 'ceil' = Caffe's Pooling3D (the default of every C3D net); 'floor' = PyTorch's default. */
  rounding: 'ceil' | 'floor';
}

export interface FcLayer {
  type: 'fc';
  name: string;
  out: number;
}

export interface ReluLayer {
  type: 'relu';
  name: string;
}

export interface DropoutLayer {
  type: 'dropout';
  name: string;
  /** Drop probability (Caffe's dropout_ratio). */
  p: number;
}

export interface SoftmaxLayer {
  type: 'softmax';
  name: string;
}

export type LayerSpec = Conv3dLayer | Pool3dLayer | FcLayer | ReluLayer | DropoutLayer | SoftmaxLayer;

/** Layers that own parameters (`<name>.weight`, `<name>.bias`). */
export type ParamLayer = Conv3dLayer | FcLayer;

/** Layers that create a blob named after themselves. */
export type BlobLayer = Conv3dLayer | Pool3dLayer | FcLayer | SoftmaxLayer;

export interface NetSpec {
  /** Registry name with its options, e.g. "c3d-sports1m" or "depth-3 (width 0.25)". */
  name: string;
  /** Input clip without the batch dim: (C, L, H, W). */
  input: [number, number, number, number];
  layers: LayerSpec[];
  /** Blobs a caller may ask for (feature layers first, then the classifier outputs). */
  outputs: string[];
}

export const LAYER_TYPES = ['conv3d', 'pool3d', 'fc', 'relu', 'dropout', 'softmax'] as const;

export function isParamLayer(l: LayerSpec): l is ParamLayer {
  return l.type === 'conv3d' || l.type === 'fc';
}

export function createsBlob(l: LayerSpec): l is BlobLayer {
  return l.type !== 'relu' && l.type !== 'dropout';
}
