/** `c3d train`: train or fine-tune a 3D ConvNet (paper §3, §4); a thin shell over `train()`. */
import { readFileSync } from 'node:fs';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { DATA_FLAGS_USAGE, DATA_OPTIONS, dataSourceFromFlags, valSourceFromFlag } from './data-flags.js';
import { TrainProgress } from '../train-progress.js';
import { modelNames } from '../../models/zoo.js';
import { DEFAULT_CONFIG, parseSteps, type TrainConfig } from '../../train/config.js';
import { parseLrMults } from '../../train/optimizer.js';
import { train } from '../../train/train.js';
import { fsReason } from '../../io/read-file.js';
import { plural } from '../plural.js';

const usage = `usage: c3d train DATA --out RUN [options]

Trains a net on labelled videos (or preprocessed clips), writing RUN/config.json, RUN/log.jsonl,
RUN/checkpoint-<iter>.safetensors, RUN/best.safetensors (by validation accuracy), RUN/final.safetensors
and RUN/curves.png. Re-running into the same RUN (or --resume) continues exactly where it stopped;
Ctrl-C saves a checkpoint first.

Data (one of):
${DATA_FLAGS_USAGE}
  --val SOURCE         validation data: test (the split's test list), X.npy,Y.npy, DIR or LIST
  --val-every N        validate every N epochs (default 1)
  --test-clips N       clips per video for video accuracy (default 10)
  --clips-per-video N  training clips drawn per video per epoch (default 1)
  --cache DIR          frame cache (default RUN/cache): each video decoded once
  --jobs N             decoders while caching (default 2)    --ffmpeg PATH

Net:
  --model NAME         ${modelNames.join(', ')} (default depth-3)
  --spec FILE.json     a net spec file instead of --model
  --width X --size S --length L --classes N   model options (classes default: the data's)
  --dropout P          dropout on fc6/fc7 (default 0.5; 0 = off)
  --init FILE          fine-tune: copy every layer whose name and shape match (.caffemodel, .pt,
                       .pickle, .safetensors), re-initialise the rest    --map M (as c3d extract)
  --init-scheme S      caffe (default: conv N(0,0.01), fc N(0,0.005)), pytorch (uniform ±1/√fan_in),
                       kaiming (He normal)
  --freeze LAYERS      comma-separated layers kept fixed    --lr-mult LAYER=X (repeatable)

Solver:
  --epochs N | --iters N   training length (default 16 epochs)
  --batch N            clips per iteration (default 30)   --accumulate K  as K micro-batches
  --optimizer O        sgd (default, Caffe's update), adam, adamw
  --lr X (0.003)  --momentum X (0.9)  --weight-decay X (0.005)  --clip-grad NORM
  --lr-policy P        fixed, step (default), multistep, cosine
  --step N             step length: N iterations or Ne epochs (default 4e); multistep: 20e,40e
  --gamma X (0.1)  --warmup N (linear warm-up iterations)

Input:
  --mean FILE|none|b,g,r  mean to subtract (default: the training frames' per-channel mean, or the
                       --init weights' convention)    --channels bgr|rgb
  --no-mirror          no random horizontal flips      --no-shuffle   list order every epoch
  --seed N             everything seeded (default 1): same seed + threads = same run

Run:
  --backend B          onnxruntime (native, default) or wasm (portable, as in a browser)
  --ep LIST            onnxruntime execution providers, comma-separated (default cpu), e.g. cuda,cpu
  --threads N          compute threads (default: every core)
  --checkpoint-every N iterations (default 1000)   --keep-checkpoints N (default 3; 0 = all)
  --log-every N        log line every N iterations (default 20)
  --resume             require a checkpoint to continue from   --overwrite  replace another run in RUN
  --config FILE        start from a saved RUN/config.json (flags override it)`;

