/**
 * Reading the weights out of an ONNX model: our own `c3d export-onnx` files, and ONNX files exported
 * from the PyTorch C3D port or MMAction2 with torch.onnx.export (their initializers keep the
 * state_dict names, which src/io/keymap.ts renames like a .pt file's keys).
 *
 * A tensor is a weight when a Conv uses it as W/B or a Gemm as B/C (from an initializer or a Constant
 * node), or when its name already reads `<layer>.weight|bias`. Exporters that name folded tensors
 * opaquely (`onnx::Conv_12`) get the layer name from the consuming node (`/conv1/Conv` → conv1). Shape
 * constants (int64) and other float constants are not weights and are skipped.
 *
 * Also `looksLikeOnnx`: ONNX and a Caffe BlobProto both start with byte 0x08 (field 1, varint), so
 * the format is told apart by the fields that follow, before any parser misreads the file.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import onnxProto from 'onnx-proto';
import { Tensor } from '../tensor/tensor.js';
import { withFile, type ByteCursor } from './cursor.js';
import { WeightsError } from './errors.js';
import { readTag, readVarint, skipField, WIRE_LEN, WIRE_VARINT } from './protowire.js';
import { halfToFloat } from './torch/load.js';
import { ONNX_META } from './onnx-meta.js';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type Int = number | { toNumber(): number } | null | undefined;

/** What `c3d inspect` prints about an ONNX file besides its weights. */
export interface OnnxSummary {
  irVersion: number;
  /** Opset per domain ('' = ai.onnx). */
  opsets: { domain: string; version: number }[];
  producer: string;
  graphName: string;
  docString: string;
  /** Real inputs (not initializers listed as inputs, as keep_initializers_as_inputs writes). */
  inputs: string[];
  outputs: string[];
  nodeCount: number;
  /** Initializers and Constant nodes that are not weights (shape constants, scalars…). */
  skipped: string[];
  /** Weights stored in external data files. */
  externalFiles: string[];
  /** Per weight name, the name in the file when it was taken from the consuming node instead. */
  renamedFrom: Map<string, string>;
  /** metadata_props (ours record c3d.spec, c3d.spec_json, c3d.input). */
  metadata: Map<string, string>;
}

export interface OnnxWeights {
  tensors: Map<string, Tensor>;
  summary: OnnxSummary;
  /** For our own C3D exports: how pool5 pads ('caffe' ceil as end padding, 'port' begin padding). */
  pool5?: 'caffe' | 'port';
  /** The file's bytes, when it is an int8 model written by `c3d quantize` (metadata c3d.precision = int8). */
  int8Model?: Uint8Array;
}

/**
 * metadata_props keys of the files writeOnnxModel (src/io/onnx-export.ts) writes, as in our safetensors
 * checkpoints: the spec (registry name and full JSON) and the input convention.
 */
export { ONNX_META };

const LITTLE_ENDIAN = endianness() === 'LE';

const toInt = (v: Int): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

const ONNX_FIELDS_LEN = new Set([2, 3, 4, 6, 7, 8, 14, 20, 25]); // strings, graph, opset_import, metadata…

/**
 * True when the file at the cursor is an ONNX ModelProto: ir_version (field 1, varint, 1–100), then
 * only ModelProto fields with their wire types, including the graph (7) or opset_import (8). A C3D
 * BlobProto has varints in fields 2–5 (channels, length, height, width), so it never qualifies.
 */
export function looksLikeOnnx(c: ByteCursor): boolean {
  try {
    const first = readTag(c, 'ONNX ir_version');
    if (first.field !== 1 || first.wire !== WIRE_VARINT) return false;
    const ir = readVarint(c, 'ONNX ir_version');
    if (ir < 1 || ir > 100) return false;
    let sawGraph = false;
    for (let n = 0; n < 64 && c.pos < c.size; n++) {
      const tag = readTag(c, 'ONNX field');
      if (tag.field === 5 && tag.wire === WIRE_VARINT) readVarint(c, 'model_version');
      else if (ONNX_FIELDS_LEN.has(tag.field) && tag.wire === WIRE_LEN) {
        if (tag.field === 7 || tag.field === 8) sawGraph = true;
        skipField(c, tag, c.size, 'ONNX field');
      } else return false;
    }
    return sawGraph;
  } catch {
    return false;
  }
}

/** `looksLikeOnnx` on a file path (closing it again). */
export function fileLooksLikeOnnx(path: string): boolean {
  try {
    return withFile(path, looksLikeOnnx);
  } catch {
    return false;
  }
}

