/** `c3d convert IN OUT`: weights between Caffe, torch, ONNX and our safetensors checkpoints. */
import { extname } from 'node:path';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import {
  assertWeightsFileExists,
  describeConvention,
  detectFormat,
  readCaffeFeatureFile,
  loadWeights,
  paramCount,
  resolveWeightsPath,
  saveCaffemodel,
  saveSafetensors,
  validateParams,
  WeightsError,
} from '../../io/index.js';
import { paramShapes } from '../../models/index.js';
import { writeOnnxModel } from '../../io/onnx-export.js';
import { writeTorchLegacy, writeTorchZip } from '../../io/torch/save.js';
import { writeNpy } from '../../io/npy.js';
import { resolveSpec, WEIGHTS_FLAGS_USAGE, WEIGHTS_OPTIONS, weightsFlags } from '../flags/weights-flags.js';

const OUTPUTS = ['.safetensors', '.caffemodel', '.pt', '.pth', '.pickle', '.pkl', '.onnx', '.npy'];

const usage = `usage: c3d convert IN OUT [options]

Reads IN — .caffemodel (C3D v1.0 release), .pt/.pth (torch.save zip or legacy), .pickle/.pkl
(legacy torch.save, e.g. the port's c3d.pickle; pickles are read safely, never executed),
.safetensors, .onnx (c3d export-onnx, or torch.onnx.export of the PyTorch port / MMAction2: the
weights are read from its initializers) — recognised by its first bytes, checks every shape, and
writes OUT by its extension:
  .safetensors   our checkpoint: weights + spec name + input convention (+ the mean cube if --mean FILE)
  .caffemodel    C3D v1.0 caffemodel (weight layers only, release names fc6-1/fc7-1/fc8-1)
  .pt / .pth     torch.save zip format, a state_dict under our names (conv1a…fc8)
  .pickle / .pkl torch.save legacy format (like c3d.pickle), our names
  .onnx          an ONNX graph of the model (needs a spec: --model or the file's own), recording
                 the spec and input convention in its metadata
  .npy           only for a feature blob of the release's extract_image_features (e.g. 000016.fc6-1):
                 float32 n × (c·l·h·w), to compare old Caffe outputs with ours

${WEIGHTS_FLAGS_USAGE}
  --model none         write without checking against any spec
  --spec FILE.json     check against (and record) a spec file (c3d models --json) instead of --model

Example: c3d convert conv3d_deepnetA_sport1m_iter_1900000 c3d-sports1m.safetensors \\
           --mean sport1m_train16_128_mean.binaryproto`;

export const convert: Command = {
  name: 'convert',
  summary: 'convert weights between caffemodel / torch .pt / .pickle / safetensors / onnx',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { ...WEIGHTS_OPTIONS, spec: { type: 'string' } });
    if (positionals.length !== 2) throw new UsageError('expected IN and OUT');
    const [input, output] = positionals;
    const ext = extname(output).toLowerCase();
    if (!OUTPUTS.includes(ext)) {
      throw new UsageError(`cannot write '${ext || output}': OUT must end in ${OUTPUTS.join(', ')}`);
    }
    assertWeightsFileExists(resolveWeightsPath(input));
    if (detectFormat(resolveWeightsPath(input)) === 'caffe-feature') {
      // The release's per-clip feature files, to compare old outputs with ours.
      if (ext !== '.npy') throw new UsageError('a C3D feature blob converts to .npy only');
      const t = readCaffeFeatureFile(input);
      const shape = [t.shape[0], t.size / t.shape[0]];
      writeNpy(output, { shape, data: t.data });
      process.stdout.write(`wrote ${output}: float32 ${shape.join('×')} (from ${t.shape.join('×')})\n`);
      return 0;
    }
    if (ext === '.npy') throw new UsageError('.npy output is for C3D feature blob files only');
    const flags = weightsFlags(values);
    const ws = await loadWeights(input, flags.load);
    const resolved = resolveSpec(flags, ws);
    const spec = resolved?.spec;
    if (resolved) {
      validateParams(input, ws.params, paramShapes(resolved.spec));
      ws.specDef = resolved.spec;
      ws.spec = resolved.name;
    } else {
      ws.spec = undefined;
      ws.specDef = undefined;
    }
    let note = '';
    if (ext === '.safetensors') await saveSafetensors(output, ws);
    else if (ext === '.caffemodel') saveCaffemodel(output, ws);
    else if (ext === '.pt' || ext === '.pth') writeTorchZip(output, ws.params);
    else if (ext === '.pickle' || ext === '.pkl') writeTorchLegacy(output, ws.params);
    else {
      if (!spec) throw new WeightsError(input, 'ONNX output needs a net spec: pass --model NAME or --spec FILE');
      writeOnnxModel(output, spec, ws.params, { description: `${spec.name} from ${input}`, convention: ws.convention });
    }
    const cube = ws.convention && ws.convention.mean !== 'none' && ws.convention.mean.kind === 'cube';
    // .onnx records the convention in its metadata, but not the mean cube's values.
    if (ext === '.onnx' && cube) note = ' (the mean cube is not stored in .onnx: pass --mean FILE when using it)';
    else if (ext !== '.safetensors' && ext !== '.onnx' && ws.convention) note = ` (not stored in ${ext}: pass the same --channels/--mean when using it)`;
    process.stdout.write(
      `wrote ${output}: ${ws.params.size} tensors, ${paramCount(ws.params).toLocaleString('en-US')} parameters` +
        `${spec ? `, spec ${spec.name}` : ''}; ${ws.convention ? describeConvention(ws.convention) + note : 'input convention unknown (pass --channels/--mean)'}\n`,
    );
    return 0;
  },
};
