/**
 * `train(config)`: the training loop of paper §3/§4 — data checked and cached, the net initialised
 * (Caffe's scheme, or copied from released weights for fine-tuning), SGD/Adam steps over seeded
 * batches, validation, checkpoints, exact resume. The CLI (`c3d train`) is a thin shell over it.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { getModel } from '../models/zoo.js';
import { readNetSpec } from '../models/json.js';
import type { NetSpec } from '../models/spec.js';
import type { ParamSet } from '../nn/params.js';
import { loadWeights } from '../io/weights.js';
import { parseMean, type InputConvention } from '../io/convention.js';
import { readBinaryproto } from '../io/caffe/blob.js';
import { writeBytesAtomic } from '../io/atomic.js';
import { resolveConvention } from '../features/convention.js';
import { geometryForCrop } from '../features/geometry.js';
import type { Dataset, VideoDataset } from '../data/dataset.js';
import { datasetSize } from '../data/dataset.js';
import { openDataset, describeSource } from '../data/open.js';
import { checkClasses, checkEveryClassHasItems } from '../data/sources.js';
import { checkDatasetFiles } from '../data/check.js';
import { buildFrameCache, type FrameCache } from '../data/frame-cache.js';
import { BatchPrefetcher, TrainLoader } from '../data/loader.js';
import { checkConfig, configDifferences, toIterations, type TrainConfig } from './config.js';
import { createOptimizer, caffeParamRules, optimizerBufferCount } from './optimizer.js';
import { learningRate, type LrPolicy } from './schedule.js';
import { initWeights, initFromWeights, formatInitReport } from './init.js';
import { dropoutMasks, dropoutSites, withDropout } from './dropout.js';
import { createTrainStep } from './create-step.js';
import { ParamMemory, tensorsIn } from './param-memory.js';
import type { TrainStep } from './step.js';
import { checkpointPath, listCheckpoints, loadTrainCheckpoint, pruneCheckpoints, saveTrainCheckpoint, type RunPosition } from './checkpoint.js';
import { evaluateNet, type EvaluateResult } from './evaluate.js';
import { trainingCurvesPng } from './curves.js';
import type { TestReport } from './metrics.js';

/** What `train` reports while it runs (the CLI draws progress from these). */
export type TrainEvent =
  | { kind: 'message'; text: string }
  | { kind: 'cache'; done: number; total: number; failed: number; cached: number }
  | {
      kind: 'iteration';
      iteration: number;
      total: number;
      epoch: number;
      loss: number;
      lr: number;
      clipsPerSec: number;
      etaSec: number;
      /** Whether this iteration is one of the every-`logEvery` logged ones. */
      logged: boolean;
    }
  | { kind: 'validation'; iteration: number; epoch: number; report: TestReport }
  | { kind: 'checkpoint'; path: string };

export interface TrainOptions {
  onProgress?: (e: TrainEvent) => void;
  /** Abort (Ctrl-C / SIGTERM): the loop saves a checkpoint after the current iteration and returns. */
  signal?: AbortSignal;
}

export interface TrainResult {
  run: string;
  /** Completed iterations. */
  iterations: number;
  total: number;
  /** RUN/final.safetensors, absent when interrupted. */
  final?: string;
  best?: { path: string; metric: string; value: number; iteration: number };
  lastCheckpoint?: string;
  interrupted: boolean;
  /** Listed videos that could not be decoded (skipped), with the reason. */
  skipped: Array<{ path: string; reason: string }>;
  lastLoss?: number;
  lastValidation?: TestReport;
}

/** Training stopped on a NaN/∞ loss; the message says where, what was kept and what to try. */
export class DivergedError extends Error {
  override name = 'DivergedError';
}

const LOG_FILE = 'log.jsonl';

