/** `c3d models`: every built-in net with its parameters and multiply-adds; one net's layers or JSON spec. */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { analyzeSpec, countMacs, countParams, getModel, modelNames, modelSummary, specToJson, type NetSpec } from '../../models/index.js';
import { MODEL_FLAGS_USAGE, MODEL_OPTIONS, modelOptionsFromFlags } from '../flags/model-flags.js';

const usage = `usage: c3d models [NAME] [options]

Without NAME: a table of every built-in net — input clip, parameters, multiply-adds and GFLOP
(2 × MACs) per clip. With NAME: that net layer by layer (blob shapes, parameters, MACs).

${MODEL_FLAGS_USAGE.replace(/  --model [^\n]*\n/, '')}
  --json               print the spec as JSON (round-trips: the format --spec files use)`;

const fmtInt = (n: number) => n.toLocaleString('en-US');
const shape = (s: readonly number[]) => s.join('×');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

function layersTable(spec: NetSpec): string {
  const rows = [['layer', 'type', 'output', 'params', 'MACs', '']];
  for (const i of analyzeSpec(spec)) {
    const l = i.layer;
    const detail =
      l.type === 'conv3d' ? `k ${shape(l.kernel)} pad ${l.pad.join(',')}` :
      l.type === 'pool3d' ? `k ${shape(l.kernel)} s ${shape(l.stride)}${l.pad.some((p) => p) ? ` pad ${l.pad.join(',')}` : ''} ${l.rounding}` :
      l.type === 'dropout' ? `p ${l.p}` : l.type === 'relu' ? `in place on ${i.outName}` : '';
    rows.push([l.name, l.type, shape(i.outShape), i.params ? fmtInt(i.params) : '', i.macs ? fmtInt(i.macs) : '', detail]);
  }
  rows.push(['total', '', '', fmtInt(countParams(spec)), fmtInt(countMacs(spec)), '']);
  return `${spec.name}: input ${shape(spec.input)} (C×L×H×W), outputs ${spec.outputs.join(', ')}\n${table(rows)}`;
}

export const models: Command = {
  name: 'models',
  summary: 'list the built-in nets (params, MACs) or print one as layers / JSON',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { ...MODEL_OPTIONS, json: { type: 'boolean' } });
    if (positionals.length > 1) throw new UsageError('expected at most one model NAME');
    if (values.model !== undefined) throw new UsageError('give the model as NAME, not --model');
    const opts = modelOptionsFromFlags(values);
    const build = (name: string) => {
      try {
        return getModel(name, opts);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    };
    if (positionals.length === 1) {
      const spec = build(positionals[0]!);
      process.stdout.write(values.json ? specToJson(spec) : layersTable(spec) + '\n');
      return 0;
    }
    if (values.json) {
      process.stdout.write(`[\n${modelNames.map((n) => specToJson(build(n)).trimEnd()).join(',\n')}\n]\n`);
      return 0;
    }
    const rows = [['model', 'input', 'params', 'MACs/clip', 'GFLOP/clip', 'description']];
    for (const name of modelNames) {
      const spec = build(name);
      const macs = countMacs(spec);
      rows.push([name, shape(spec.input), fmtInt(countParams(spec)), fmtInt(macs), (2 * macs / 1e9).toFixed(1), modelSummary(name)]);
    }
    process.stdout.write(table(rows) + '\n');
    return 0;
  },
};
