/**
 * Building the net for extraction from a weights file: weights (with their input convention), the
 * spec (the file's own, or --model), and a backend. Shared by `c3d extract` and `c3d classify`.
 */
import { describeConvention, type InputConvention } from '../io/convention.js';
import { loadWeights, type LoadOptions, type WeightSet } from '../io/weights.js';
import { getModel, type FcLayer, type ModelOptions, type NetSpec } from '../models/index.js';
import { createBackend, type CreateBackendOptions } from '../runtime/index.js';
import type { Backend } from '../runtime/backend.js';
import { resolveConvention, type PixelConvention } from './convention.js';
import type { Tensor } from '../tensor/tensor.js';
import { describeInt8, type QuantizeOptions } from '../quant/quantize-net.js';
import type { Precision } from '../runtime/backend.js';

export interface LoadedNet {
  backend: Backend;
  spec: NetSpec;
  convention: PixelConvention;
  /** One line for stderr: channel order and mean, and where they come from. */
  conventionLine: string;
  /** Class names the weights record (our trained checkpoints do). */
  classes?: string[];
  /** The weights themselves, when `keepParams` was set (for our own net runtime beside the backend). */
  params?: Map<string, Tensor>;
}

export interface NetOptions {
  weights: string;
  load?: LoadOptions;
  /** Spec name (default: the weights' own, else c3d-sports1m) and options; fc8 size defaults to the weights'. */
  model?: string;
  modelOptions?: ModelOptions;
  backend?: Omit<CreateBackendOptions, 'spec' | 'params'>;
  /** Return the weights too (default false: only the backend holds them). */
  keepParams?: boolean;
  /** Default: the weights' own (int8 for a file `c3d quantize` wrote, else fp32). */
  precision?: Precision;
  /**
   * int8 from fp32 weights: gives the calibration clips (N, C, L, H, W) once the spec and the input
   * convention are known (e.g. the first N clips of the job), and how to quantise.
   */
  calibrate?: (spec: NetSpec, convention: PixelConvention) => Promise<QuantizeOptions & { clips: Tensor }>;
}

export async function loadNet(o: NetOptions): Promise<LoadedNet> {
  const ws = await loadWeights(o.weights, o.load);
  const spec = netSpecOf(o, ws);
  let conv: InputConvention;
  let origin: string;
  if (ws.convention) {
    conv = ws.convention;
    origin = ws.convention.note ?? `from ${o.weights}`;
  } else {
    conv = { channels: 'bgr', mean: 'none' };
    origin = 'the weights do not record one: assumed; set --channels/--mean';
  }
  const convention = resolveConvention(conv);
  const precision = o.precision ?? (ws.int8 ? 'int8' : 'fp32');
  let int8Line = '';
  let calibration: (QuantizeOptions & { clips: Tensor }) | undefined;
  if (precision === 'int8' && ws.int8) {
    int8Line = `; ${describeInt8(ws.int8.calibration)} from ${o.weights}`;
  } else if (precision === 'int8' && o.calibrate && o.backend?.backend !== 'wasm') {
    calibration = await o.calibrate(spec, convention);
    int8Line = `; int8 calibrated now on ${calibration.clips.shape[0]} clip${calibration.clips.shape[0] === 1 ? '' : 's'}${calibration.source ? ` (${calibration.source})` : ''}`;
  }
  const backend = await createBackend({ ...o.backend, spec, params: ws.params, precision, int8Model: ws.int8?.model, calibration });
  const loaded: LoadedNet = { backend, spec, convention, conventionLine: `${describeConvention(conv)} (${origin})${int8Line}`, classes: ws.classes };
  if (o.keepParams) loaded.params = ws.params;
  return loaded;
}

/** The net to run: the weights' recorded spec (checked against the options), else a built-in one. */
export function netSpecOf(o: Pick<NetOptions, 'model' | 'modelOptions' | 'weights'>, ws: WeightSet): NetSpec {
  return o.model === undefined && ws.specDef ? recordedSpec(ws.specDef, o.weights, o.modelOptions) : builtInSpec(o, ws.spec, ws.params.get('fc8.weight')?.shape[0]);
}

function builtInSpec(o: Pick<NetOptions, 'model' | 'modelOptions'>, recorded: string | undefined, fc8Rows: number | undefined): NetSpec {
  const classes = o.modelOptions?.classes ?? fc8Rows;
  return getModel(o.model ?? recorded ?? 'c3d-sports1m', { ...o.modelOptions, ...(classes ? { classes } : {}) });
}

/**
 * The net a checkpoint records (trained by `c3d train`: any model, width, size, length): used as is;
 * options that contradict it are an error rather than a silently different net.
 */
function recordedSpec(spec: NetSpec, file: string, opts: ModelOptions = {}): NetSpec {
  const [, L, H] = spec.input;
  const outputs = spec.layers.filter((l): l is FcLayer => l.type === 'fc').at(-1)?.out;
  const clash = [
    opts.length !== undefined && opts.length !== L ? `clip length ${opts.length} (it takes ${L})` : '',
    opts.size !== undefined && opts.size !== H ? `crop ${opts.size} (it takes ${H})` : '',
    opts.width !== undefined ? '--width' : '',
    opts.classes !== undefined && opts.classes !== outputs ? `${opts.classes} classes (it has ${outputs})` : '',
  ].filter(Boolean);
  if (clash.length) throw new Error(`${file} records its net (${spec.name}); it cannot be run with ${clash.join(', ')}`);
  return spec;
}