export async function train(config: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  checkConfig(config);
  const emit = opts.onProgress ?? (() => {});
  const say = (text: string): void => emit({ kind: 'message', text });
  const run = resolve(config.out);

  // 1. Data: every listed file checked before anything else (all problems at once).
  const trainSet = openDataset(config.data, { classes: config.classes, part: 'train' });
  checkEveryClassHasItems(trainSet);
  const valSet = config.val ? openDataset(config.val, { classes: config.classes ?? trainSet.classes.length, part: 'test' }) : undefined;
  if (valSet) checkClasses(trainSet, valSet, describeSource(config.data), describeSource(config.val!));
  for (const ds of [trainSet, valSet]) if (ds?.kind === 'videos') await checkDatasetFiles(ds);

  // 2. The net.
  const spec = resolveSpec(config, trainSet);
  const [, L, S] = spec.input;
  const geometry = geometryForCrop(S);
  if (trainSet.kind === 'clips') checkClipShape(trainSet, spec);
  if (valSet?.kind === 'clips') checkClipShape(valSet, spec);

  // 3. The run folder: new, resumed, or refused.
  const resumeFrom = prepareRunFolder(run, config);
  say(`run ${run}: ${resumeFrom === undefined ? 'new' : `resuming from iteration ${resumeFrom}`}; ${trainSet.origin}: ${datasetSize(trainSet)} ${trainSet.kind === 'videos' ? 'videos' : 'clips'}, ${trainSet.classes.length} classes${valSet ? `; validation: ${datasetSize(valSet)}` : ''}`);

  // 4. Frame cache (decode each video once), training-set mean.
  const videoSets = [trainSet, valSet].filter((d): d is VideoDataset => d?.kind === 'videos');
  let cache: FrameCache | null = null;
  const skipped: TrainResult['skipped'] = [];
  if (videoSets.length) {
    const paths = [...new Set(videoSets.flatMap((d) => d.items.map((i) => i.path)))];
    cache = await buildFrameCache(paths, {
      dir: config.cache ? resolve(config.cache) : join(run, 'cache'),
      height: geometry.resizeHeight,
      width: geometry.resizeWidth,
      jobs: config.jobs,
      ffmpeg: config.ffmpeg,
      onProgress: (p) => emit({ kind: 'cache', ...p }),
    });
    skipped.push(...cache.failures);
    if (skipped.length) say(`${skipped.length} video(s) could not be decoded and are skipped: ${skipped.slice(0, 5).map((f) => f.reason).join('; ')}${skipped.length > 5 ? '; …' : ''}`);
  }
  // Weights, gradients and the optimizer's buffers in one WebAssembly memory on the native backend,
  // where onnxruntime writes the gradients: the SGD update then runs as WebAssembly SIMD (param-memory.ts).
  // Copies: weights, gradients, the optimizer's buffers (SGD 1, Adam 2), the micro-batch sum (--accumulate).
  const copies = 2 + optimizerBufferCount(config.optimizer) + (config.accumulate > 1 ? 1 : 0);
  const memory = config.backend === 'onnxruntime' ? ParamMemory.forSpec(spec, copies) : null;
  const step = await createTrainStep(spec, { backend: config.backend, threads: config.threads, executionProviders: config.executionProviders, memory: memory ?? undefined });
  try {
    // Without onnxruntime-node the step fell back to wasm, whose gradients are its own arrays: no memory then.
    return await runLoop({ config, spec, run, trainSet, valSet, cache, step, memory: step.backend === 'onnxruntime' ? memory : null, resumeFrom, skipped, emit, say, signal: opts.signal });
  } finally {
    await step.dispose();
    cache?.close();
  }
}

interface LoopContext {
  config: TrainConfig;
  spec: NetSpec;
  run: string;
  trainSet: Dataset;
  valSet?: Dataset;
  cache: FrameCache | null;
  step: TrainStep;
  /** Where the weights and the optimizer's buffers go (null: ordinary arrays). */
  memory: ParamMemory | null;
  resumeFrom?: number;
  skipped: TrainResult['skipped'];
  emit: (e: TrainEvent) => void;
  say: (text: string) => void;
  signal?: AbortSignal;
}