/** Reads every weight of an ONNX model as float32, with a summary of the graph. */
export function readOnnxWeights(path: string): OnnxWeights {
  const fileBytes = readFileSync(path);
  const model = onnx.ModelProto.decode(fileBytes);
  const graph = model.graph;
  if (!graph) throw new WeightsError(path, 'ONNX model has no graph');
  const nodes = graph.node ?? [];

  // Where each tensor name is used as a weight, and by which node.
  const uses = new Map<string, { node: onnxProto.onnx.INodeProto; kind: 'weight' | 'bias'; transpose: boolean }>();
  for (const node of nodes) {
    const ins = node.input ?? [];
    if (node.opType === 'Conv' || node.opType === 'ConvTranspose') {
      if (ins[1]) uses.set(ins[1], { node, kind: 'weight', transpose: false });
      if (ins[2]) uses.set(ins[2], { node, kind: 'bias', transpose: false });
    } else if (node.opType === 'Gemm') {
      // Our weights are (out, in): Gemm's B is that with transB = 1, its transpose without.
      const transB = toInt(node.attribute?.find((a) => a.name === 'transB')?.i as Int) === 1;
      if (ins[1]) uses.set(ins[1], { node, kind: 'weight', transpose: !transB });
      if (ins[2]) uses.set(ins[2], { node, kind: 'bias', transpose: false });
    } else if (node.opType === 'QLinearConv') {
      // Our int8 files (c3d quantize): int8 weight × per-channel scale, int32 bias × x_scale·w_scale.
      if (ins[3]) uses.set(ins[3], { node, kind: 'weight', transpose: false });
      if (ins[8]) uses.set(ins[8], { node, kind: 'bias', transpose: false });
    }
  }
  const initByName = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));

  const sources: { name: string; proto: TensorProto; from: string }[] = [];
  for (const t of graph.initializer ?? []) sources.push({ name: t.name ?? '', proto: t, from: 'initializer' });
  for (const node of nodes) {
    if (node.opType !== 'Constant') continue;
    const value = node.attribute?.find((a) => a.name === 'value' && a.t)?.t;
    if (value && node.output?.[0]) sources.push({ name: node.output[0], proto: value, from: 'Constant node' });
  }

  const found = new Map<string, { key: string; tensor: Tensor }>();
  const renamedFrom = new Map<string, string>();
  const skipped: string[] = [];
  const externalFiles = new Set<string>();
  for (const { name, proto } of sources) {
    const use = uses.get(name);
    const named = /\.(weight|bias)$/.test(name);
    if (use?.node.opType === 'QLinearConv') {
      found.set(name, { key: name, tensor: dequantizeQLinearConvParam(path, name, proto, use.kind, use.node, initByName) });
      continue;
    }
    if ((!use && !named) || !isFloatType(proto.dataType ?? 0)) {
      skipped.push(name);
      continue;
    }
    if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) externalFiles.add(externalLocation(path, name, proto).location);
    let tensor = toTensor(path, name, proto);
    if (use?.transpose) tensor = transpose2d(path, name, tensor);
    let key = name;
    if (!named && use) {
      key = `${layerFromNode(use.node, nodes.indexOf(use.node))}.${use.kind}`;
      renamedFrom.set(key, name);
    }
    found.set(name, { key, tensor });
  }
  // In the order the graph uses them (conv1 before fc6), whatever order the file stores them in.
  const used = [...uses.keys()].filter((n) => found.has(n));
  const tensors = new Map<string, Tensor>();
  for (const name of [...used, ...[...found.keys()].filter((n) => !uses.has(n))]) {
    const { key, tensor } = found.get(name)!;
    if (tensors.has(key)) throw new WeightsError(path, `two ONNX tensors are named ${key}${renamedFrom.has(key) ? ` (one renamed from ${renamedFrom.get(key)})` : ''}`);
    tensors.set(key, tensor);
  }
  if (tensors.size === 0) throw new WeightsError(path, 'ONNX model holds no weights (no Conv/Gemm initializers or Constant nodes)');

  const initNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const summary: OnnxSummary = {
    irVersion: toInt(model.irVersion as Int),
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: toInt(o.version as Int) })),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    graphName: graph.name ?? '',
    docString: model.docString ?? '',
    inputs: (graph.input ?? []).filter((v) => !initNames.has(v.name)).map(describeValue),
    outputs: (graph.output ?? []).map(describeValue),
    nodeCount: nodes.length,
    skipped,
    externalFiles: [...externalFiles],
    renamedFrom: new Map([...tensors.keys()].filter((k) => renamedFrom.has(k)).map((k) => [k, renamedFrom.get(k)!])),
    metadata: new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };
  // An int8 model (c3d quantize) runs as it is: its bytes go to the onnxruntime session.
  const int8 = summary.metadata.get(ONNX_META.precision) === 'int8';
  return { tensors, summary, pool5: pool5Style(nodes), ...(int8 ? { int8Model: fileBytes } : {}) };
}

