/**
 * Static int8 quantisation of our ONNX graph (src/io/onnx-export.ts), written by our own rewrite of
 * its layer list: each conv3d becomes a QLinearConv (uint8 activations, per-output-channel symmetric
 * int8 weights pre-quantised as initializers, so onnxruntime pre-packs them; int32 bias with scale
 * x_scale·w_scale[o]); a ReLU right after a conv is folded into it (output zero point 0: the
 * requantisation clamps negatives to 0); max pooling runs on the uint8 values (max commutes with a
 * monotone quantiser, and onnxruntime's CPU MaxPool takes uint8). Everything else — fc layers,
 * softmax, and any layer listed in `keepFp32` — runs the fp32 nodes of the export, behind a
 * DequantizeLinear. Every blob the graph exposes is fp32 under its usual name.
 *
 * Why the fc layers stay fp32 by default: they are 0.1% of C3D's multiply-adds (50M of 38.5G), so
 * int8 cannot make them noticeably faster, while fc6 is the descriptor users keep.
 */
import onnxProto from 'onnx-proto';
import type { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import { analyzeSpec, blobNames, INPUT_BLOB, SpecError } from '../models/shapes.js';
import { checkParams } from '../nn/params.js';
import { forwardLayerNodes, onnxPoolPads } from '../io/onnx-export.js';
import { attrInts, encodeModel, valueInfo, DataType, type NodeProto, type TensorProto } from '../io/onnx-graph.js';
import type { ActivationRange } from './calibrate.js';

const { onnx } = onnxProto;
const UINT8 = onnx.TensorProto.DataType.UINT8;
const INT8 = onnx.TensorProto.DataType.INT8;

/** QLinearConv-10, QuantizeLinear/DequantizeLinear-13 (per-axis), MaxPool-12 (uint8). */
export const QUANT_OPSET = 13;

/** uint8 scale and zero point that cover [min, max] (always including 0, so zero padding is exact). */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** The uint8 quantiser of an activation range: asymmetric, 0 exactly representable. */
export function uint8Params(r: ActivationRange): QuantParams {
  const min = Math.min(0, r.min);
  const max = Math.max(0, r.max);
  if (!(max > min)) return { scale: 1, zeroPoint: 0 };
  const scale = (max - min) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

/** Per-output-channel symmetric int8 weights: q = round(w / s_o), s_o = max|w_o| / 127. */
export function quantizeWeightsPerChannel(w: Tensor): { q: Int8Array; scales: Float32Array } {
  const out = w.shape[0]!;
  const per = w.size / out;
  const q = new Int8Array(w.size);
  const scales = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let m = 0;
    for (let i = o * per; i < (o + 1) * per; i++) m = Math.max(m, Math.abs(w.data[i]!));
    // An all-zero channel: any scale represents it; 1 keeps the bias scale finite.
    const s = m > 0 ? m / 127 : 1;
    scales[o] = s;
    for (let i = o * per; i < (o + 1) * per; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w.data[i]! / Math.fround(s))));
  }
  return { q, scales };
}

/** The int32 bias of a QLinearConv: round(b_o / (x_scale · w_scale_o)). */
export function quantizeBias(b: Tensor, xScale: number, wScales: Float32Array): Int32Array {
  const q = new Int32Array(b.size);
  for (let o = 0; o < b.size; o++) q[o] = Math.max(-2147483648, Math.min(2147483647, Math.round(b.data[o]! / (Math.fround(xScale) * wScales[o]!))));
  return q;
}

export interface QuantizeGraphOptions {
  /** Activation ranges by fp32 tensor name: `data` and every conv blob (after its ReLU), from calibrate(). */
  ranges: ReadonlyMap<string, ActivationRange>;
  /** Conv layers to leave in fp32 (fc and softmax always are). */
  keepFp32?: readonly string[];
  /** Blobs exposed as graph outputs (default: every blob of the spec). */
  outputs?: readonly string[];
  /** Metadata props appended to the model (spec, convention, calibration facts). */
  metadata?: { key: string; value: string }[];
}

/** The layers the rewrite makes int8 (the convs not kept fp32), in order. */
export function int8Layers(spec: NetSpec, keepFp32: readonly string[] = []): string[] {
  return spec.layers.filter((l) => l.type === 'conv3d' && !keepFp32.includes(l.name)).map((l) => l.name);
}

