/**
 * How our safetensors checkpoints (src/io/weights.ts saveSafetensors) lay out what is not a weight:
 * the `__metadata__` keys and the extra tensors (mean cube, optimizer state). Portable, so the browser
 * page reads checkpoints by the same names.
 */
import type { Tensor } from '../tensor/tensor.js';

export const CHECKPOINT_META = {
  spec: 'c3d.spec',
  specJson: 'c3d.spec_json',
  input: 'c3d.input',
  source: 'c3d.source',
  train: 'c3d.train',
  classes: 'c3d.classes',
  version: 'c3d.checkpoint',
} as const;

/** The input convention's mean cube, when the convention embeds one. */
export const MEAN_TENSOR = 'input.mean_cube';
/** Optimizer state tensors are stored under this prefix (`optimizer.conv1a.weight`). */
export const OPTIMIZER_PREFIX = 'optimizer.';

/** A checkpoint's tensors sorted into the net's parameters, optimizer state (prefix dropped) and the mean cube. */
export function splitCheckpointTensors(tensors: ReadonlyMap<string, Tensor>): { params: Map<string, Tensor>; optimizer: Map<string, Tensor>; meanCube?: Tensor } {
  const params = new Map<string, Tensor>();
  const optimizer = new Map<string, Tensor>();
  let meanCube: Tensor | undefined;
  for (const [k, t] of tensors) {
    if (k === MEAN_TENSOR) meanCube = t;
    else if (k.startsWith(OPTIMIZER_PREFIX)) optimizer.set(k.slice(OPTIMIZER_PREFIX.length), t);
    else params.set(k, t);
  }
  return { params, optimizer, meanCube };
}