/** The fp32 value of a QLinearConv's int8 weight (per-channel scale) or int32 bias (scale x_scale·w_scale). */
function dequantizeQLinearConvParam(path: string, name: string, proto: TensorProto, kind: 'weight' | 'bias', node: onnxProto.onnx.INodeProto, inits: Map<string, TensorProto>): Tensor {
  const ins = node.input ?? [];
  const floats = (n: string | undefined): Float32Array => {
    const t = n === undefined ? undefined : inits.get(n);
    if (!t) throw new WeightsError(path, `QLinearConv ${node.name}: scale ${n} is not an initializer`);
    return toTensor(path, n!, t).data;
  };
  const dims = (proto.dims ?? []).map((d) => toInt(d as Int));
  const n = dims.reduce((a, b) => a * b, 1);
  const D = onnx.TensorProto.DataType;
  const want = kind === 'weight' ? D.INT8 : D.INT32;
  if (proto.dataType !== want) throw new WeightsError(path, `QLinearConv ${node.name}: ${kind} ${name} is not ${kind === 'weight' ? 'int8' : 'int32'}`);
  let q: Int8Array | Int32Array;
  if (proto.rawData && proto.rawData.length) {
    const raw = proto.rawData;
    if (raw.length !== n * (kind === 'weight' ? 1 : 4)) throw new WeightsError(path, `initializer ${name} has ${raw.length} bytes of data, dims ${dims.join('×')} need ${n * (kind === 'weight' ? 1 : 4)}`);
    if (kind === 'weight') q = new Int8Array(raw.buffer, raw.byteOffset, n);
    else {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      q = Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true));
    }
  } else {
    const values = proto.int32Data ?? [];
    if (values.length !== n) throw new WeightsError(path, `initializer ${name} has ${values.length} values, dims ${dims.join('×')} need ${n}`);
    q = kind === 'weight' ? Int8Array.from(values) : Int32Array.from(values);
  }
  const wScale = floats(ins[4]);
  const out = new Float32Array(n);
  const channels = dims[0] ?? 1;
  const per = n / channels;
  const xScale = kind === 'bias' ? floats(ins[1])[0]! : 1;
  for (let i = 0; i < n; i++) {
    const o = kind === 'weight' ? Math.floor(i / per) : i;
    out[i] = q[i]! * (wScale.length === 1 ? wScale[0]! : wScale[o]!) * xScale;
  }
  return new Tensor(dims.length ? dims : [1], out);
}

/** FLOAT, FLOAT16, DOUBLE, BFLOAT16. */
function isFloatType(dt: number): boolean {
  const D = onnx.TensorProto.DataType;
  return dt === D.FLOAT || dt === D.FLOAT16 || dt === D.DOUBLE || dt === D.BFLOAT16;
}

/** The layer a node computes: its name as torch writes it (`/conv1/Conv` → conv1, `/backbone/fc6/Gemm` → backbone.fc6). */
function layerFromNode(node: onnxProto.onnx.INodeProto, index: number): string {
  const parts = (node.name ?? '').split('/').filter(Boolean);
  if (parts.length > 1) parts.pop(); // the op
  const name = parts.join('.').replace(/[^A-Za-z0-9_.-]+/g, '_');
  return name || `${node.opType ?? 'node'}_${index}`;
}

/** How the node named pool5 pads: begin padding in H/W is the PyTorch port's; end-only is our Caffe export. */
function pool5Style(nodes: onnxProto.onnx.INodeProto[]): 'caffe' | 'port' | undefined {
  const pool5 = nodes.find((n) => n.opType === 'MaxPool' && n.name === 'pool5');
  const pads = pool5?.attribute?.find((a) => a.name === 'pads')?.ints?.map((v) => toInt(v as Int));
  if (!pads || pads.length !== 6) return undefined;
  return pads[1] > 0 || pads[2] > 0 ? 'port' : 'caffe';
}

function describeValue(v: onnxProto.onnx.IValueInfoProto): string {
  const tt = v.type?.tensorType;
  if (!tt) return v.name ?? '';
  const type = onnx.TensorProto.DataType[tt.elemType ?? 0]?.toLowerCase() ?? `type ${tt.elemType}`;
  const dims = (tt.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : String(toInt(d.dimValue as Int))));
  return `${v.name} ${type}${dims.length ? ` ${dims.join('×')}` : ''}`;
}

