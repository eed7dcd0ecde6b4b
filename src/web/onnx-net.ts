/**
 * What the page reads out of an .onnx file besides the graph onnxruntime runs: the metadata our
 * `c3d export-onnx` writes (src/io/onnx-export.ts: c3d.spec_json, c3d.input; c3d.classes for the
 * page's demo net) and, for our own kernels, the `<layer>.weight|bias` initializers as tensors.
 */
import onnxProto from 'onnx-proto';
import { analyzeSpec } from '../models/shapes.js';
import type { NetSpec } from '../models/spec.js';
import { Tensor } from '../tensor/tensor.js';
import { ONNX_META } from '../io/onnx-meta.js';

const { onnx } = onnxProto;
type Int = number | { toNumber(): number } | null | undefined;
const toInt = (v: Int): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

/** A decoded .onnx model and what it says about itself. */
export interface OnnxNet {
  model: onnxProto.onnx.ModelProto;
  /** The full spec, when the file records it (our exports do). */
  spec?: NetSpec;
  /** Clip shape C×L×H×W from the graph's first input (batch dimension dropped). */
  input: [number, number, number, number];
  outputs: string[];
  metadata: Map<string, string>;
}

/** A spec recorded as JSON in a file's metadata (c3d.spec_json, in .onnx and .safetensors alike), validated. */
export function parseRecordedSpec(json: string, source: string): NetSpec {
  try {
    const spec = JSON.parse(json) as NetSpec;
    analyzeSpec(spec);
    return spec;
  } catch (e) {
    throw new Error(`${source}: metadata ${ONNX_META.specJson} is not a valid spec (${(e as Error).message})`);
  }
}

/** Decodes `bytes` as an ONNX model; `source` names the file in the one-line errors. */
export function readOnnxNet(bytes: Uint8Array, source: string): OnnxNet {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${source}: not an ONNX model (${(e as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || !graph.node?.length) throw new Error(`${source}: not an ONNX model (no graph)`);
  const metadata = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const specJson = metadata.get(ONNX_META.specJson);
  const spec = specJson ? parseRecordedSpec(specJson, source) : undefined;
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const first = (graph.input ?? []).find((i) => !initNames.has(i.name ?? ''));
  const dims = first?.type?.tensorType?.shape?.dim?.map((d) => (d.dimValue != null ? toInt(d.dimValue as Int) : 0)) ?? [];
  const input = (spec?.input ?? dims.slice(1)) as number[];
  if (input.length !== 4 || input.some((d) => !(d > 0))) {
    throw new Error(`${source}: expected one input of shape N×3×L×H×W, got ${dims.map((d) => d || '?').join('×') || 'none'}`);
  }
  const outputs = (graph.output ?? []).map((o) => o.name ?? '');
  return { model, spec, input: input as [number, number, number, number], outputs, metadata };
}

/**
 * The net's parameters by our names (`conv1a.weight`…), from the float32 initializers of our own
 * exports (they keep those names); what the wasm kernels backend runs on.
 */
export function onnxParams(net: OnnxNet, source: string): Map<string, Tensor> {
  const params = new Map<string, Tensor>();
  for (const t of net.model.graph?.initializer ?? []) {
    const name = t.name ?? '';
    if (!/\.(weight|bias)$/.test(name)) continue;
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`${source}: initializer ${name} is not float32`);
    const dims = (t.dims ?? []).map((d) => toInt(d as Int));
    let data: Float32Array;
    if (t.rawData && t.rawData.length > 0) {
      // Copy: raw_data sits at any byte offset of the file, a Float32Array view needs 4-byte alignment.
      data = new Float32Array(t.rawData.length / 4);
      new Uint8Array(data.buffer).set(t.rawData);
    } else if (t.floatData && t.floatData.length > 0) data = Float32Array.from(t.floatData);
    else throw new Error(`${source}: initializer ${name} has no data (external data is not supported in the browser)`);
    params.set(name, new Tensor(dims, data));
  }
  return params;
}
