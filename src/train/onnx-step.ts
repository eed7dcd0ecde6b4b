/**
 * The native training step: the spec's training graph (src/train/onnx/graph.ts — forward, softmax
 * cross-entropy and backward by our own rules) run by onnxruntime-node, on its CPU kernels or on any
 * execution provider the caller names (`--ep cuda,cpu`). One session serves every step: parameters,
 * clips, labels and dropout masks are inputs, the loss, logits and every gradient outputs.
 */
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import type { NetSpec } from '../models/spec.js';
import type { ParamSet } from '../nn/params.js';
import { checkParams } from '../nn/params.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { checkClips } from '../runtime/clips.js';
import { checkLabels } from '../kernels/reference/validate.js';
import { blobNames } from '../models/shapes.js';
import type { StepInput, StepResult, TrainStep } from './step.js';
import { tensorsIn, type ParamMemory } from './param-memory.js';
import { createOrtSession, loadOnnxRuntime, type ExecutionProviders, type OrtModule } from '../runtime/ort.js';
import { buildEvalGraph, buildTrainGraph, TRAIN_NAMES, type TrainGraph, type TrainGraphOptions } from './onnx/graph.js';

export type { ExecutionProviders } from '../runtime/ort.js';

export interface OnnxStepOptions {
  /** intraOpNumThreads (default: every core Node sees). */
  threads?: number;
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu'] (default ['cpu']). */
  executionProviders?: ExecutionProviders;
  /** Graph construction choices (weight-gradient routes, chunk size); the defaults are the measured best. */
  graph?: TrainGraphOptions;
  /**
   * onnxruntime's CPU memory arena (default off): on, its buffers are reused from step to step
   * instead of being mapped afresh (fewer page faults), but the arena grows in doublings and never
   * shrinks (C3D at batch 8: ≈ 0.4 GB more peak memory).
   */
  arena?: boolean;
  /**
   * Where the gradients onnxruntime writes are allocated (default: ordinary arrays): the training loop's
   * parameter memory, so the optimizer's SIMD update finds them beside the weights and its buffers.
   */
  memory?: ParamMemory;
}