/** The external file of a tensor, resolved next to the model; refuses paths that leave its folder. */
function externalLocation(path: string, name: string, proto: TensorProto): { location: string; file: string; offset: number; length?: number } {
  const entry = (k: string): string | undefined => proto.externalData?.find((e) => e.key === k)?.value ?? undefined;
  const location = entry('location');
  if (!location) throw new WeightsError(path, `initializer ${name} is external data without a location`);
  const rel = normalize(location);
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new WeightsError(path, `initializer ${name}: external data location '${location}' is outside the model's folder`);
  }
  const offset = Number(entry('offset') ?? 0);
  const len = entry('length');
  const length = len === undefined ? undefined : Number(len);
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && !(Number.isSafeInteger(length) && length >= 0))) {
    throw new WeightsError(path, `initializer ${name}: invalid external data offset/length (${entry('offset')}, ${len})`);
  }
  return { location, file: join(dirname(path), rel), offset, length };
}

function readExternal(path: string, name: string, proto: TensorProto, bytes: number): Uint8Array {
  const ext = externalLocation(path, name, proto);
  if (ext.length !== undefined && ext.length !== bytes) {
    throw new WeightsError(path, `initializer ${name}: external data length ${ext.length} bytes, its dims need ${bytes}`);
  }
  let fd: number;
  try {
    fd = openSync(ext.file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WeightsError(path, code === 'ENOENT'
      ? `initializer ${name} keeps its data in '${ext.location}', which is missing: copy it next to the .onnx file`
      : `initializer ${name}: cannot read its external data '${ext.location}' (${code ?? (e as Error).message})`);
  }
  try {
    // Only this tensor's span: one external file often holds every weight.
    const size = fstatSync(fd).size;
    if (ext.offset + bytes > size) {
      throw new WeightsError(path, `initializer ${name}: external data '${ext.location}' has ${size} bytes, needs ${ext.offset + bytes}`);
    }
    const buf = Buffer.alloc(bytes);
    let got = 0;
    while (got < bytes) {
      const r = readSync(fd, buf, got, bytes - got, ext.offset + got);
      if (r === 0) break;
      got += r;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** One TensorProto as float32 (raw little-endian bytes, typed fields, or external data). */
function toTensor(path: string, name: string, proto: TensorProto): Tensor {
  const D = onnx.TensorProto.DataType;
  const dims = (proto.dims ?? []).map((d) => toInt(d as Int));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new WeightsError(path, `initializer ${name} has invalid dims ${dims.join('×')}`);
  const n = dims.reduce((a, b) => a * b, 1);
  const dt = proto.dataType ?? 0;
  const width = dt === D.DOUBLE ? 8 : dt === D.FLOAT ? 4 : 2;
  let raw: Uint8Array | undefined;
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) raw = readExternal(path, name, proto, n * width);
  else if (proto.rawData && proto.rawData.length) raw = proto.rawData;
  // Sizes are checked before allocating: corrupt dims must not ask for gigabytes.
  let out: Float32Array;
  if (raw) {
    if (raw.length !== n * width) throw new WeightsError(path, `initializer ${name} has ${raw.length} bytes of data, dims ${dims.join('×')} need ${n * width}`);
    out = new Float32Array(n);
    if (dt === D.FLOAT && LITTLE_ENDIAN) {
      new Uint8Array(out.buffer).set(raw); // the bytes are the values, bit for bit
    } else {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < n; i++) {
        out[i] = dt === D.FLOAT ? view.getFloat32(i * 4, true)
          : dt === D.DOUBLE ? view.getFloat64(i * 8, true)
          : dt === D.FLOAT16 ? halfToFloat(view.getUint16(i * 2, true))
          : bf16ToFloat(view.getUint16(i * 2, true));
      }
    }
  } else {
    // Typed fields: float_data, double_data, or int32_data holding float16/bfloat16 bit patterns.
    const values: ArrayLike<number> = dt === D.FLOAT ? proto.floatData ?? [] : dt === D.DOUBLE ? proto.doubleData ?? [] : proto.int32Data ?? [];
    if (values.length !== n) throw new WeightsError(path, `initializer ${name} has ${values.length} values, dims ${dims.join('×')} need ${n}`);
    out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      out[i] = dt === D.FLOAT16 ? halfToFloat(v & 0xffff) : dt === D.BFLOAT16 ? bf16ToFloat(v & 0xffff) : v;
    }
  }
  return new Tensor(dims.length ? dims : [1], out);
}

function bf16ToFloat(h: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, h << 16);
  return b.getFloat32(0);
}

function transpose2d(path: string, name: string, t: Tensor): Tensor {
  if (t.rank !== 2) throw new WeightsError(path, `Gemm weight ${name} is ${t.shape.join('×')}, expected 2-D`);
  const [k, o] = t.shape as [number, number];
  const out = new Float32Array(t.size);
  for (let i = 0; i < k; i++) for (let j = 0; j < o; j++) out[j * k + i] = t.data[i * o + j]!;
  return new Tensor([o, k], out);
}
