/**
 * A spec + its weights as an ONNX model (opset 13), encoded with protobufjs through the ONNX schema
 * shipped in the `onnx-proto` package. The graph is the eval-mode net (dropout omitted). No Node APIs:
 * the browser page builds its graphs with it too; writing files is ./onnx-export.ts.
 *
 * Caffe's ceil pooling is written as MaxPool with explicit end padding (pads begin 0 / end 1 for
 * C3D's pool5, 7 → 4) rather than `ceil_mode`, which onnxruntime-web does not support; MaxPool's
 * padding never wins a max, so the values are Caffe's ragged-window values.
 *
 * Tensor names: the input is `data`; every blob the spec names (conv5b, pool5, fc6, fc7, fc8, prob…)
 * is a tensor of that name holding the blob's final value — post-ReLU for in-place ReLUs, as in
 * Caffe. Pre-activation values are named `<blob>.preact`. Requested blobs become graph outputs.
 */
import onnxProto from 'onnx-proto';
import type { Tensor } from '../tensor/tensor.js';
import { isParamLayer, type NetSpec, type LayerSpec } from '../models/spec.js';
import { analyzeSpec, blobNames, INPUT_BLOB, SpecError } from '../models/shapes.js';
import { checkParams } from '../nn/params.js';
import type { InputConvention } from './convention.js';
import { attrInt, attrInts, encodeModel as encodeGraph, valueInfo as graphValueInfo, type NodeProto, type TensorProto } from './onnx-graph.js';

const { onnx } = onnxProto;

/** The opset the exported graph uses (Conv-11, MaxPool-12, Gemm-13, Softmax-13, Relu-13, Flatten-13). */
export const ONNX_OPSET = 13;
const IR_VERSION = 7;
/** ONNX raw data is little-endian; typed arrays use the host's byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface OnnxExportOptions {
  /** Blobs exposed as graph outputs (default: the spec's `outputs`). */
  outputs?: readonly string[];
  /** Fixed batch size; default a symbolic `N` dim. */
  batch?: number;
  /** Written to the model's doc_string. */
  description?: string;
  /** The input convention the weights expect, recorded in the file's metadata (writeOnnxModel only). */
  convention?: InputConvention;
}


/** An ONNX model whose weights live outside the protobuf, as onnxruntime's in-memory external data. */
export interface OnnxModelWithExternalData {
  /** The graph; every initializer points at an external "file" named after the parameter. */
  bytes: Uint8Array;
  /** Pass as `SessionOptions.externalData`: one entry per parameter, a view of its Float32Array (no copy). */
  externalData: Array<{ path: string; data: Uint8Array }>;
}

/** Explicit MaxPool padding (begin, end per axis) that reproduces `rounding` with a floor formula. */
export function onnxPoolPads(inDims: readonly number[], outDims: readonly number[], l: { kernel: readonly number[]; stride: readonly number[]; pad: readonly number[] }): number[] {
  const begin = [0, 1, 2].map((a) => l.pad[a]!);
  // The last window starts at (out − 1)·s − pad_begin and ends k later; pad the input to reach it.
  const end = [0, 1, 2].map((a) => Math.max(0, (outDims[a]! - 1) * l.stride[a]! + l.kernel[a]! - inDims[a]! - begin[a]!));
  return [...begin, ...end];
}

/**
 * Builds the ONNX model bytes. Throws SpecError for an unknown output and WeightsMismatchError when
 * `params` do not fit the spec (listing expected vs given shapes by parameter name).
 */
export function buildOnnxModel(spec: NetSpec, params: ReadonlyMap<string, Tensor>, opts: OnnxExportOptions = {}): Uint8Array {
  return encodeModel(spec, params, opts, false).bytes;
}

/**
 * Like buildOnnxModel, but the weights stay in the caller's tensors: the protobuf holds only the graph,
 * so a session is created without a second in-memory copy of all the weights (C3D: 320 MB).
 */
export function buildOnnxModelWithExternalData(spec: NetSpec, params: ReadonlyMap<string, Tensor>, opts: OnnxExportOptions = {}): OnnxModelWithExternalData {
  return encodeModel(spec, params, opts, true);
}

