/**
 * A small builder for ONNX graphs (protobufjs through the `onnx-proto` schema), shared by the
 * inference export (src/io/onnx-export.ts) and the training graphs (src/train/onnx/graph.ts): node
 * and attribute helpers, int64 / float constants as initializers (one per distinct value), value
 * infos with a symbolic batch dim, and the model encoder.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

/** ONNX element types used here. */
export const DataType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  INT64: onnx.TensorProto.DataType.INT64,
  INT32: onnx.TensorProto.DataType.INT32,
  BOOL: onnx.TensorProto.DataType.BOOL,
} as const;

/** An INTS attribute. */
export function attrInts(name: string, v: readonly number[]): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...v] };
}

/** An INT attribute. */
export function attrInt(name: string, v: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
}

/** A FLOAT attribute. */
export function attrFloat(name: string, v: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
}

/** A STRING attribute. */
export function attrString(name: string, v: string): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
}

/** A graph input/output description; a string dim is symbolic (e.g. 'N', the batch). */
export function valueInfo(name: string, elemType: number, dims: ReadonlyArray<number | string>): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

/** Encodes a model of one graph with the default-domain opset `opset`. */
export function encodeModel(opts: {
  opset: number;
  irVersion: number;
  name: string;
  docString: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: opts.irVersion,
    producerName: 'c3d',
    producerVersion: '0.1.0',
    docString: opts.docString,
    opsetImport: [{ domain: '', version: opts.opset }],
    graph: {
      name: opts.name.replace(/[^A-Za-z0-9_.-]+/g, '_'),
      node: opts.nodes,
      initializer: opts.initializers,
      input: opts.inputs,
      output: opts.outputs,
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Nodes plus their constants: `op` adds a node and returns its output's name (the name asked for,
 * made unique), and constants are shared by value, so a generator writes one line per operation.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly constants = new Map<string, string>();
  private readonly used = new Set<string>();

  /** `base`, or `base~2`, `base~3`… when taken: node and tensor names must be unique. */
  fresh(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}~${k}`;
    this.used.add(name);
    return name;
  }

  /** Marks externally given names (graph inputs) as taken. */
  reserve(...names: string[]): void {
    for (const n of names) this.used.add(n);
  }

  /** Adds ready-made nodes (e.g. src/io/onnx-export.ts forwardLayerNodes), reserving their names. */
  add(nodes: readonly NodeProto[]): void {
    for (const n of nodes) {
      this.reserve(...(n.output ?? []).filter((o) => o !== ''));
      if (n.name) this.reserve(n.name);
      this.nodes.push(n);
    }
  }

  /** Adds a node with one output and returns the output's name (`name`, made unique). */
  op(opType: string, inputs: readonly string[], name: string, attribute: AttributeProto[] = []): string {
    return this.opN(opType, inputs, [name], attribute)[0]!;
  }

  /** Adds a node with several outputs (names made unique; '' for an omitted optional output). */
  opN(opType: string, inputs: readonly string[], outputs: readonly string[], attribute: AttributeProto[] = []): string[] {
    const outs = outputs.map((o) => (o === '' ? '' : this.fresh(o)));
    this.nodes.push({ name: outs.find((o) => o !== '') ?? this.fresh(opType), opType, input: [...inputs], output: outs, attribute });
    return outs;
  }

  /** Adds a node whose outputs keep exactly the given names (e.g. blob names reserved up front). */
  opNamed(opType: string, inputs: readonly string[], outputs: readonly string[], attribute: AttributeProto[] = []): string[] {
    this.reserve(...outputs.filter((o) => o !== ''));
    this.nodes.push({ name: this.fresh(`${opType}:${outputs[0]}`), opType, input: [...inputs], output: [...outputs], attribute });
    return [...outputs];
  }

  /** Renames tensor `from` (a node output) to `to` everywhere, e.g. to make it a graph output without an Identity copy. */
  rename(from: string, to: string): string {
    this.reserve(to);
    for (const n of this.nodes) {
      if (n.output) n.output = n.output.map((o) => (o === from ? to : o));
      if (n.input) n.input = n.input.map((i) => (i === from ? to : i));
    }
    return to;
  }

  /** An int64 constant (shared by value): a 1-D list, or a scalar when `scalar`. */
  int64(values: readonly number[], scalar = false): string {
    const key = `i64${scalar ? 's' : ''}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh(`const_i64_${scalar ? 's' : ''}${values.join('_').replace(/-/g, 'm').slice(0, 40)}`);
      this.initializers.push({ name, dataType: DataType.INT64, dims: scalar ? [] : [values.length], int64Data: [...values] });
      this.constants.set(key, name);
    }
    return name;
  }

  /** A 1-D float32 constant (shared by value). */
  floats(values: readonly number[]): string {
    const key = `f32v:${values.map((v) => Math.fround(v)).join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh(`const_f32v_${values.length}`);
      this.initializers.push({ name, dataType: DataType.FLOAT, dims: [values.length], floatData: [...values] });
      this.constants.set(key, name);
    }
    return name;
  }

  /** A float32 scalar constant (shared by value). */
  float(value: number): string {
    const key = `f32:${Math.fround(value)}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh(`const_f32_${String(value).replace(/[^0-9a-z]/gi, '_')}`);
      this.initializers.push({ name, dataType: DataType.FLOAT, dims: [], floatData: [value] });
      this.constants.set(key, name);
    }
    return name;
  }
}