const OPTIONS = {
  ...DATA_OPTIONS,
  val: { type: 'string' },
  'val-every': { type: 'string' },
  'test-clips': { type: 'string' },
  'clips-per-video': { type: 'string' },
  cache: { type: 'string' },
  jobs: { type: 'string' },
  ffmpeg: { type: 'string' },
  model: { type: 'string' },
  spec: { type: 'string' },
  width: { type: 'string' },
  size: { type: 'string' },
  length: { type: 'string' },
  classes: { type: 'string' },
  dropout: { type: 'string' },
  init: { type: 'string' },
  map: { type: 'string' },
  'init-scheme': { type: 'string' },
  freeze: { type: 'string' },
  'lr-mult': { type: 'string', multiple: true },
  epochs: { type: 'string' },
  iters: { type: 'string' },
  batch: { type: 'string' },
  accumulate: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  'clip-grad': { type: 'string' },
  'lr-policy': { type: 'string' },
  step: { type: 'string' },
  gamma: { type: 'string' },
  warmup: { type: 'string' },
  mean: { type: 'string' },
  channels: { type: 'string' },
  'no-mirror': { type: 'boolean' },
  'no-shuffle': { type: 'boolean' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  ep: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'keep-checkpoints': { type: 'string' },
  'log-every': { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  config: { type: 'string' },
} as const;

function number(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got '${v}'`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

function readConfigFile(path: string): Partial<TrainConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${path}: cannot read (${fsReason(e)})`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Partial<TrainConfig>;
  } catch (e) {
    throw new UsageError(`--config ${path}: not a training config (${(e as Error).message})`);
  }
}

/** Defaults ← --config file ← flags. */
export function configFromFlags(argv: string[]): TrainConfig & { resume?: boolean; overwrite?: boolean } {
  const { values: v, positionals } = parseCommandArgs(argv, OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (data goes after --data, --list, …)`);
  const base: Partial<TrainConfig> = v.config ? readConfigFile(v.config) : {};
  const anyData = v.data ?? v.ucf101 ?? v.hmdb51 ?? v.list ?? v.clips;
  const data = anyData !== undefined ? dataSourceFromFlags(v, 'train') : base.data;
  if (!data) dataSourceFromFlags(v, 'train'); // throws the "no data" usage error
  const out = v.out ?? base.out;
  if (!out) throw new UsageError('--out RUN is required (the run folder)');
  const set = <K extends keyof TrainConfig>(c: Partial<TrainConfig>, k: K, val: TrainConfig[K] | undefined): void => {
    if (val !== undefined) c[k] = val;
  };
  const c: Partial<TrainConfig> = { ...DEFAULT_CONFIG, ...base, data, out };
  if (v.val !== undefined) c.val = valSourceFromFlag(v.val, data!);
  if (v.model !== undefined || v.spec !== undefined) {
    delete c.specFile;
    set(c, 'model', v.model ?? DEFAULT_CONFIG.model);
    set(c, 'specFile', v.spec);
  }
  set(c, 'width', number('width', v.width));
  set(c, 'size', number('size', v.size));
  set(c, 'length', number('length', v.length));
  set(c, 'classes', number('classes', v.classes));
  set(c, 'dropout', number('dropout', v.dropout));
  set(c, 'init', v.init);
  set(c, 'map', v.map);
  set(c, 'initScheme', oneOf('init-scheme', v['init-scheme'], ['caffe', 'pytorch', 'kaiming'] as const));
  if (v.freeze !== undefined) c.freeze = v.freeze.split(',').map((s) => s.trim()).filter(Boolean);
  if (v['lr-mult'] !== undefined) {
    try {
      c.lrMult = Object.fromEntries(parseLrMults(v['lr-mult']));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (v.epochs !== undefined || v.iters !== undefined) {
    c.epochs = number('epochs', v.epochs);
    c.iters = number('iters', v.iters);
  } else if (c.epochs === undefined && c.iters === undefined) {
    c.epochs = 16;
  }
  set(c, 'batch', number('batch', v.batch));
  set(c, 'accumulate', number('accumulate', v.accumulate));
  set(c, 'clipsPerVideo', number('clips-per-video', v['clips-per-video']));
  set(c, 'optimizer', oneOf('optimizer', v.optimizer, ['sgd', 'adam', 'adamw'] as const));
  set(c, 'lr', number('lr', v.lr));
  set(c, 'momentum', number('momentum', v.momentum));
  set(c, 'weightDecay', number('weight-decay', v['weight-decay']));
  set(c, 'clipGrad', number('clip-grad', v['clip-grad']));
  set(c, 'lrPolicy', oneOf('lr-policy', v['lr-policy'], ['fixed', 'step', 'multistep', 'cosine'] as const));
  try {
    if (v.step !== undefined) c.steps = parseSteps(v.step);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  set(c, 'gamma', number('gamma', v.gamma));
  set(c, 'warmup', number('warmup', v.warmup));
  set(c, 'mean', v.mean);
  set(c, 'channels', oneOf('channels', v.channels, ['bgr', 'rgb'] as const));
  if (v['no-mirror']) c.mirror = false;
  if (v['no-shuffle']) c.shuffle = false;
  set(c, 'seed', number('seed', v.seed));
  set(c, 'backend', oneOf('backend', v.backend, ['wasm', 'onnxruntime'] as const));
  if (v.ep !== undefined) {
    if (c.backend === 'wasm') throw new UsageError('--ep applies to --backend onnxruntime only');
    const eps = v.ep.split(',').map((s) => s.trim()).filter(Boolean);
    if (eps.length === 0) throw new UsageError('--ep needs at least one execution provider name, e.g. --ep cuda,cpu');
    c.executionProviders = eps;
  }
  set(c, 'threads', number('threads', v.threads));
  set(c, 'cache', v.cache);
  set(c, 'jobs', number('jobs', v.jobs));
  set(c, 'ffmpeg', v.ffmpeg);
  set(c, 'valEvery', number('val-every', v['val-every']));
  set(c, 'testClips', number('test-clips', v['test-clips']));
  set(c, 'checkpointEvery', number('checkpoint-every', v['checkpoint-every']));
  set(c, 'keepCheckpoints', number('keep-checkpoints', v['keep-checkpoints']));
  set(c, 'logEvery', number('log-every', v['log-every']));
  return { ...(c as TrainConfig), resume: v.resume, overwrite: v.overwrite };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train or fine-tune a 3D ConvNet on labelled videos (checkpoints, resume, validation)',
  usage,
  async run(argv) {
    const config = configFromFlags(argv);
    const progress = new TrainProgress();
    const abort = new AbortController();
    const stop = (sig: string): void => {
      if (abort.signal.aborted) process.exit(130); // second Ctrl-C: leave now
      progress.message(`${sig}: saving a checkpoint after this iteration (press again to quit at once)`);
      abort.abort();
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      const r = await train(config, { onProgress: (e) => progress.event(e), signal: abort.signal });
      progress.finish();
      const lines = [
        r.interrupted
          ? `c3d train: interrupted at iteration ${r.iterations}/${r.total}; resume with the same command (checkpoint ${r.lastCheckpoint})`
          : `c3d train: done, ${plural(r.iterations, 'iteration')}; weights ${r.final}`,
      ];
      if (r.lastLoss !== undefined) lines.push(`  last loss ${r.lastLoss.toFixed(4)}`);
      if (r.best) lines.push(`  best ${r.best.metric} ${(100 * r.best.value).toFixed(1)}% at iteration ${r.best.iteration}: ${r.best.path}`);
      if (r.skipped.length) lines.push(`  ${plural(r.skipped.length, 'video')} skipped (could not be decoded):`, ...r.skipped.map((s) => `    ${s.reason}`));
      lines.push(`  log ${r.run}/log.jsonl, curves ${r.run}/curves.png`);
      process.stderr.write(lines.join('\n') + '\n');
      return r.interrupted ? 130 : 0;
    } finally {
      progress.finish();
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  },
};
