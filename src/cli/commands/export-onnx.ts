/** `c3d export-onnx`: a built-in net + its weights as an ONNX model (runs in onnxruntime-node and -web). */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { loadWeights } from '../../io/index.js';
import { writeOnnxModel } from '../../io/onnx-export.js';
import { blobNames, countParams } from '../../models/index.js';
import { checkParams, initParams, syntheticParams, type ParamSet } from '../../nn/index.js';
import { MODEL_FLAGS_USAGE, MODEL_OPTIONS, SPEC_FLAG_USAGE, SPEC_OPTIONS, specFromFlags } from '../flags/model-flags.js';
import { WEIGHTS_FLAGS_USAGE, WEIGHTS_OPTIONS, weightsFlags } from '../flags/weights-flags.js';
import { positiveInt } from '../flags/numbers.js';

const usage = `usage: c3d export-onnx WEIGHTS OUT.onnx [options]
       c3d export-onnx --init caffe|synthetic [--seed N] OUT.onnx [options]

Writes the net as an ONNX model (opset 13, symbolic batch dim N): input 'data' (N, 3, L, H, W),
outputs every requested blob — by default the last conv (e.g. conv5b), pool5, fc6, fc7, fc8, prob,
with fc6/fc7 after ReLU as in Caffe. Caffe's ceil pooling is written as explicit end padding
(no ceil_mode), so the file also runs in onnxruntime-web.

WEIGHTS: any file 'c3d convert' reads (.caffemodel, .pt/.pickle, .safetensors, .onnx), or 'demo'. Without it,
--init caffe (Caffe's random initialisation) or --init synthetic (the test suite's hash weights).

${MODEL_FLAGS_USAGE}
${SPEC_FLAG_USAGE}
  --outputs LIST       blobs to expose, comma-separated (default: the net's outputs)
  --batch N            fix the batch size instead of a symbolic N
  --init KIND          caffe | synthetic (instead of WEIGHTS)
  --seed N             seed for --init (default 1)
${WEIGHTS_FLAGS_USAGE.split('\n').filter((l) => !l.includes('--model') && !/^\s{20,}/.test(l)).join('\n')}

Example: c3d export-onnx c3d-sports1m.safetensors c3d.onnx --outputs fc6,fc7,prob`;

export const exportOnnx: Command = {
  name: 'export-onnx',
  summary: 'write a net and its weights as an ONNX model',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { ...WEIGHTS_OPTIONS, ...MODEL_OPTIONS, ...SPEC_OPTIONS, outputs: { type: 'string' }, batch: { type: 'string' }, init: { type: 'string' }, seed: { type: 'string' } });
    const init = values.init;
    if (init !== undefined && init !== 'caffe' && init !== 'synthetic') throw new UsageError(`--init must be caffe or synthetic, got '${init}'`);
    if (positionals.length !== (init ? 1 : 2)) {
      throw new UsageError(init ? 'with --init, expected only OUT.onnx' : 'expected WEIGHTS and OUT.onnx (or --init caffe|synthetic OUT.onnx)');
    }
    const out = positionals.at(-1)!;
    if (!out.toLowerCase().endsWith('.onnx')) throw new UsageError(`OUT must end in .onnx, got '${out}'`);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got '${values.seed}'`);
    const batch = positiveInt('batch', values.batch);

    let params: ParamSet;
    let source: string;
    let spec;
    let outputs: string[];
    const checkOutputs = (): string[] => {
      const known = blobNames(spec!);
      const outputs = values.outputs === undefined ? spec!.outputs : values.outputs.split(',').map((s) => s.trim()).filter(Boolean);
      for (const o of outputs) {
        if (!known.includes(o)) throw new UsageError(`--outputs: '${o}' is not a blob of ${spec!.name} (blobs: ${known.join(', ')})`);
      }
      return outputs;
    };
    if (init) {
      spec = specFromFlags(values);
      outputs = checkOutputs(); // before generating (possibly 80M) weights
      params = init === 'caffe' ? initParams(spec, { seed }) : syntheticParams(spec, seed);
      source = `--init ${init} --seed ${seed}`;
    } else {
      const weightsPath = positionals[0]!;
      const ws = await loadWeights(weightsPath, weightsFlags(values).load);
      // A checkpoint that records its whole net (c3d train, the bundled demo net) exports that net
      // unless --model / --spec asks for another; else the named spec, else C3D.
      const own = values.model === undefined && values.spec === undefined && values.width === undefined ? ws.specDef : undefined;
      spec = own ?? specFromFlags(values, ws.spec ?? 'c3d-sports1m', ws.params.get('fc8.weight')?.shape[0]);
      outputs = checkOutputs();
      params = ws.params;
      source = weightsPath;
      checkParams(spec, params, weightsPath);
    }
    const bytes = writeOnnxModel(out, spec, params, { outputs, batch, description: `${spec.name} from ${source}` });
    process.stdout.write(
      `wrote ${out}: ${spec.name}, ${countParams(spec).toLocaleString('en-US')} parameters, input data ${batch ?? 'N'}×${spec.input.join('×')}, ` +
        `outputs ${outputs.join(', ')} (${(bytes / 1e6).toFixed(1)} MB)\n`,
    );
    return 0;
  },
};
