/**
 * Training checkpoints: our safetensors weights format (spec, input convention, class names in the
 * metadata, so `c3d extract / classify / test` take them directly) plus the optimizer buffers and the
 * run's position. The data order and every random draw are functions of (seed, iteration), so seed and
 * iteration are the whole RNG state: a resumed run continues exactly where it stopped.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { InputConvention } from '../io/convention.js';
import { loadCheckpoint, saveSafetensors } from '../io/weights.js';
import type { NetSpec } from '../models/spec.js';
import type { ParamSet } from '../nn/params.js';
import { paramShapes } from '../models/shapes.js';
import type { OptimizerState } from './optimizer-api.js';

/** Where a run stands after `iteration` completed iterations. */
export interface RunPosition {
  iteration: number;
  /** Completed epochs (fractional: samples seen / epoch size). */
  epoch: number;
  /** Samples drawn from the data stream so far (= iteration × batch): the data-order position. */
  samples: number;
  /** The run's seed: with `iteration` it fixes every later draw (data order, crops, flips, dropout). */
  seed: number;
  /** Best validation metric so far and where (for best.safetensors). */
  best?: { metric: string; value: number; iteration: number };
}

export interface CheckpointContents {
  spec: NetSpec;
  params: ParamSet;
  convention?: InputConvention;
  classes: string[];
  optimizer?: OptimizerState;
  position?: RunPosition;
  /** Provenance recorded in the file (the run folder). */
  source: string;
}

/** Writes a checkpoint atomically (temp file + rename). */
export async function saveTrainCheckpoint(path: string, c: CheckpointContents): Promise<void> {
  const training = c.optimizer || c.position
    ? { tensors: c.optimizer?.tensors ?? new Map(), state: { position: c.position, optimizer: c.optimizer?.state } }
    : undefined;
  await saveSafetensors(path, { params: c.params, specDef: c.spec, convention: c.convention, classes: c.classes, source: c.source }, training);
}

/** Reads a checkpoint written by saveTrainCheckpoint; the error names the file when it is not one. */
export async function loadTrainCheckpoint(path: string, spec: NetSpec): Promise<Required<Pick<CheckpointContents, 'params' | 'position' | 'optimizer'>> & { convention?: InputConvention }> {
  const { weights, training } = await loadCheckpoint(path, { expect: paramShapes(spec), map: 'none' });
  const state = training?.state as { position?: RunPosition; optimizer?: Record<string, unknown> } | undefined;
  if (!training || !state?.position || !state.optimizer) throw new Error(`${path}: not a training checkpoint (no optimizer state or run position)`);
  return {
    params: weights.params,
    convention: weights.convention,
    position: state.position,
    optimizer: { tensors: training.tensors, state: state.optimizer },
  };
}

const CHECKPOINT_FILE = /^checkpoint-(\d+)\.safetensors$/;

/** `RUN/checkpoint-<iteration>.safetensors`. */
export function checkpointPath(run: string, iteration: number): string {
  return join(run, `checkpoint-${iteration}.safetensors`);
}

/** Iterations of the run's checkpoints, ascending. */
export function listCheckpoints(run: string): number[] {
  let names: string[];
  try {
    names = readdirSync(run);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = CHECKPOINT_FILE.exec(n);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

/** Deletes all but the newest `keep` checkpoints (keep 0: keep all). */
export function pruneCheckpoints(run: string, keep: number): void {
  if (keep <= 0) return;
  const all = listCheckpoints(run);
  for (const it of all.slice(0, Math.max(0, all.length - keep))) {
    try {
      unlinkSync(checkpointPath(run, it));
    } catch {
      /* already gone */
    }
  }
}
