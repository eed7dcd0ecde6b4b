/**
 * Shape inference over a spec: the size of every blob, the shape of every parameter, and the
 * parameter / multiply-add counts reported by `c3d models`. Also validates a spec (a hand-edited
 * JSON spec must fail here with the layer's name, not deep inside a kernel).
 */
import { poolOutputSize, convOutputSize } from '../kernels/reference/sizes.js';
import type { Triple } from '../kernels/api.js';
import { createsBlob, LAYER_TYPES, type LayerSpec, type NetSpec } from './spec.js';

/** Name of the input blob (Caffe's data layer). */
export const INPUT_BLOB = 'data';

/** Thrown for a malformed spec; the message names the spec and the layer. */
export class SpecError extends Error {
  override name = 'SpecError';
}

export interface LayerInfo {
  layer: LayerSpec;
  /** Blob the layer reads (without batch dim). */
  inName: string;
  inShape: number[];
  /** Blob the layer writes: its own name, or its input's for in-place relu/dropout. */
  outName: string;
  outShape: number[];
  /** Multiply-adds per clip (conv and fc only). */
  macs: number;
  params: number;
}

function checkPosInt(spec: string, layer: string, what: string, v: unknown, min = 1): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new SpecError(`spec ${spec}: layer ${layer}: ${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
}

function checkTriple(spec: string, layer: string, what: string, v: unknown, min: number): asserts v is Triple {
  if (!Array.isArray(v) || v.length !== 3) {
    throw new SpecError(`spec ${spec}: layer ${layer}: ${what} must be a triple [d, h, w], got ${JSON.stringify(v)}`);
  }
  for (const x of v) checkPosInt(spec, layer, what, x, min);
}

/**
 * Walks the layers, validating each, and returns per-layer input/output shapes and costs.
 * Throws SpecError naming the layer for bad fields, duplicate names or a window that does not fit.
 */
export function analyzeSpec(spec: NetSpec): LayerInfo[] {
  const sn = spec?.name ?? '?';
  if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string') {
    throw new SpecError('spec: must be an object with a string "name"');
  }
  if (!Array.isArray(spec.input) || spec.input.length !== 4) {
    throw new SpecError(`spec ${sn}: input must be [C, L, H, W], got ${JSON.stringify(spec.input)}`);
  }
  spec.input.forEach((d, i) => checkPosInt(sn, 'input', `input[${i}]`, d));
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new SpecError(`spec ${sn}: layers must be a non-empty array`);
  }
  const seen = new Set<string>([INPUT_BLOB]);
  let name = INPUT_BLOB;
  let shape: number[] = [...spec.input];
  const infos: LayerInfo[] = [];
  for (const layer of spec.layers) {
    const ln = typeof layer?.name === 'string' && layer.name ? layer.name : '?';
    if (ln === '?') throw new SpecError(`spec ${sn}: every layer needs a non-empty string name`);
    if (seen.has(ln)) throw new SpecError(`spec ${sn}: duplicate layer name ${ln}`);
    seen.add(ln);
    if (!(LAYER_TYPES as readonly string[]).includes(layer.type)) {
      throw new SpecError(`spec ${sn}: layer ${ln}: unknown type ${JSON.stringify(layer.type)} (known: ${LAYER_TYPES.join(', ')})`);
    }
    const inShape = shape;
    let outShape = inShape;
    let macs = 0;
    let params = 0;
    switch (layer.type) {
      case 'conv3d': {
        if (inShape.length !== 4) throw new SpecError(`spec ${sn}: layer ${ln}: conv3d needs a (C, L, H, W) input, got [${inShape}]`);
        checkPosInt(sn, ln, 'out', layer.out);
        checkTriple(sn, ln, 'kernel', layer.kernel, 1);
        checkTriple(sn, ln, 'pad', layer.pad, 0);
        checkTriple(sn, ln, 'stride', layer.stride, 1);
        const dims = [1, 2, 3].map((a) => convOutputSize(inShape[a]!, layer.kernel[a - 1]!, layer.stride[a - 1]!, layer.pad[a - 1]!));
        if (dims.some((d) => d < 1)) throw new SpecError(`spec ${sn}: layer ${ln}: kernel [${layer.kernel}] does not fit input [${inShape}] with pad [${layer.pad}]`);
        outShape = [layer.out, ...dims];
        const k = inShape[0]! * layer.kernel[0] * layer.kernel[1] * layer.kernel[2];
        params = layer.out * k + layer.out;
        macs = dims[0]! * dims[1]! * dims[2]! * layer.out * k;
        break;
      }
      case 'pool3d': {
        if (inShape.length !== 4) throw new SpecError(`spec ${sn}: layer ${ln}: pool3d needs a (C, L, H, W) input, got [${inShape}]`);
        checkTriple(sn, ln, 'kernel', layer.kernel, 1);
        checkTriple(sn, ln, 'stride', layer.stride, 1);
        checkTriple(sn, ln, 'pad', layer.pad, 0);
        if (layer.rounding !== 'ceil' && layer.rounding !== 'floor') {
          throw new SpecError(`spec ${sn}: layer ${ln}: rounding must be "ceil" or "floor", got ${JSON.stringify(layer.rounding)}`);
        }
        for (let a = 0; a < 3; a++) {
          if (layer.pad[a]! >= layer.kernel[a]!) throw new SpecError(`spec ${sn}: layer ${ln}: pad [${layer.pad}] must be smaller than kernel [${layer.kernel}]`);
        }
        const dims = [1, 2, 3].map((a) => poolOutputSize(inShape[a]!, layer.kernel[a - 1]!, layer.stride[a - 1]!, layer.pad[a - 1]!, layer.rounding));
        if (dims.some((d) => d < 1)) throw new SpecError(`spec ${sn}: layer ${ln}: window [${layer.kernel}] does not fit input [${inShape}]`);
        outShape = [inShape[0]!, ...dims];
        break;
      }
      case 'fc': {
        checkPosInt(sn, ln, 'out', layer.out);
        const k = inShape.reduce((a, b) => a * b, 1);
        outShape = [layer.out];
        params = layer.out * k + layer.out;
        macs = layer.out * k;
        break;
      }
      case 'dropout':
        if (typeof layer.p !== 'number' || !(layer.p >= 0 && layer.p < 1)) {
          throw new SpecError(`spec ${sn}: layer ${ln}: dropout p must be in [0, 1), got ${JSON.stringify(layer.p)}`);
        }
        break;
      case 'softmax':
        if (inShape.length !== 1) throw new SpecError(`spec ${sn}: layer ${ln}: softmax needs a flat (K) input, got [${inShape}]`);
        break;
      case 'relu':
        break;
    }
    const outName = createsBlob(layer) ? ln : name;
    infos.push({ layer, inName: name, inShape, outName, outShape, macs, params });
    name = outName;
    shape = outShape;
  }
  const blobs = new Set(infos.map((i) => i.outName));
  if (!Array.isArray(spec.outputs)) throw new SpecError(`spec ${sn}: outputs must be an array of blob names`);
  for (const o of spec.outputs) {
    if (!blobs.has(o)) throw new SpecError(`spec ${sn}: output ${JSON.stringify(o)} is not a blob of this net (blobs: ${[...blobs].join(', ')})`);
  }
  return infos;
}

/** Shape (without batch dim) of every blob, in creation order; includes the input `data`. */
export function blobShapes(spec: NetSpec): Map<string, number[]> {
  const m = new Map<string, number[]>([[INPUT_BLOB, [...spec.input]]]);
  for (const i of analyzeSpec(spec)) m.set(i.outName, i.outShape);
  return m;
}

/**
 * Every parameter's shape by name: `<layer>.weight` — conv (O, C, kd, kh, kw), fc (O, K) — and
 * `<layer>.bias` (O). The weights loaders validate files against this map.
 */
export function paramShapes(spec: NetSpec): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const i of analyzeSpec(spec)) {
    const l = i.layer;
    if (l.type === 'conv3d') {
      m.set(`${l.name}.weight`, [l.out, i.inShape[0]!, ...l.kernel]);
      m.set(`${l.name}.bias`, [l.out]);
    } else if (l.type === 'fc') {
      m.set(`${l.name}.weight`, [l.out, i.inShape.reduce((a, b) => a * b, 1)]);
      m.set(`${l.name}.bias`, [l.out]);
    }
  }
  return m;
}

/** Total learnable parameters (weights + biases). */
export function countParams(spec: NetSpec): number {
  return analyzeSpec(spec).reduce((s, i) => s + i.params, 0);
}

/** Multiply-adds of one clip's forward pass (conv + fc; pooling, relu and softmax not counted). */
export function countMacs(spec: NetSpec): number {
  return analyzeSpec(spec).reduce((s, i) => s + i.macs, 0);
}

/** The blob names a net can return: every conv/pool/fc/softmax output. */
export function blobNames(spec: NetSpec): string[] {
  return [...new Set(analyzeSpec(spec).map((i) => i.outName))];
}