async function runLoop(ctx: LoopContext): Promise<TrainResult> {
  const { config, spec, run, trainSet, valSet, cache, step, memory, emit, say } = ctx;
  const [, L, S] = spec.input;
  const geometry = geometryForCrop(S);

  // Initial state: a checkpoint of this run, the --init weights, or a fresh initialisation.
  let params: ParamSet;
  let position: RunPosition = { iteration: 0, epoch: 0, samples: 0, seed: config.seed };
  let convention: InputConvention;
  const optimizer = createOptimizer(
    { kind: config.optimizer, momentum: config.momentum, weightDecay: config.weightDecay, beta1: config.beta1, beta2: config.beta2, eps: config.eps, clipGrad: config.clipGrad },
    caffeParamRules(spec, { lrMult: new Map(Object.entries(config.lrMult)), freeze: new Set(config.freeze) }),
    { memory: memory ?? undefined },
  );
  if (ctx.resumeFrom !== undefined) {
    const ck = await loadTrainCheckpoint(checkpointPath(run, ctx.resumeFrom), spec);
    params = memory ? memory.adopt(ck.params) : ck.params;
    position = ck.position;
    optimizer.load(ck.optimizer, params);
    convention = ck.convention ?? (await resolveRunConvention(config, trainSet, cache, undefined));
  } else {
    // Straight into the parameter memory when nothing is loaded (no second copy of the weights).
    const fresh = initWeights(spec, config.initScheme, config.seed, tensorsIn(config.init ? null : memory));
    let initConvention: InputConvention | undefined;
    if (config.init) {
      const ws = await loadWeights(config.init, { map: config.map ?? 'auto' });
      const result = initFromWeights(spec, ws.params, fresh);
      for (const line of formatInitReport(result, config.initScheme)) say(line);
      params = memory ? memory.adopt(result.params) : result.params;
      initConvention = ws.convention;
    } else {
      params = fresh;
    }
    convention = await resolveRunConvention(config, trainSet, cache, initConvention);
  }
  say(`input: ${describeRunConvention(convention)}`);

  const pixel = resolveConvention(convention);
  const loader = new TrainLoader(trainSet, cache, {
    batch: config.batch,
    length: L,
    crop: S,
    frameHeight: geometry.resizeHeight,
    frameWidth: geometry.resizeWidth,
    mirror: config.mirror,
    shuffle: config.shuffle,
    seed: config.seed,
    clipsPerVideo: config.clipsPerVideo,
    convention: pixel,
  });
  const epochSize = loader.epochSize;
  const itersPerEpoch = epochSize / config.batch;
  const total = config.iters ?? Math.ceil((config.epochs! * epochSize) / config.batch);
  const policy: LrPolicy = {
    kind: config.lrPolicy,
    base: config.lr,
    gamma: config.gamma,
    step: config.lrPolicy === 'step' ? toIterations(config.steps[0]!, itersPerEpoch) : undefined,
    milestones: config.lrPolicy === 'multistep' ? config.steps.map((d) => toIterations(d, itersPerEpoch)) : undefined,
    total,
    warmup: config.warmup,
  };
  const sites = dropoutSites(spec);
  const classes = trainSet.classes;
  const save = async (path: string, withState: boolean): Promise<void> => {
    await saveTrainCheckpoint(path, {
      spec, params, convention, classes, source: run,
      optimizer: withState ? optimizer.save() : undefined,
      position: withState ? position : undefined,
    });
  };
  const validate = async (): Promise<EvaluateResult> => {
    const r = await evaluateNet(step, params, spec, valSet!, cache, { convention: pixel, testClips: config.testClips, batch: config.batch, geometry });
    emit({ kind: 'validation', iteration: position.iteration, epoch: position.epoch, report: r.report });
    const metric = r.report.videos > 0 ? 'video_top1' : 'clip_top1';
    const value = (metric === 'video_top1' ? r.report.video_top1 : r.report.clip_top1) ?? 0;
    log(run, { iteration: position.iteration, epoch: round(position.epoch), val_clip_top1: r.report.clip_top1, val_clip_top5: r.report.clip_top5, val_video_top1: r.report.video_top1, val_video_top5: r.report.video_top5, val_mean_class_accuracy: r.report.mean_class_accuracy });
    if (!position.best || value > position.best.value) {
      position.best = { metric, value, iteration: position.iteration };
      await save(join(run, 'best.safetensors'), false);
    }
    return r;
  };

  let lastCheckpoint: string | undefined = ctx.resumeFrom !== undefined ? checkpointPath(run, ctx.resumeFrom) : undefined;
  let lastLoss: number | undefined;
  let lastValidation: TestReport | undefined;
  let window = { loss: 0, correct: 0, clips: 0, t0: performance.now(), iters: 0 };
  const tStart = performance.now();
  const startIteration = position.iteration;
  const micro = splitBatch(config.batch, config.accumulate);
  let interrupted = false;
  // Prepares batch i+1 while step i runs (it overlaps with onnxruntime's native threads).
  const batches = new BatchPrefetcher(loader, position.iteration);

  // The micro-batch sum (--accumulate), made once and reused every iteration.
  let sums: ParamSet | undefined;
  const sumBuffers = (like: ParamSet): ParamSet =>
    (sums ??= new Map([...like].map(([k, t]) => [k, tensorsIn(memory)(t.shape)])));
  while (position.iteration < total) {
    if (ctx.signal?.aborted) {
      interrupted = true;
      break;
    }
    const it = position.iteration;
    const batch = await batches.next();
    const lr = learningRate(policy, it);
    const n = batch.labels.length;
    let loss = 0;
    let correct = 0;
    let grads: ParamSet | undefined;
    // The backend's Σ g² hold for the step's gradients only when one micro-batch made them.
    let sumSquares: ReadonlyMap<string, number> | undefined;
    let first = 0;
    for (const m of micro.filter((size) => size > 0)) {
      const size = Math.min(m, n - first);
      if (size <= 0) break;
      const clips = sliceBatch(batch.clips, first, size);
      const labels = batch.labels.subarray(first, first + size);
      const masks = sites.length ? dropoutMasks(sites, config.seed, it, first, size) : undefined;
      const r = await step.lossAndGrads(params, { clips, labels, dropoutMasks: masks });
      const w = size / n;
      loss += r.loss * w;
      correct += countCorrect(r.logits, labels);
      grads = accumulate(grads, r.grads, w, micro.length === 1, sumBuffers);
      sumSquares = micro.length === 1 ? r.gradSumSquares : undefined;
      first += size;
    }
    if (!Number.isFinite(loss)) {
      const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
      throw new DivergedError(`loss is ${loss} at iteration ${it + 1} (epoch ${round(position.epoch)}, lr ${lr}); stopped, ${kept}. Try a lower --lr (e.g. ${config.lr / 10}), --clip-grad, or --warmup`);
    }
    optimizer.step(params, grads!, lr, sumSquares);
    lastLoss = loss;
    const prevEpochs = Math.floor(position.samples / epochSize);
    position = { ...position, iteration: it + 1, samples: position.samples + n, epoch: (position.samples + n) / epochSize };
    window.loss += loss;
    window.correct += correct;
    window.clips += n;
    window.iters++;

    const done = position.iteration;
    const logged = done % config.logEvery === 0 || done === total;
    const now = performance.now();
    const clipsPerSec = ((done - startIteration) * config.batch) / Math.max(1e-9, (now - tStart) / 1000);
    emit({ kind: 'iteration', iteration: done, total, epoch: position.epoch, loss, lr, clipsPerSec, etaSec: ((total - done) * config.batch) / Math.max(1e-9, clipsPerSec), logged });
    if (logged) {
      const secs = (now - window.t0) / 1000;
      log(run, { iteration: done, epoch: round(position.epoch), loss: window.loss / window.iters, lr, clips_per_s: round(window.clips / Math.max(1e-9, secs)), train_acc: window.correct / window.clips });
      window = { loss: 0, correct: 0, clips: 0, t0: now, iters: 0 };
    }
    const epochsDone = Math.floor(position.samples / epochSize);
    if (valSet && epochsDone > prevEpochs && epochsDone % config.valEvery === 0) lastValidation = (await validate()).report;
    if (config.checkpointEvery > 0 && done % config.checkpointEvery === 0 && done < total) {
      lastCheckpoint = checkpointPath(run, done);
      await save(lastCheckpoint, true);
      pruneCheckpoints(run, config.keepCheckpoints);
      emit({ kind: 'checkpoint', path: lastCheckpoint });
    }
  }

  if (interrupted) {
    lastCheckpoint = checkpointPath(run, position.iteration);
    await save(lastCheckpoint, true);
    emit({ kind: 'checkpoint', path: lastCheckpoint });
  } else {
    if (valSet && lastValidation === undefined) lastValidation = (await validate()).report;
    // The final state is also a resumable checkpoint (a later, longer run continues from it).
    lastCheckpoint = checkpointPath(run, position.iteration);
    await save(lastCheckpoint, true);
    pruneCheckpoints(run, config.keepCheckpoints);
    await save(join(run, 'final.safetensors'), false);
  }
  writeCurves(run);
  const best = position.best ? { path: join(run, 'best.safetensors'), ...position.best } : undefined;
  return {
    run, iterations: position.iteration, total, interrupted, skipped: ctx.skipped, lastLoss, lastValidation, lastCheckpoint, best,
    final: interrupted ? undefined : join(run, 'final.safetensors'),
  };
}