/**
 * Builds the quantised ONNX model (opset 13, all initializers inline). Throws SpecError for an
 * unknown output or `keepFp32` name, and for a quantised conv whose ranges were not calibrated.
 */
export function buildQuantizedModel(spec: NetSpec, params: ReadonlyMap<string, Tensor>, opts: QuantizeGraphOptions): Uint8Array {
  checkParams(spec, params);
  const known = blobNames(spec);
  const outputs = opts.outputs ?? known;
  for (const o of outputs) if (!known.includes(o)) throw new SpecError(`quantize: '${o}' is not a blob of ${spec.name} (blobs: ${known.join(', ')})`);
  const convs = spec.layers.filter((l) => l.type === 'conv3d').map((l) => l.name);
  for (const k of opts.keepFp32 ?? []) {
    if (!spec.layers.some((l) => l.name === k)) throw new SpecError(`quantize: --keep-fp32 ${k}: no such layer in ${spec.name} (convs: ${convs.join(', ')})`);
  }
  const keep = new Set(opts.keepFp32 ?? []);
  const infos = analyzeSpec(spec).filter((i) => i.layer.type !== 'dropout');
  const finalWriter = new Map<string, number>();
  infos.forEach((info, i) => finalWriter.set(info.outName, i));

  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const scalar = (name: string, dataType: number, v: number): string => {
    const proto: TensorProto = { name, dataType, dims: [] };
    if (dataType === DataType.FLOAT) proto.floatData = [v];
    else proto.int32Data = [v];
    inits.push(proto);
    return name;
  };
  const raw = (name: string, dataType: number, dims: number[], data: ArrayBufferView): string => {
    inits.push({ name, dataType, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  };
  const rangeOf = (tensor: string): ActivationRange => {
    const r = opts.ranges.get(tensor);
    if (!r) throw new SpecError(`quantize: no calibrated range for '${tensor}' (calibrate the same spec first)`);
    return r;
  };

  // The current value: an fp32 tensor, or a uint8 one with its quantiser.
  let cur: { name: string; q?: QuantParams; qName?: { scale: string; zp: string } } = { name: INPUT_BLOB };
  const fp32Blobs = new Set<string>(); // blobs that already have their fp32 tensor
  const dequantize = (blob: string): void => {
    if (!cur.q) return;
    nodes.push({ name: `${blob}.dequantize`, opType: 'DequantizeLinear', input: [cur.name, cur.qName!.scale, cur.qName!.zp], output: [blob] });
    fp32Blobs.add(blob);
    cur = { name: blob };
  };
  const quantParamsNames = (tensor: string, q: QuantParams): { scale: string; zp: string } => ({
    scale: scalar(`${tensor}.scale`, DataType.FLOAT, q.scale),
    zp: raw(`${tensor}.zero_point`, UINT8, [], new Uint8Array([q.zeroPoint])),
  });

  // uint8 tensor → the names of its scale and zero point (a pool's output shares its input's).
  const quantizers = new Map<string, { scale: string; zp: string }>();
  let curBlob = INPUT_BLOB;
  for (let i = 0; i < infos.length; i++) {
    const info = infos[i]!;
    const l = info.layer;
    const isFinal = finalWriter.get(info.outName) === i;
    if (l.type === 'conv3d' && !keep.has(l.name)) {
      // Input in uint8: quantise the current fp32 value with its calibrated range.
      if (!cur.q) {
        const q = uint8Params(rangeOf(curBlob));
        const names = quantParamsNames(`${curBlob}.q`, q);
        nodes.push({ name: `${curBlob}.quantize`, opType: 'QuantizeLinear', input: [cur.name, names.scale, names.zp], output: [`${curBlob}.q`] });
        cur = { name: `${curBlob}.q`, q, qName: names };
        quantizers.set(cur.name, names);
      }
      // A ReLU right after the conv folds into it: the output range is then the post-ReLU blob's.
      const next = infos[i + 1];
      const fuseRelu = next?.layer.type === 'relu' && next.outName === info.outName;
      const y = uint8Params(rangeOf(info.outName));
      const yNames = quantParamsNames(`${info.outName}.q`, y);
      const w = quantizeWeightsPerChannel(params.get(`${l.name}.weight`)!);
      const b = quantizeBias(params.get(`${l.name}.bias`)!, cur.q!.scale, w.scales);
      const wName = raw(`${l.name}.weight`, INT8, [...params.get(`${l.name}.weight`)!.shape], w.q);
      const wScale = raw(`${l.name}.weight.scale`, DataType.FLOAT, [l.out], w.scales);
      const wZp = raw(`${l.name}.weight.zero_point`, INT8, [l.out], new Int8Array(l.out));
      const bName = raw(`${l.name}.bias`, DataType.INT32, [l.out], b);
      nodes.push({
        name: l.name, opType: 'QLinearConv',
        input: [cur.name, cur.qName!.scale, cur.qName!.zp, wName, wScale, wZp, yNames.scale, yNames.zp, bName],
        output: [`${info.outName}.q`],
        attribute: [attrInts('kernel_shape', l.kernel), attrInts('strides', l.stride), attrInts('pads', [...l.pad, ...l.pad])],
      });
      cur = { name: `${info.outName}.q`, q: y, qName: yNames };
      quantizers.set(cur.name, yNames);
      curBlob = info.outName;
      if (fuseRelu) i++;
      continue;
    }
    if (l.type === 'pool3d' && cur.q) {
      nodes.push({
        name: l.name, opType: 'MaxPool', input: [cur.name], output: [`${info.outName}.q`],
        attribute: [attrInts('kernel_shape', l.kernel), attrInts('strides', l.stride), attrInts('pads', onnxPoolPads(info.inShape.slice(1), info.outShape.slice(1), l))],
      });
      // The same quantiser: max pooling only selects values.
      cur = { name: `${info.outName}.q`, q: cur.q, qName: cur.qName };
      quantizers.set(cur.name, cur.qName!);
      curBlob = info.outName;
      continue;
    }
    // fp32 layers: the export's own nodes, on the dequantised value.
    dequantize(curBlob);
    if (l.type === 'conv3d' || l.type === 'fc') {
      for (const kind of ['weight', 'bias']) {
        const t = params.get(`${l.name}.${kind}`)!;
        raw(`${l.name}.${kind}`, DataType.FLOAT, [...t.shape], t.data);
      }
    }
    const out = isFinal ? info.outName : l.name === info.outName ? `${info.outName}.preact` : `${info.outName}.${l.name}`;
    nodes.push(...forwardLayerNodes(l, cur.name, out, info.inShape, info.outShape));
    if (isFinal) fp32Blobs.add(out);
    cur = { name: out };
    curBlob = info.outName;
  }

  // Blobs that ended in uint8 (a conv or pool blob asked for, e.g. conv5b, pool5) get an fp32 copy.
  for (const blob of outputs.filter((o) => !fp32Blobs.has(o))) {
    const q = quantizers.get(`${blob}.q`);
    if (!q) throw new SpecError(`quantize: blob ${blob} has neither an fp32 nor a uint8 tensor`);
    nodes.push({ name: `${blob}.dequantize`, opType: 'DequantizeLinear', input: [`${blob}.q`, q.scale, q.zp], output: [blob] });
  }

  const shapes = new Map(infos.map((i) => [i.outName, i.outShape]));
  const bytes = encodeModel({
    opset: QUANT_OPSET,
    irVersion: 7,
    name: spec.name,
    docString: `${spec.name} with int8 convolutions (c3d quantize)`,
    nodes,
    initializers: inits,
    inputs: [valueInfo(INPUT_BLOB, DataType.FLOAT, ['N', ...spec.input])],
    outputs: outputs.map((o) => valueInfo(o, DataType.FLOAT, ['N', ...shapes.get(o)!])),
  });
  if (!opts.metadata?.length) return bytes;
  const meta = onnx.ModelProto.encode(onnx.ModelProto.create({ metadataProps: opts.metadata })).finish();
  // protobuf merges concatenated messages: the metadata is a second ModelProto fragment.
  const all = new Uint8Array(bytes.length + meta.length);
  all.set(bytes, 0);
  all.set(meta, bytes.length);
  return all;
}
