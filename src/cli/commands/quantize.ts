/** `c3d quantize`: fp32 weights → an int8 ONNX model calibrated on real clips (thin layer over src/quant). */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { WEIGHTS_FLAGS_USAGE, WEIGHTS_OPTIONS, weightsFlags } from '../flags/weights-flags.js';
import { MODEL_OPTIONS, modelOptionsFromFlags } from '../flags/model-flags.js';
import { positiveInt } from '../flags/numbers.js';
import { plural } from '../plural.js';
import { loadWeights } from '../../io/weights.js';
import { netSpecOf } from '../../features/net.js';
import { resolveConvention, BGR_NO_MEAN } from '../../features/convention.js';
import { geometryForCrop } from '../../features/geometry.js';
import { expandInputs, lookedFor, NoVideosError } from '../../features/inputs.js';
import { CALIBRATION_METHODS, DEFAULT_CALIBRATION_CLIPS, type CalibrationMethod } from '../../quant/calibrate.js';
import { readCalibrationClips } from '../../quant/calibration-clips.js';
import { describeInt8, quantizeNet, writeQuantizedModel } from '../../quant/quantize-net.js';

const usage = `usage: c3d quantize --weights FILE --calibrate VIDEO... --out FILE.int8.onnx [options]

Writes an int8 ONNX model of the net: every conv is a QLinearConv (per-output-channel int8 weights,
uint8 activations whose ranges are calibrated on clips of real videos), pooling runs on the uint8
values, and the fc layers and softmax stay fp32. The file records the net, its input convention and
the calibration; 'c3d extract --weights FILE.int8.onnx' runs it as it is (docs/int8.md).

  --weights FILE       fp32 weights, any file 'c3d extract' reads, or 'demo'
  --calibrate VIDEO... calibration videos: files, folders or quoted globs (more may follow as
                       plain arguments); use other videos than the ones you evaluate on
  --out FILE           the int8 model (.onnx)
  --calibrate-clips N  clips to calibrate on, spread over the videos (default ${DEFAULT_CALIBRATION_CLIPS})
  --calibration M      ${CALIBRATION_METHODS.join(' or ')} (default minmax): how a tensor's range is taken
  --percentile P       for percentile: the share of values below the range's top (default 99.999)
  --keep-fp32 LIST     conv layers to keep in fp32, comma-separated (e.g. conv1a)
  --stride N           frames between clip starts (default 8)
  --fps N, --ffmpeg PATH   as for 'c3d extract'
  --threads N          onnxruntime threads for the calibration run
${WEIGHTS_FLAGS_USAGE}
  --classes/--width/--size/--length   model options (see 'c3d models')

Example: c3d quantize --weights c3d-sports1m.safetensors --calibrate calib/ --out c3d.int8.onnx`;

const OPTIONS = {
  ...WEIGHTS_OPTIONS,
  ...MODEL_OPTIONS,
  weights: { type: 'string' },
  calibrate: { type: 'string', multiple: true },
  out: { type: 'string' },
  'calibrate-clips': { type: 'string' },
  calibration: { type: 'string' },
  percentile: { type: 'string' },
  'keep-fp32': { type: 'string' },
  stride: { type: 'string' },
  fps: { type: 'string' },
  ffmpeg: { type: 'string' },
  threads: { type: 'string' },
} as const;

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'fp32 weights → an int8 ONNX model calibrated on real clips (c3d extract --weights X.int8.onnx)',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (!values.weights) throw new UsageError('--weights FILE is required (the fp32 weights to quantise)');
    if (!values.out) throw new UsageError('--out FILE.int8.onnx is required');
    if (!values.out.toLowerCase().endsWith('.onnx')) throw new UsageError(`--out must end in .onnx, got '${values.out}'`);
    const named = [...(values.calibrate ?? []), ...positionals];
    if (named.length === 0) throw new UsageError('--calibrate VIDEO... is required: real videos to calibrate the int8 ranges on');
    let videos;
    try {
      videos = expandInputs(named, [], undefined, { emptyFolderIsError: true });
    } catch (e) {
      throw e instanceof NoVideosError ? new UsageError(`--calibrate: ${e.message}`) : e;
    }
    if (videos.length === 0) throw new UsageError(`--calibrate: no videos in ${named.join(', ')} (looked for ${lookedFor()})`);
    const count = positiveInt('calibrate-clips', values['calibrate-clips'], DEFAULT_CALIBRATION_CLIPS);
    const method = (values.calibration ?? 'minmax') as CalibrationMethod;
    if (!CALIBRATION_METHODS.includes(method)) throw new UsageError(`--calibration must be ${CALIBRATION_METHODS.join(' or ')}, got '${values.calibration}'`);
    const percentile = values.percentile === undefined ? undefined : Number(values.percentile);
    if (percentile !== undefined && !(percentile > 50 && percentile <= 100)) throw new UsageError(`--percentile must be in (50, 100], got '${values.percentile}'`);
    const stride = positiveInt('stride', values.stride, 8);
    const fps = values.fps === undefined ? undefined : Number(values.fps);
    if (fps !== undefined && !(fps > 0 && Number.isFinite(fps))) throw new UsageError(`--fps must be a positive number, got '${values.fps}'`);
    const keepFp32 = values['keep-fp32']?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];

    const flags = weightsFlags(values);
    const ws = await loadWeights(values.weights, flags.load);
    if (ws.int8) throw new UsageError(`${values.weights} is already an int8 model; quantise the fp32 weights it was made from`);
    const spec = netSpecOf({ weights: values.weights, model: flags.model === 'none' ? undefined : flags.model, modelOptions: modelOptionsFromFlags(values) }, ws);
    for (const k of keepFp32) {
      if (!spec.layers.some((l) => l.type === 'conv3d' && l.name === k)) {
        throw new UsageError(`--keep-fp32 ${k}: not a conv of ${spec.name} (convs: ${spec.layers.filter((l) => l.type === 'conv3d').map((l) => l.name).join(', ')})`);
      }
    }
    const convention = ws.convention ? resolveConvention(ws.convention) : BGR_NO_MEAN;
    const [, L, H] = spec.input;
    const got = await readCalibrationClips(videos.map((v) => v.path), {
      count, convention, clips: { clipLength: L, stride }, geometry: geometryForCrop(H), decode: { ffmpeg: values.ffmpeg, fps },
    });
    process.stderr.write(`c3d quantize: ${spec.name}; calibrating on ${plural(got.clips.shape[0]!, 'clip')} of ${plural(got.videos, 'video')} (${method === 'percentile' ? `percentile ${percentile ?? 99.999}%` : 'min/max'})\n`);
    const q = await quantizeNet(spec, ws.params, got.clips, {
      method, percentile, keepFp32, convention: ws.convention, threads: positiveInt('threads', values.threads),
      source: `${plural(got.videos, 'video')} (${videos.slice(0, 3).map((v) => v.id).join(', ')}${videos.length > 3 ? ', …' : ''})`,
    });
    const size = writeQuantizedModel(values.out, q);
    process.stdout.write(`wrote ${values.out}: ${describeInt8(q.facts)}; ${(size / 1e6).toFixed(1)} MB\n`);
    return 0;
  },
};