/** The spec to train: --spec FILE or the built-in model with its options, classes from the data. */
function resolveSpec(config: TrainConfig, ds: Dataset): NetSpec {
  let spec = config.specFile
    ? readNetSpec(config.specFile)
    : getModel(config.model, { width: config.width, size: config.size, length: config.length, classes: config.classes ?? ds.classes.length });
  const fc = spec.layers.filter((l) => l.type === 'fc').at(-1);
  if (fc?.type === 'fc' && fc.out !== ds.classes.length) {
    throw new Error(`${spec.name} has ${fc.out} outputs but ${ds.origin} has ${ds.classes.length} classes (set --classes ${ds.classes.length})`);
  }
  if (config.dropout !== undefined) spec = withDropout(spec, config.dropout);
  return spec;
}

function checkClipShape(ds: Extract<Dataset, { kind: 'clips' }>, spec: NetSpec): void {
  const [, ...clip] = ds.shape;
  if (clip.join() !== spec.input.join()) {
    throw new Error(`${ds.origin}: clips are ${clip.join('×')} but ${spec.name} takes ${spec.input.join('×')} (C×L×H×W)`);
  }
}

/**
 * The run's input convention: --channels / --mean when given; with --init, what the weights carry;
 * from scratch, BGR minus the per-channel mean of the training frames. Preprocessed --clips data are
 * used as given (nothing subtracted by us).
 */
