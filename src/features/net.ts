/**
 * Building the net for extraction from a weights file: weights (with their input convention), the
 * spec (the file's own, or --model), and a backend. Shared by `c3d extract` and `c3d classify`.
 */
import { describeConvention, type InputConvention } from '../io/convention.js';
import { loadWeights, type LoadOptions } from '../io/weights.js';
import { getModel, type ModelOptions, type NetSpec } from '../models/index.js';
import { createBackend, type CreateBackendOptions } from '../runtime/index.js';
import type { Backend } from '../runtime/backend.js';
import { resolveConvention, type PixelConvention } from './convention.js';

export interface LoadedNet {
  backend: Backend;
  spec: NetSpec;
  convention: PixelConvention;
  /** One line for stderr: channel order and mean, and where they come from. */
  conventionLine: string;
}

export interface NetOptions {
  weights: string;
  load?: LoadOptions;
  /** Spec name (default: the weights' own, else c3d-sports1m) and options; fc8 size defaults to the weights'. */
  model?: string;
  modelOptions?: ModelOptions;
  backend?: Omit<CreateBackendOptions, 'spec' | 'params'>;
}

export async function loadNet(o: NetOptions): Promise<LoadedNet> {
  const ws = await loadWeights(o.weights, o.load);
  const classes = o.modelOptions?.classes ?? ws.params.get('fc8.weight')?.shape[0];
  const spec = getModel(o.model ?? ws.spec ?? 'c3d-sports1m', { ...o.modelOptions, ...(classes ? { classes } : {}) });
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
  return { backend, spec, convention, conventionLine: `${describeConvention(conv)} (${origin})` };
}
