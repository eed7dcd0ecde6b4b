/**
 * A training run's full configuration: what Caffe's solver + net prototxts say, as one JSON value.
 * RUN/config.json holds it; `c3d train --config RUN/config.json` re-runs it, and re-running into the
 * same RUN folder with the same configuration resumes it.
 */
import type { OptimizerKind } from './optimizer-api.js';
import type { LrPolicyKind } from './schedule.js';
import type { InitScheme } from './init.js';

/** Where the clips come from (one of the training issue's sources). */
export type DataSource =
  | { kind: 'folder'; dir: string }
  | { kind: 'ucf101'; root: string; split: number; part?: 'train' | 'test' }
  | { kind: 'hmdb51'; root: string; split: number; part?: 'train' | 'test' }
  | { kind: 'list'; file: string }
  | { kind: 'clips'; clips: string; labels: string };

export type { LrPolicyKind } from './schedule.js';
export type { InitScheme } from './init.js';

/** A length in iterations, or in epochs (converted once the epoch size is known). */
export interface Duration {
  value: number;
  unit: 'iter' | 'epoch';
}

export interface TrainConfig {
  data: DataSource;
  /** Validation data: another source (for UCF101/HMDB51 typically the split's test part). */
  val?: DataSource;
  /** Built-in model name (ignored when `spec` is set) and its options. */
  model: string;
  width?: number;
  size?: number;
  length?: number;
  /** Classifier outputs; default: the data set's class count. */
  classes?: number;
  /** A spec file instead of a built-in model. */
  specFile?: string;
  /** Dropout probability for every dropout layer (default: the spec's, 0.5). */
  dropout?: number;
  out: string;
  /** Training length: exactly one of epochs / iters. */
  epochs?: number;
  iters?: number;
  batch: number;
  /** Split each batch into this many micro-batches (same result, less memory). */
  accumulate: number;
  clipsPerVideo: number;
  optimizer: OptimizerKind;
  lr: number;
  momentum: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  clipGrad?: number;
  lrPolicy: LrPolicyKind;
  /** step: one duration; multistep: the milestones. */
  steps: Duration[];
  gamma: number;
  /** Linear warm-up length in iterations. */
  warmup: number;
  init?: string;
  /** Key renaming for `init` (as `c3d extract --map`). */
  map?: string;
  initScheme: InitScheme;
  /** Layer names kept frozen (lr 0). */
  freeze: string[];
  /** Per-layer lr multipliers (`--lr-mult conv1a=0.1`). */
  lrMult: Record<string, number>;
  /** `--mean`: FILE, none, or b,g,r; undefined: the default rule (training-set mean, or the init weights'). */
  mean?: string;
  channels?: 'bgr' | 'rgb';
  mirror: boolean;
  shuffle: boolean;
  seed: number;
  backend: 'wasm' | 'onnxruntime';
  /** onnxruntime execution providers (`--ep cuda,cpu`; onnxruntime backend only; default cpu). */
  executionProviders?: string[];
  threads?: number;
  /** Frame cache folder (default RUN/cache). */
  cache?: string;
  /** Checkpoint every N iterations (0: only at the end and on interruption). */
  checkpointEvery: number;
  /** Keep the newest N periodic checkpoints (0: all); a full C3D checkpoint with momentum is ≈ 640 MB. */
  keepCheckpoints: number;
  /** Validate every N epochs. */
  valEvery: number;
  /** Clips per video at validation (video accuracy, paper Table 2). */
  testClips: number;
  /** Log line every N iterations (pipes / CI). */
  logEvery: number;
  /** Decoders when building the frame cache. */
  jobs: number;
  ffmpeg?: string;
}

/** The paper's §3 setting (mini-batch 30, lr 0.003 ÷10 every 4 epochs, 16 epochs) and the release's solver. */
export const DEFAULT_CONFIG: Omit<TrainConfig, 'data' | 'out'> = {
  model: 'depth-3',
  batch: 30,
  accumulate: 1,
  clipsPerVideo: 1,
  optimizer: 'sgd',
  lr: 0.003,
  momentum: 0.9,
  weightDecay: 0.005,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  lrPolicy: 'step',
  steps: [{ value: 4, unit: 'epoch' }],
  gamma: 0.1,
  warmup: 0,
  initScheme: 'caffe',
  freeze: [],
  lrMult: {},
  mirror: true,
  shuffle: true,
  seed: 1,
  backend: 'onnxruntime',
  checkpointEvery: 1000,
  keepCheckpoints: 3,
  valEvery: 1,
  testClips: 10,
  logEvery: 20,
  jobs: 2,
};

