/** `c3d inspect FILE`: what a weights file holds — format, layers, shapes, dtypes, parameter count. */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import {
  describeConvention,
  detectFormat,
  mapKeys,
  readCaffeFeatureFile,
  readCaffemodel,
  readMeanCube,
  readRaw,
  readSafetensors,
  resolveKeyRules,
} from '../../io/index.js';
import { formatShape, sizeOf } from '../../tensor/index.js';

const usage = `usage: c3d inspect FILE [--map M]

Prints the format, the recorded spec and input convention, every parameter (original name → our
name, shape, dtype, count) and the total. A .caffemodel also lists its weightless layers; a
.binaryproto mean file prints its shape and per-channel means; a feature blob written by the
release's extract_image_features (e.g. 000016.fc6-1) prints its shape and statistics.`;

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
    if (raw.training) out.push(`training state: ${raw.training.tensors.size} optimizer tensors, ${JSON.stringify(raw.training.state)}`);
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};