/** The `onnxruntime` TrainStep for `spec`. Throws a one-line Error when the session cannot be created. */
export async function createOnnxStep(spec: NetSpec, opts: OnnxStepOptions = {}): Promise<TrainStep> {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isSafeInteger(threads) || threads < 1) throw new Error(`onnxruntime training step: threads must be a positive integer, got ${threads}`);
  const ort = await loadOnnxRuntime();
  const providers: ExecutionProviders = opts.executionProviders ?? ['cpu'];
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: opts.arena ?? false,
    logSeverityLevel: 3,
  };
  const graph = buildTrainGraph(spec, opts.graph);
  let session: Ort.InferenceSession | null = await createSession(ort, spec, graph.bytes, sessionOptions, 'training');
  const evalSessions = new Map<string, { session: Ort.InferenceSession; params: string[] }>();
  const known = blobNames(spec);
  const onesCache = new Map<string, Float32Array>();
  let grads: Map<string, Tensor> | null = null;

  const live = (): Ort.InferenceSession => {
    if (!session) throw new Error('onnxruntime training step: used after dispose()');
    return session;
  };
  const paramFeeds = (params: ParamSet, names: readonly string[]): Record<string, Ort.Tensor> => {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const p of names) {
      const t = params.get(p)!;
      feeds[p] = new ort.Tensor('float32', t.data, [...t.shape]);
    }
    return feeds;
  };

  return {
    backend: 'onnxruntime',
    threads,
    async lossAndGrads(params: ParamSet, input: StepInput): Promise<StepResult> {
      const s = live();
      checkParams(spec, params);
      checkClips(spec, input.clips);
      const n = input.clips.shape[0]!;
      checkLabels('onnxruntime training step', input.labels, n, graph.classes, [n, graph.classes]);
      if (n * graph.largestPoolInput >= 2 ** 31) {
        const most = Math.floor((2 ** 31 - 1) / graph.largestPoolInput);
        throw new RangeError(`onnxruntime training step: a micro-batch of ${n} clips is too large for ${spec.name} (its max-pool switches are int32: at most ${most} clips); split the batch with --accumulate`);
      }
      const feeds = paramFeeds(params, graph.params);
      feeds[TRAIN_NAMES.clips] = new ort.Tensor('float32', input.clips.data, [...input.clips.shape]);
      feeds[TRAIN_NAMES.labels] = new ort.Tensor('int64', BigInt64Array.from(input.labels, (v) => BigInt(v)), [n]);
      const on = input.dropoutMasks !== undefined && input.dropoutMasks.size > 0;
      for (const m of graph.masks) {
        const data = on ? scaledMask(m, input.dropoutMasks!.get(m.layer), n) : ones(onesCache, m.input, n * m.shape.reduce((a, b) => a * b, 1));
        feeds[m.input] = new ort.Tensor('float32', data, [n, ...m.shape]);
      }
      // The gradients go straight into tensors of ours (onnxruntime writes its outputs into buffers
      // it is handed), the same ones every call: no copy and no garbage of every gradient per step
      // (C3D: 314 MB each).
      grads ??= new Map(graph.params.map((p) => [p, tensorsIn(opts.memory)(params.get(p)!.shape)]));
      const fetches: Record<string, Ort.Tensor | null> = { [TRAIN_NAMES.loss]: null, [graph.logits]: null, [TRAIN_NAMES.gradSumSquares]: null };
      for (const [p, t] of grads) fetches[TRAIN_NAMES.grad(p)] = new ort.Tensor('float32', t.data, [...t.shape]);
      const out = await s.run(feeds, fetches);
      const sums = out[TRAIN_NAMES.gradSumSquares]!.data as Float32Array;
      return {
        loss: (out[TRAIN_NAMES.loss]!.data as Float32Array)[0]!, logits: tensorOf(out[graph.logits]!), grads: new Map(grads),
        gradSumSquares: new Map(graph.params.map((p, k) => [p, sums[k]!])),
      };
    },
    async forward(params: ParamSet, clips: Tensor, outputs: readonly string[]): Promise<Map<string, Tensor>> {
      live();
      checkClips(spec, clips);
      if (outputs.length === 0) throw new ShapeError(`model ${spec.name}: no outputs requested (available: ${known.join(', ')})`);
      const key = outputs.join('\n');
      let e = evalSessions.get(key);
      if (!e) {
        const eg = buildEvalGraph(spec, outputs);
        e = { session: await createSession(ort, spec, eg.bytes, sessionOptions, 'forward'), params: eg.params };
        evalSessions.set(key, e);
      }
      const feeds = paramFeeds(params, e.params);
      feeds[TRAIN_NAMES.clips] = new ort.Tensor('float32', clips.data, [...clips.shape]);
      const out = await e.session.run(feeds);
      return new Map(outputs.map((o) => [o, tensorOf(out[o]!)]));
    },
    async dispose() {
      const all = [session, ...[...evalSessions.values()].map((e) => e.session)];
      session = null;
      evalSessions.clear();
      for (const s of all) await s?.release();
    },
  };
}

async function createSession(ort: OrtModule, spec: NetSpec, bytes: Uint8Array, options: Ort.InferenceSession.SessionOptions, what: string): Promise<Ort.InferenceSession> {
  try {
    return await createOrtSession(ort, bytes, options, `the ${what} session of ${spec.name}`);
  } catch (err) {
    throw new Error(`onnxruntime training step: ${(err as Error).message}`);
  }
}

/** The loop's keep-mask (1 = kept) as the graph's multiplier: 1/(1 − p) where kept, 0 elsewhere. */
function scaledMask(m: TrainGraph['masks'][number], mask: Uint8Array | undefined, n: number): Float32Array {
  const size = n * m.shape.reduce((a, b) => a * b, 1);
  if (!mask) throw new ShapeError(`onnxruntime training step: no dropout mask for layer ${m.layer} (masks are given for some layers but not this one)`);
  if (mask.length !== size) throw new ShapeError(`onnxruntime training step: dropout mask of ${m.layer} has ${mask.length} values, the batch needs ${size} = ${formatShape([n, ...m.shape])}`);
  const scale = 1 / (1 - m.p);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = mask[i] ? scale : 0;
  return out;
}

/** All-ones multipliers (dropout off), kept per layer and size: they are never written. */
function ones(cache: Map<string, Float32Array>, key: string, size: number): Float32Array {
  let a = cache.get(key);
  if (!a || a.length !== size) {
    a = new Float32Array(size).fill(1);
    cache.set(key, a);
  }
  return a;
}

function tensorOf(t: Ort.Tensor): Tensor {
  return new Tensor(t.dims.map(Number), t.data as Float32Array);
}
