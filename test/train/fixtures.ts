/**
 * Loader for the PyTorch solver fixtures of tools/fixtures/train.py: test/fixtures/train/manifest.json
 * names the net (a model-zoo name and options, dropout off) and, per case, the optimizer config, base
 * lr, step count, per-step losses (before each update) and gradient norms (before clipping);
 * common.bin holds the initial weights, clips and labels, <case>.bin the final weights — raw
 * little-endian float32 / int32 at the byte offsets the manifest gives.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tensor } from '../../src/tensor/index.js';
import { getModel, type ModelOptions, type NetSpec } from '../../src/models/index.js';
import type { OptimizerConfig } from '../../src/train/optimizer-api.js';
import { fixturesDir } from '../kernels/fixtures.js';
import type { Summary } from '../models/golden.js';

interface TensorEntry {
  dtype: 'float32' | 'int32';
  shape: number[];
  offset: number;
}

interface FileEntry {
  file: string;
  tensors: Record<string, TensorEntry>;
}

interface Manifest {
  model: { name: string; options: ModelOptions };
  dropout: number;
  common: FileEntry;
  cases: Array<FileEntry & { name: string; config: OptimizerConfig; lr: number; steps: number; losses: number[]; norms: number[] }>;
}

export interface TrainCase {
  name: string;
  config: OptimizerConfig;
  /** Base learning rate (constant over the steps); biases use twice it. */
  lr: number;
  steps: number;
  /** Mean cross-entropy before each step's update. */
  losses: number[];
  /** Global gradient L2 norm of each step, before clipping. */
  norms: number[];
  /** Parameters after the last step. */
  final: Map<string, Tensor>;
}

export interface TrainFixture {
  /** The net: `getModel(model.name, model.options)` with every dropout at p = 0. */
  spec: NetSpec;
  model: { name: string; options: ModelOptions };
  initial: Map<string, Tensor>;
  /** (N, C, L, H, W). */
  clips: Tensor;
  labels: Int32Array;
  cases: TrainCase[];
}

/** test/fixtures/train (beside the kernels' fixtures). */
export function trainFixturesDir(): string {
  return join(dirname(fixturesDir()), 'train');
}

/** Reads every tensor of one .bin file, keyed as in the manifest. */
function readTensors(dir: string, entry: FileEntry): Map<string, Tensor | Int32Array> {
  const bytes = readFileSync(join(dir, entry.file));
  const out = new Map<string, Tensor | Int32Array>();
  for (const [key, e] of Object.entries(entry.tensors)) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const view = new DataView(bytes.buffer, bytes.byteOffset + e.offset, n * 4);
    if (e.dtype === 'int32') {
      out.set(key, Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true)));
    } else {
      out.set(key, new Tensor(e.shape, Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true))));
    }
  }
  return out;
}

/** The params under `prefix.` (`initial.` / `final.`), prefix removed. */
function paramsUnder(tensors: Map<string, Tensor | Int32Array>, prefix: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, t] of tensors) if (key.startsWith(prefix) && t instanceof Tensor) out.set(key.slice(prefix.length), t);
  return out;
}

export function loadTrainFixture(): TrainFixture {
  const dir = trainFixturesDir();
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const common = readTensors(dir, m.common);
  const base = getModel(m.model.name, m.model.options);
  const spec: NetSpec = { ...base, layers: base.layers.map((l) => (l.type === 'dropout' ? { ...l, p: m.dropout } : l)) };
  return {
    spec,
    model: m.model,
    initial: paramsUnder(common, 'initial.'),
    clips: common.get('clips') as Tensor,
    labels: common.get('labels') as Int32Array,
    cases: m.cases.map((c) => ({
      name: c.name,
      config: c.config,
      lr: c.lr,
      steps: c.steps,
      losses: c.losses,
      norms: c.norms,
      final: paramsUnder(readTensors(dir, c), 'final.'),
    })),
  };
}

/** A deep copy of a parameter map (each case trains its own). */
export function cloneParams(p: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map([...p].map(([k, t]) => [k, t.clone()]));
}

/** The whole tensor as a golden summary, so expectClose (1e-4 of the tensor's largest value) applies. */
export function full(t: Tensor): Summary {
  const sample = [...t.data];
  return { shape: [...t.shape], sum: sample.reduce((a, b) => a + b, 0), abs_sum: sample.reduce((a, b) => a + Math.abs(b), 0), sample_index: sample.map((_, i) => i), sample };
}

/**
 * max |a − b| ≤ rtol · max |b| over the whole tensor (element-wise relative error is meaningless at
 * zeros); an all-zero reference fails, as it would compare nothing.
 */
export function assertClose(a: Float32Array, b: Float32Array, what: string, rtol: number): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  assert.ok(scale > 0, `${what}: all zeros, nothing compared`);
  assert.ok(worst <= rtol * scale, `${what}: max difference ${worst.toExponential(2)} vs scale ${scale.toExponential(2)}`);
}