function encodeModel(spec: NetSpec, params: ReadonlyMap<string, Tensor>, opts: OnnxExportOptions, external: boolean): OnnxModelWithExternalData {
  if (!LITTLE_ENDIAN) throw new Error('onnx-export: ONNX raw tensor data is little-endian; this host is big-endian');
  const infos = analyzeSpec(spec).filter((i) => i.layer.type !== 'dropout'); // eval mode: identity
  checkParams(spec, params);
  const known = blobNames(spec);
  const outputs = opts.outputs ?? spec.outputs;
  for (const o of outputs) {
    if (!known.includes(o)) throw new SpecError(`onnx-export: '${o}' is not a blob of ${spec.name} (blobs: ${known.join(', ')})`);
  }
  if (opts.batch !== undefined && !(Number.isSafeInteger(opts.batch) && opts.batch > 0)) {
    throw new SpecError(`onnx-export: batch must be a positive integer, got ${opts.batch}`);
  }
  const finalWriter = new Map<string, number>();
  infos.forEach((info, i) => finalWriter.set(info.outName, i));

  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const shapes = new Map<string, number[]>();
  let cur = INPUT_BLOB;
  infos.forEach((info, i) => {
    const l = info.layer;
    const isFinal = finalWriter.get(info.outName) === i;
    const out = isFinal ? info.outName : l.name === info.outName ? `${info.outName}.preact` : `${info.outName}.${l.name}`;
    if (isParamLayer(l)) for (const kind of ['weight', 'bias']) initializers.push(paramInitializer(`${l.name}.${kind}`, params, external));
    nodes.push(...forwardLayerNodes(l, cur, out, info.inShape, info.outShape));
    if (isFinal) shapes.set(out, info.outShape);
    cur = out;
  });

  const batchDim = opts.batch ?? 'N';
  const valueInfo = (name: string, dims: readonly number[]) => graphValueInfo(name, onnx.TensorProto.DataType.FLOAT, [batchDim, ...dims]);
  const bytes = encodeGraph({
    opset: ONNX_OPSET,
    irVersion: IR_VERSION,
    name: spec.name,
    docString: opts.description ?? `${spec.name} exported by c3d`,
    nodes,
    initializers,
    inputs: [valueInfo(INPUT_BLOB, spec.input)],
    outputs: outputs.map((o) => valueInfo(o, shapes.get(o)!)),
  });
  const externalData = external
    ? initializers.map((t) => {
        const p = params.get(t.name!)!;
        return { path: t.name!, data: new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength) };
      })
    : [];
  return { bytes, externalData };
}

/** One parameter as an initializer: inline raw data, or a pointer to in-memory external data named after it. */
function paramInitializer(name: string, params: ReadonlyMap<string, Tensor>, external: boolean): TensorProto {
  const t = params.get(name)!;
  const proto: TensorProto = { name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [...t.shape] };
  if (external) {
    proto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    proto.externalData = [{ key: 'location', value: name }, { key: 'offset', value: '0' }, { key: 'length', value: String(t.data.byteLength) }];
  } else {
    proto.rawData = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  }
  return proto;
}

/**
 * The eval-mode nodes of one layer, reading `input` and writing `output`; a conv or fc reads its
 * parameters from tensors named `<layer>.weight` / `<layer>.bias` (initializers here, graph inputs in
 * the training graphs of src/train/onnx/graph.ts, which share this so both run the same forward).
 */
export function forwardLayerNodes(l: LayerSpec, input: string, output: string, inShape: readonly number[], outShape: readonly number[]): NodeProto[] {
  switch (l.type) {
    case 'conv3d':
      return [{
        name: l.name, opType: 'Conv', input: [input, `${l.name}.weight`, `${l.name}.bias`], output: [output],
        attribute: [attrInts('kernel_shape', l.kernel), attrInts('strides', l.stride), attrInts('pads', [...l.pad, ...l.pad])],
      }];
    case 'pool3d':
      return [{
        name: l.name, opType: 'MaxPool', input: [input], output: [output],
        attribute: [attrInts('kernel_shape', l.kernel), attrInts('strides', l.stride), attrInts('pads', onnxPoolPads(inShape.slice(1), outShape.slice(1), l))],
      }];
    case 'fc': {
      const nodes: NodeProto[] = [];
      let x = input;
      if (inShape.length > 1) {
        // Caffe's InnerProduct flattens (C, L, H, W) in row-major order, as Flatten(axis 1) does.
        x = `${l.name}.flatten`;
        nodes.push({ name: `${l.name}.flatten`, opType: 'Flatten', input: [input], output: [x], attribute: [attrInt('axis', 1)] });
      }
      nodes.push({ name: l.name, opType: 'Gemm', input: [x, `${l.name}.weight`, `${l.name}.bias`], output: [output], attribute: [attrInt('transB', 1)] });
      return nodes;
    }
    case 'relu':
      return [{ name: l.name, opType: 'Relu', input: [input], output: [output] }];
    case 'softmax':
      return [{ name: l.name, opType: 'Softmax', input: [input], output: [output], attribute: [attrInt('axis', 1)] }];
    case 'dropout':
      return [{ name: l.name, opType: 'Identity', input: [input], output: [output] }];
  }
}