async function resolveRunConvention(config: TrainConfig, ds: Dataset, cache: FrameCache | null, fromInit: InputConvention | undefined): Promise<InputConvention> {
  if (ds.kind === 'clips') return { channels: config.channels ?? 'bgr', mean: 'none', note: 'preprocessed clips (--clips), used as given' };
  const channels = config.channels ?? fromInit?.channels ?? 'bgr';
  if (config.mean !== undefined) {
    const m = parseMean(config.mean);
    if (m !== 'none' && m.kind === 'cube') return { channels, mean: { kind: 'cube', file: m.file, data: readBinaryproto(m.file!) }, note: `--mean ${m.file}` };
    return { channels, mean: m, note: `--mean ${config.mean}` };
  }
  if (fromInit) return { ...fromInit, channels, note: `from --init ${config.init}${fromInit.note ? ` (${fromInit.note})` : ''}` };
  const paths = ds.items.map((i) => i.path).filter((p) => cache!.has(p));
  const bgr = cache!.meanBgr(paths);
  return { channels, mean: { kind: 'bgr', values: bgr.map((v) => Math.round(v * 1000) / 1000) as [number, number, number] }, note: 'per-channel mean of the training frames' };
}

function describeRunConvention(c: InputConvention): string {
  const m = c.mean;
  const mean = m === 'none' ? 'nothing subtracted' : m.kind === 'cube' ? `minus the mean cube${m.file ? ` ${m.file}` : ''}` : `minus ${m.kind.toUpperCase()} mean ${m.values.join(', ')}`;
  return `${c.channels.toUpperCase()} frames, ${mean}${c.note ? ` (${c.note})` : ''}`;
}

