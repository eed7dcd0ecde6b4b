/**
 * Building the net for extraction from a weights file: weights (with their input convention), the
 * spec (the file's own, or --model), and a backend. Shared by `c3d extract` and `c3d classify`.
 */
import { describeConvention, type InputConvention } from '../io/convention.js';
import { loadWeights, type LoadOptions } from '../io/weights.js';
import { getModel, type FcLayer, type ModelOptions, type NetSpec } from '../models/index.js';
import { createBackend, type CreateBackendOptions } from '../runtime/index.js';
import type { Backend } from '../runtime/backend.js';
import { resolveConvention, type PixelConvention } from './convention.js';
import type { Tensor } from '../tensor/tensor.js';

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
}

export async function loadNet(o: NetOptions): Promise<LoadedNet> {
  const ws = await loadWeights(o.weights, o.load);
  const spec = o.model === undefined && ws.specDef ? recordedSpec(ws.specDef, o.weights, o.modelOptions) : builtInSpec(o, ws.spec, ws.params.get('fc8.weight')?.shape[0]);
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
  const backend = await createBackend({ ...o.backend, spec, params: ws.params });
  const loaded: LoadedNet = { backend, spec, convention, conventionLine: `${describeConvention(conv)} (${origin})`, classes: ws.classes };
  if (o.keepParams) loaded.params = ws.params;
  return loaded;
}

function builtInSpec(o: NetOptions, recorded: string | undefined, fc8Rows: number | undefined): NetSpec {
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
