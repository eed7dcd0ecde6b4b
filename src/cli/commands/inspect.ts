/** `c3d inspect FILE`: what a weights file holds — format, layers, shapes, dtypes, parameter count. */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import {
  describeConvention,
  detectFormat,
  fittingModels,
  mapKeys,
  readCaffeFeatureFile,
  readCaffemodel,
  readMeanCube,
  readRaw,
  readSafetensors,
  resolveKeyRules,
  type OnnxSummary,
} from '../../io/index.js';
import type { Tensor } from '../../tensor/index.js';
import { formatShape, sizeOf } from '../../tensor/index.js';

const usage = `usage: c3d inspect FILE [--map M]

Prints the format, the recorded spec and input convention, every parameter (original name → our
name, shape, dtype, count) and the total. A .caffemodel also lists its weightless layers; a
.binaryproto mean file prints its shape and per-channel means; a feature blob written by the
release's extract_image_features (e.g. 000016.fc6-1) prints its shape and statistics. An .onnx
model prints its opset, inputs and outputs, and the built-in models its weights fit.`;

export const inspect: Command = {
  name: 'inspect',
  summary: 'list the layers, shapes, dtypes and parameter count of a weights file',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { map: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected one FILE');
    const [file] = positionals;
    const out: string[] = [];
    const format = detectFormat(file);
    out.push(`${file}: ${format}`);
    if (format === 'binaryproto') {
      const cube = readMeanCube(file);
      const [, c] = cube.shape;
      const per = cube.size / (cube.shape[0] * c);
      const means = Array.from({ length: c }, (_, ch) => {
        let s = 0;
        for (let i = 0; i < per; i++) s += cube.data[ch * per + i];
        return (s / per).toFixed(3);
      });
      out.push(`mean blob ${cube.shape.join('×')}, per-channel means (file order, BGR for C3D): ${means.join(', ')}`);
      process.stdout.write(out.join('\n') + '\n');
      return 0;
    }
    if (format === 'caffe-feature') {
      const t = readCaffeFeatureFile(file);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let sq = 0;
      for (const v of t.data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
        sq += v * v;
      }
      out.push(`C3D feature blob ${t.shape.join('×')}: min ${min}, max ${max}, mean ${sum / t.size}, L2 norm ${Math.sqrt(sq)}`);
      process.stdout.write(out.join('\n') + '\n');
      return 0;
    }
    if (format === 'caffemodel') {
      const net = readCaffemodel(file);
      out.push(`net '${net.name}', ${net.layers.length} layers:`);
      for (const l of net.layers) {
        out.push(`  ${l.name.padEnd(12)} ${l.type.padEnd(14)} ${l.blobs.map((b) => b.shape.join('×')).join('  ')}`);
      }
    }
    const raw = readRaw(file);
    const dtypes = format === 'safetensors' ? readSafetensors(file).dtypes : undefined;
    const names = mapKeys(file, raw.tensors.keys(), resolveKeyRules(values.map, raw.preset));
    const back = new Map([...names].map(([n, o]) => [o, n]));
    if (raw.onnx) out.push(...describeOnnx(raw.onnx));
    out.push(`key map: ${values.map ?? raw.preset}${raw.spec ? `; spec ${raw.spec}` : ''}`);
    out.push(raw.convention ? describeConvention(raw.convention) : 'input convention: not recorded');
    let total = 0;
    const width = Math.max(...[...raw.tensors.keys()].map((k) => k.length));
    for (const [k, t] of raw.tensors) {
      const n = sizeOf(t.shape);
      total += n;
      const ours = back.get(k);
      const label = ours === undefined ? `${k.padEnd(width)}   (dropped)` : ours === k ? k.padEnd(width) : `${k.padEnd(width)} → ${ours}`;
      out.push(`  ${label}  ${formatShape(t.shape)}  ${dtypes?.get(k) ?? (format === 'caffemodel' ? 'F32' : 'as float32')}  ${n.toLocaleString('en-US')}`);
    }
    out.push(`${raw.tensors.size} tensors, ${total.toLocaleString('en-US')} parameters`);
    if (raw.onnx) {
      const ours = new Map<string, Tensor>([...names].map(([n, o]) => [n, raw.tensors.get(o)!]));
      const fits = fittingModels(ours);
      if (raw.specDef) out.push(`records its spec: ${raw.specDef.name}`);
      if (fits.length) out.push(`fits built-in models: ${fits.join(', ')}`);
      else if (!raw.specDef) out.push('fits no built-in model (c3d models) at its default size: pass --spec FILE, or convert with --model none');
    }
    if (raw.training) out.push(`training state: ${raw.training.tensors.size} optimizer tensors, ${JSON.stringify(raw.training.state)}`);
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};

/** The graph-level lines of an ONNX file: versions, producer, inputs/outputs, what is not a weight. */
function describeOnnx(o: OnnxSummary): string[] {
  const opsets = o.opsets.map((s) => `${s.version}${s.domain ? ` (${s.domain})` : ''}`).join(', ') || 'none';
  const lines = [
    `ONNX ir_version ${o.irVersion}, opset ${opsets}, producer ${o.producer || 'unknown'}, graph '${o.graphName}', ${o.nodeCount} nodes`,
    `inputs: ${o.inputs.join('; ') || 'none'}`,
    `outputs: ${o.outputs.join('; ') || 'none'}`,
  ];
  if (o.skipped.length) lines.push(`not weights (skipped): ${o.skipped.length} tensors (${listSome(o.skipped)})`);
  if (o.renamedFrom.size) lines.push(`named after their nodes: ${listSome([...o.renamedFrom].map(([ours, orig]) => `${orig} → ${ours}`))}`);
  if (o.externalFiles.length) lines.push(`external data: ${o.externalFiles.join(', ')}`);
  return lines;
}

function listSome(items: string[], n = 4): string {
  return items.length > n ? `${items.slice(0, n).join(', ')}, … and ${items.length - n} more` : items.join(', ');
}
