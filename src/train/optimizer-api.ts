/** The optimizer interface the training loop uses; implementations in optimizer.ts. */
import type { Tensor } from '../tensor/tensor.js';
import type { ParamSet } from '../nn/params.js';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw';

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** SGD momentum (Caffe's `momentum`), default 0.9. */
  momentum: number;
  /** L2 weight decay (Caffe's `weight_decay`; for AdamW the decoupled decay rate). */
  weightDecay: number;
  /** Adam β1, β2, ε (PyTorch defaults 0.9, 0.999, 1e-8). */
  beta1: number;
  beta2: number;
  eps: number;
  /** Clip the gradient to this global L2 norm before the update (MMAction2: 40); undefined = off. */
  clipGrad?: number;
}

/** Per-parameter multipliers (Caffe's `blobs_lr` / `weight_decay` per blob). lr 0 = frozen. */
export interface ParamRule {
  lrMult: number;
  decayMult: number;
}

/** Optimizer state for checkpoints: buffers keyed like `m.conv1a.weight`, plus JSON numbers. */
export interface OptimizerState {
  tensors: Map<string, Tensor>;
  state: Record<string, unknown>;
}

export interface Optimizer {
  readonly config: OptimizerConfig;
  /**
   * One update of `params` in place from `grads` (the mean-loss gradient), at base learning rate `lr`
   * (the schedule's value for this iteration; each parameter scales it by its lrMult).
   * Returns the global gradient L2 norm before clipping. `sumSquares`: Σ g² per parameter when the
   * caller already has them (a training backend's by-product), else they are computed here.
   */
  step(params: ParamSet, grads: ParamSet, lr: number, sumSquares?: ReadonlyMap<string, number>): number;
  /** Everything needed to continue exactly (momentum / moments, step count). */
  save(): OptimizerState;
  /** Restores `save()`'s output; throws naming the buffer when shapes do not fit `params`. */
  load(s: OptimizerState, params: ParamSet): void;
}