/**
 * Creates RUN or checks it: a RUN holding another configuration is refused unless --overwrite (which
 * clears its checkpoints and log); the same configuration resumes from its newest checkpoint.
 * Returns the iteration to resume from, or undefined for a fresh start.
 */
function prepareRunFolder(run: string, config: TrainConfig): number | undefined {
  const file = join(run, 'config.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TrainConfig) : undefined;
  const wantResume = (config as { resume?: boolean }).resume === true;
  if (stored && (config as { overwrite?: boolean }).overwrite) {
    for (const it of listCheckpoints(run)) rmSync(checkpointPath(run, it), { force: true });
    for (const f of [LOG_FILE, 'best.safetensors', 'final.safetensors', 'curves.png']) rmSync(join(run, f), { force: true });
  } else if (stored) {
    const diff = configDifferences(comparable(stored), comparable(config));
    if (diff.length) throw new Error(`${run} holds a run with another configuration (differs in: ${diff.join(', ')}); pass --overwrite to replace it or choose another --out`);
    const last = listCheckpoints(run).at(-1);
    if (last !== undefined) {
      truncateLog(run, last);
      writeBytesAtomic(file, JSON.stringify(comparable(config), null, 2) + '\n');
      return last;
    }
  }
  if (wantResume) throw new Error(`${run}: nothing to resume (no checkpoint-<iteration>.safetensors there)`);
  mkdirSync(run, { recursive: true });
  rmSync(join(run, LOG_FILE), { force: true });
  writeBytesAtomic(file, JSON.stringify(comparable(config), null, 2) + '\n');
  return undefined;
}

/** The config as stored: without the one-shot flags. */
function comparable(c: TrainConfig): TrainConfig {
  const { resume: _r, overwrite: _o, ...rest } = c as TrainConfig & { resume?: boolean; overwrite?: boolean };
  return rest as TrainConfig;
}

/** Keeps only log lines up to `iteration` (a resumed run rewrites what came after its checkpoint). */
function truncateLog(run: string, iteration: number): void {
  const path = join(run, LOG_FILE);
  if (!existsSync(path)) return;
  const keep = readFileSync(path, 'utf8').split('\n').filter((l) => {
    if (!l.trim()) return false;
    try {
      return (JSON.parse(l) as { iteration: number }).iteration <= iteration;
    } catch {
      return false;
    }
  });
  writeBytesAtomic(path, keep.map((l) => l + '\n').join(''));
}

function log(run: string, entry: Record<string, unknown>): void {
  appendFileSync(join(run, LOG_FILE), JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n');
}

function writeCurves(run: string): void {
  const path = join(run, LOG_FILE);
  if (!existsSync(path)) return;
  const entries = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { iteration: number });
  if (entries.length) writeBytesAtomic(join(run, 'curves.png'), trainingCurvesPng(entries));
}

/** Micro-batch sizes: the batch split as evenly as possible into `k` parts. */
export function splitBatch(batch: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor((batch * (i + 1)) / k) - Math.floor((batch * i) / k));
}

function sliceBatch(clips: Tensor, first: number, count: number): Tensor {
  const n = clips.shape[0]!;
  if (first === 0 && count === n) return clips;
  const per = clips.size / n;
  return new Tensor([count, ...clips.shape.slice(1)], clips.data.subarray(first * per, (first + count) * per));
}

/** acc += w · g into the reused sum buffers (zeroed by the first micro-batch); a single micro-batch just takes g. */
function accumulate(acc: ParamSet | undefined, g: ParamSet, w: number, only: boolean, buffers: (like: ParamSet) => ParamSet): ParamSet {
  if (only) return g;
  if (!acc) {
    acc = buffers(g);
    for (const t of acc.values()) t.data.fill(0);
  }
  for (const [k, t] of g) {
    const a = acc.get(k)!.data;
    const d = t.data;
    for (let i = 0; i < d.length; i++) a[i] += w * d[i]!;
  }
  return acc;
}

function countCorrect(logits: Tensor, labels: Int32Array): number {
  const k = logits.shape[1]!;
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[r * k + j]! > logits.data[r * k + best]!) best = j;
    if (best === labels[r]) correct++;
  }
  return correct;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