/**
 * Keys that change how a run is executed, not what it computes: a RUN folder may be re-entered with
 * different values (more threads, another cache folder, a longer run, the other backend — both
 * compute the same step to float rounding) and still resume.
 */
const RUN_CONTROL_KEYS: ReadonlySet<keyof TrainConfig> = new Set([
  'backend', 'executionProviders', 'threads', 'cache', 'checkpointEvery', 'keepCheckpoints', 'logEvery', 'jobs', 'ffmpeg', 'epochs', 'iters', 'out',
] as Array<keyof TrainConfig>);

/** The fields of two configs that differ in what they compute (empty: the run may resume). */
export function configDifferences(a: TrainConfig, b: TrainConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof TrainConfig>);
  const diff: string[] = [];
  for (const k of keys) {
    if (RUN_CONTROL_KEYS.has(k)) continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) diff.push(k);
  }
  return diff.sort();
}

/** Throws a one-line error for values no run can use. */
export function checkConfig(c: TrainConfig): void {
  const posInt = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1)) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  const nonNeg = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be a number ≥ 0, got ${v}`);
  };
  if ((c.epochs === undefined) === (c.iters === undefined)) throw new RangeError('give exactly one of --epochs N or --iters N');
  posInt('--epochs', c.epochs);
  posInt('--iters', c.iters);
  posInt('--batch', c.batch);
  posInt('--accumulate', c.accumulate);
  posInt('--clips-per-video', c.clipsPerVideo);
  posInt('--val-every', c.valEvery);
  posInt('--test-clips', c.testClips);
  posInt('--log-every', c.logEvery);
  posInt('--jobs', c.jobs);
  posInt('--threads', c.threads);
  if (c.accumulate > c.batch) throw new RangeError(`--accumulate ${c.accumulate} is more than the batch (${c.batch} clips)`);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw new RangeError(`--lr must be a positive number, got ${c.lr}`);
  nonNeg('--momentum', c.momentum);
  nonNeg('--weight-decay', c.weightDecay);
  nonNeg('--warmup', c.warmup);
  nonNeg('--checkpoint-every', c.checkpointEvery);
  nonNeg('--keep-checkpoints', c.keepCheckpoints);
  if (c.momentum >= 1) throw new RangeError(`--momentum must be below 1, got ${c.momentum}`);
  if (!(c.gamma > 0)) throw new RangeError(`--gamma must be positive, got ${c.gamma}`);
  if (c.clipGrad !== undefined && !(c.clipGrad > 0)) throw new RangeError(`--clip-grad must be positive, got ${c.clipGrad}`);
  if (c.dropout !== undefined && !(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`--dropout must be in [0, 1), got ${c.dropout}`);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new RangeError(`--seed must be an integer ≥ 0, got ${c.seed}`);
  if ((c.lrPolicy === 'step' || c.lrPolicy === 'multistep') && c.steps.length === 0) throw new RangeError(`--lr-policy ${c.lrPolicy} needs --step`);
  if (c.lrPolicy === 'step' && c.steps.length !== 1) throw new RangeError('--lr-policy step takes one --step (use multistep for several)');
  for (const s of c.steps) posInt('--step', s.value);
}

/** Parses `--step`: `20000` (iterations) or `4e` / `4ep` (epochs); several comma-separated for multistep. */
export function parseSteps(s: string): Duration[] {
  return s.split(',').map((part) => {
    const m = /^\s*(\d+)\s*(e|ep|epoch|epochs|i|it|iter|iters)?\s*$/.exec(part);
    if (!m || Number(m[1]) < 1) throw new RangeError(`--step must be N (iterations) or Ne (epochs), comma-separated for multistep; got '${s}'`);
    return { value: Number(m[1]), unit: m[2] && m[2].startsWith('e') ? 'epoch' : 'iter' };
  });
}

/** A duration in iterations, given how many iterations an epoch has. */
export function toIterations(d: Duration, itersPerEpoch: number): number {
  return d.unit === 'iter' ? d.value : Math.max(1, Math.round(d.value * itersPerEpoch));
}
