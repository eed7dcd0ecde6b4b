/**
 * The training step of a spec as one ONNX graph for onnxruntime: the forward pass (keeping what the
 * backward pass reads), the mean softmax cross-entropy and the backward pass, written with our own
 * rules per layer type — onnxruntime-node is an inference build, it has no autodiff or gradient ops.
 *
 * Inputs: the clips `data` (N, C, L, H, W); the labels `train:labels` (N) int64; every parameter
 * under its own name (`conv1a.weight`…), so one session serves every step while the optimizer
 * updates the caller's tensors; per active dropout layer `mask:<layer>` (N, …), the keep-mask already
 * scaled by 1/(1 − p) (zeros and 1/(1 − p); all ones turns dropout off), drawn by the training loop.
 * Outputs: `train:loss` (scalar), the logits (named as the blob), `grad:<param>` for every parameter,
 * and `train:grad_sumsq` (P), Σ g² of each gradient in `params` order — the optimizer's global norm
 * and finiteness check, summed here on every thread instead of in a second pass over 314 MB in JS.
 * The batch dim is symbolic, so micro-batches of any size run in the same session.
 *
 * Backward rules (x the layer input, y its output, g = dL/dy):
 * - conv, Winograd layers (chooseWinograd: time kernel 3, pad 1, stride 1, even length, ≥ 32
 *   channels on both sides — C3D's conv2a … conv5b): forward and input gradient as Winograd F(4, 3)
 *   in time where 4 divides the length, else F(2, 3), weight gradient as F(3, 4) / F(3, 2)
 *   (src/train/onnx/winograd.ts): six or four (1, kh, kw) convolutions or weight gradients on
 *   transformed frames, 1/2 or 2/3 of the multiply-adds of the rules below, which every other conv
 *   takes. C3D training step, batch 2: 3.25–3.31 s run without, 2.36–2.47 with F(2, 3), 1.99–2.09 with F(4, 3).
 * - conv, input gradient: Conv of g with the weights transposed (O ↔ C) and flipped in d, h, w (a
 *   MatMul of the taps by the anti-identity), pad k − 1 − p, stride 1 — the issue measured it ≈ 3×
 *   faster than onnxruntime's 3-D ConvTranspose, which stays the fallback for strides > 1 or pads ≥ k.
 *   Big layers run on chunks of output planes (onnxruntime's im2col buffer: C3D conv2a 694 MB/clip).
 * - conv, bias: ReduceSum of g. Weight: dW[o, c, t] = Σ_p g[o, p] · x_pad[c, p + offset(t)] as one
 *   Gemm per chunk of positions, of stacked shifted copies of x by (shifted copies of) g — the copies
 *   are what the routes differ in (chooseWeightGradRoute picks per layer):
 *   'rows' — positions run over output rows × the padded width; the kd·kh row shifts of x are ONE
 *   multithreaded Gather of whole rows, the kw element shifts go to g (kw Slices): Gemm (9C, K)·(3O, K)ᵀ;
 *   'flat' — the 27 taps are contiguous ranges of the flattened padded x (27 Slices + Concat);
 *   'taps' — 27 exact strided slices (any stride); 'conv' — Conv(xᵀ, gᵀ), the other route.
 *   Measured (2 threads, batch 2, min of 6 runs, GFLOP/s of the layer's own multiply-adds): conv2a
 *   'rows' 155–162, 'flat' 137–147; conv3b 161–167 vs 128–137; conv4b 115–123 vs 98–107; conv5b 85
 *   vs 79; the 'conv' route 29–42 and the per-tap Gemms 18–65 on the same runs.
 * - max pool: MaxPool's Indices output (flat indices into the whole unpadded input — Caffe's ceil
 *   windows and the port's pool5 padding included, as MaxPool's explicit pads; checked by the port
 *   and odd-size cases of test/train/onnx-step.test.ts) routed back by MaxUnpool (one output buffer),
 *   or ScatterElements 'add' when windows overlap. The switches are kept as int32. A ReLU right before
 *   the pool is applied to the pooled gradient ([y_pool > 0] equals [y > 0] at every argmax): 1/8 of it.
 * - relu: g · [y > 0] from the forward output; dropout: g · mask; fc: Gemm / MatMul;
 *   softmax cross-entropy: LogSoftmax and a one-hot, mean over N; gradient (softmax − onehot) / N.
 *
 * Memory: onnxruntime runs nodes in a depth-first order from the outputs, which can keep big tensors
 * alive long after they could go; `after` pins the order (bias, weight, input gradient per layer; chunk
 * after chunk) and the forward drops MaxPool's int64 switches at once. C3D at batch 8, one run of the
 * graph: peak RSS 2.67 → 1.80 GiB (0.42 of it the process before the run: weights, clips).
 * docs/benchmarks.md has the step's speed and memory beside PyTorch.
 */
import { analyzeSpec, INPUT_BLOB, SpecError, type LayerInfo } from '../../models/shapes.js';
import type { Conv3dLayer, FcLayer, NetSpec, Pool3dLayer } from '../../models/spec.js';
import { forwardLayerNodes, onnxPoolPads } from '../../io/onnx-export.js';
import { attrFloat, attrInt, attrInts, attrString, DataType, encodeModel, GraphBuilder, valueInfo, type ValueInfoProto } from '../../io/onnx-graph.js';
import { after, type Pinned } from './pin.js';
import { winogradApplies, winogradConv, winogradKernels, winogradTiling, winogradWeightGrad, type WinogradConvDims, type WinogradTiling } from './winograd.js';

/** Opset of the training graphs: ScatterElements-16 has reduction 'add' for overlapping pools. */
export const TRAIN_OPSET = 17;
const IR_VERSION = 8;

/** Names of the graph's own inputs and outputs (parameters keep their own names). */
export const TRAIN_NAMES = {
  clips: INPUT_BLOB,
  labels: 'train:labels',
  loss: 'train:loss',
  gradSumSquares: 'train:grad_sumsq',
  mask: (layer: string) => `mask:${layer}`,
  grad: (param: string) => `grad:${param}`,
  argmax: (pool: string) => `argmax:${pool}`,
  blob: (name: string) => `blob:${name}`,
} as const;

/** How one conv layer computes its weight gradient (see the file comment). */
export type WeightGradRoute = 'rows' | 'flat' | 'taps' | 'conv';

export interface TrainGraphOptions {
  /** Weight-gradient route per conv layer name (default: chooseWeightGradRoute). */
  weightGrad?: Readonly<Record<string, WeightGradRoute>>;
  /**
   * Largest stacked-copies matrix of the Gemm routes per clip of the batch, in bytes (default 8 MiB):
   * positions are processed in chunks of whole planes below it, so the copies are still in cache
   * when the Gemm reads them and memory grows with the micro-batch only by that much.
   */
  chunkBytes?: number;
  /**
   * Pools whose window and stride are 1 in time (C3D's pool1) run as a 2-D MaxPool over (N, C·L, H, W)
   * (default true): the same flat indices, onnxruntime's 2-D kernel is faster than its generic 3-D one.
   */
  pool2d?: boolean;
  /**
   * Which convolutions run as Winograd F(m, 3) in time (src/train/onnx/winograd.ts) — forward, input
   * gradient and (on the 'rows' route) weight gradient as F(3, m): 'auto' (default) where it measured
   * faster (chooseWinograd), 'all' wherever it applies (time kernel 3, pad 1, stride 1, even length), 'none' never.
   */
  winograd?: 'auto' | 'all' | 'none';
  /**
   * The largest Winograd tile in time: 4 (default) runs F(4, 3) on layers whose length 4 divides
   * (half the direct multiply-adds) and F(2, 3) on the others; 2 runs F(2, 3) everywhere.
   */
  winogradTile?: 2 | 4;
  /**
   * Also output every pool's switches as `argmax:<pool>` (int64, MaxPool's flat indices into the
   * whole unpadded input) and every blob's final value as `blob:<name>`: for tests and debugging, to
   * tell a near-tie (of two maxima, or of a value and ReLU's 0) apart from a bug.
   */
  debugOutputs?: boolean;
}

export interface TrainGraph {
  bytes: Uint8Array;
  /** Parameter inputs, in spec order. */
  params: string[];
  /** Active dropout layers (p > 0): the mask input's name and its shape without the batch dim. */
  masks: Array<{ layer: string; input: string; p: number; shape: number[] }>;
  /** The logits output (N, classes). */
  logits: string;
  classes: number;
  /** Per conv layer, the weight-gradient route the graph uses. */
  routes: Map<string, WeightGradRoute>;
  /** Conv layers that run as Winograd in time, each with its tile m (F(m, 3)). */
  winograd: Map<string, 2 | 4>;
  /** With `debugOutputs`: the extra outputs' names. */
  debug: string[];
  /** Values per clip of the largest pool input: the int32 switches need batch × this < 2³¹. */
  largestPoolInput: number;
}

export interface EvalGraph {
  bytes: Uint8Array;
  params: string[];
}

/**
 * The default weight-gradient route of a conv layer (measured on C3D's layers, 2 threads, batch 2:
 * docs in the file comment). Strides > 1: 'taps'. Otherwise 'rows', whose copies are kd·kh·C values
 * per position (one multithreaded Gather) plus 2·kw·O (kw Slices of g and their Concat), unless that
 * is more than the 2·kd·kh·kw·C of 'flat' (few input channels: C3D's conv1a, C = 3, O = 64).
 */
export function chooseWeightGradRoute(layer: Conv3dLayer, inShape: readonly number[]): WeightGradRoute {
  if (layer.stride.some((s) => s !== 1)) return 'taps';
  const c = inShape[0]!;
  const [kd, kh, kw] = layer.kernel;
  return kd * kh * c + 2 * kw * layer.out < 2 * kd * kh * kw * c ? 'rows' : 'flat';
}

type Saved =
  | { kind: 'conv'; layer: Conv3dLayer; x: string; info: LayerInfo; needInputGrad: boolean; winograd: WinogradTiling | null }
  | { kind: 'pool'; layer: Pool3dLayer; y: string; idx: string; xShape: string; pads: number[]; overlap: boolean; reluBefore: boolean }
  | { kind: 'fc'; layer: FcLayer; x: string; info: LayerInfo; needInputGrad: boolean }
  | { kind: 'relu'; y: string }
  | { kind: 'dropout'; mask: string }
  | { kind: 'softmax'; y: string };

/** Builds the forward + loss + backward graph of `spec` (train mode: dropout masks are inputs). */
export function buildTrainGraph(spec: NetSpec, opts: TrainGraphOptions = {}): TrainGraph {
  const infos = analyzeSpec(spec);
  const g = new GraphBuilder();
  const params = paramNames(infos);
  g.reserve(TRAIN_NAMES.clips, TRAIN_NAMES.labels, ...params, ...infos.map((i) => i.outName));
  const inputs: ValueInfoProto[] = [valueInfo(TRAIN_NAMES.clips, DataType.FLOAT, ['N', ...spec.input]), valueInfo(TRAIN_NAMES.labels, DataType.INT64, ['N'])];
  inputs.push(...paramInputs(infos));

  // The logits: the input of a final softmax (the loss applies it), else the last blob.
  const last = infos.at(-1)!;
  const body = last.layer.type === 'softmax' ? infos.slice(0, -1) : infos;
  if (body.at(-1)!.outShape.length !== 1) throw new SpecError(`spec ${spec.name}: the training loss needs flat (N, classes) logits, got [${body.at(-1)!.outShape}]`);
  const classes = body.at(-1)!.outShape[0]!;
  const firstParam = body.findIndex((i) => i.layer.type === 'conv3d' || i.layer.type === 'fc');
  if (firstParam < 0) throw new SpecError(`spec ${spec.name}: nothing to train (no conv3d or fc layer)`);

  const masks: TrainGraph['masks'] = [];
  const saved: Saved[] = [];
  let batch: string | null = null;
  const batchDim = (): string => (batch ??= g.op('Shape', [TRAIN_NAMES.clips], 'train:batch', [attrInt('start', 0), attrInt('end', 1)]));
  const routes = new Map<string, WeightGradRoute>();
  const winogradLayers = new Map<string, 2 | 4>();
  const debugInfos: ValueInfoProto[] = [];
  const debugOutput = (name: string, value: string, type: number, shape: readonly number[]): void => {
    g.opNamed('Identity', [value], [name]);
    debugInfos.push(valueInfo(name, type, ['N', ...shape]));
  };
  let cur: string = TRAIN_NAMES.clips;
  body.forEach((info, i) => {
    const l = info.layer;
    const out = blobTensorName(body, i, g);
    let next = out;
    switch (l.type) {
      case 'conv3d': {
        const wino = useWinograd(opts.winograd ?? 'auto', l, info) ? winogradTiling(info.inShape[1]!, opts.winogradTile ?? 4) : null;
        saved.push({ kind: 'conv', layer: l, x: cur, info, needInputGrad: i > firstParam, winograd: wino });
        routes.set(l.name, opts.weightGrad?.[l.name] ?? chooseWeightGradRoute(l, info.inShape));
        if (wino) {
          winogradLayers.set(l.name, wino.m);
          const d = winogradDims(l, info);
          const kernels = winogradKernels(g, wino, `${l.name}.weight`, d.o, d.c, d.kh, d.kw, false, l.name, (v) => g.int64(v));
          g.rename(winogradConv(g, wino, cur, kernels, `${l.name}.bias`, d, l.name), out);
        } else {
          g.add(forwardLayerNodes(l, cur, out, info.inShape, info.outShape));
        }
        break;
      }
      case 'fc': {
        // Flattened here (not inside forwardLayerNodes) so the backward pass reads the same (N, K) tensor.
        const x = info.inShape.length > 1 ? g.op('Flatten', [cur], `${l.name}.flatten`, [attrInt('axis', 1)]) : cur;
        saved.push({ kind: 'fc', layer: l, x, info, needInputGrad: i > firstParam });
        g.add(forwardLayerNodes(l, x, out, [info.inShape.reduce((a, b) => a * b, 1)], info.outShape));
        break;
      }
      case 'pool3d': {
        const pads = onnxPoolPads(info.inShape.slice(1), info.outShape.slice(1), l);
        const [y, idx] = maxPoolWithIndices(g, l, cur, out, info, pads, opts.pool2d ?? true);
        if (opts.debugOutputs) debugOutput(TRAIN_NAMES.argmax(l.name), idx!, DataType.INT64, info.outShape);
        const prev = saved.at(-1);
        const reluBefore = i > 0 && body[i - 1]!.layer.type === 'relu' && prev?.kind === 'relu';
        if (reluBefore) saved.pop(); // applied to the pooled gradient instead
        // The switches are kept as int32 until the backward pass: half the memory of MaxPool's int64
        // (C3D pool1 at batch 8: 103 instead of 206 MB; the step checks the batch keeps them < 2³¹).
        const idx32 = g.op('Cast', [idx!], `${l.name}:argmax_i32`, [attrInt('to', DataType.INT32)]);
        // The input's shape from the batch size, not Shape(input): that would keep the input alive
        // until the backward pass reads it.
        const xShape = g.op('Concat', [batchDim(), g.int64(info.inShape)], `${l.name}:in_shape`, [attrInt('axis', 0)]);
        saved.push({ kind: 'pool', layer: l, y: y!, idx: idx32, xShape, pads, overlap: [0, 1, 2].some((a) => l.stride[a]! < l.kernel[a]!), reluBefore });
        // The next layer reads the output through a Reshape pinned after the Cast, so that the int64
        // switches are dropped here and not when the backward pass gets to them.
        next = g.op('Reshape', [y!, after(g, idx32, `${l.name}:switches`)([0, ...info.outShape])], `${l.name}:next`);
        break;
      }
      case 'relu':
        g.add(forwardLayerNodes(l, cur, out, info.inShape, info.outShape));
        saved.push({ kind: 'relu', y: out });
        break;
      case 'dropout':
        if (l.p > 0) {
          const input = TRAIN_NAMES.mask(l.name);
          g.reserve(input);
          masks.push({ layer: l.name, input, p: l.p, shape: [...info.inShape] });
          inputs.push(valueInfo(input, DataType.FLOAT, ['N', ...info.inShape]));
          g.opNamed('Mul', [cur, input], [out]);
          saved.push({ kind: 'dropout', mask: input });
        } else {
          g.add(forwardLayerNodes(l, cur, out, info.inShape, info.outShape));
        }
        break;
      case 'softmax':
        g.add(forwardLayerNodes(l, cur, out, info.inShape, info.outShape));
        saved.push({ kind: 'softmax', y: out });
        break;
    }
    if (opts.debugOutputs && out === info.outName) debugOutput(TRAIN_NAMES.blob(out), out, DataType.FLOAT, info.outShape);
    cur = next;
  });
  const logits = cur;

  let grad: string | null = lossNodes(g, logits, classes);
  const chunkBytes = opts.chunkBytes ?? 8 * 2 ** 20;
  for (let k = saved.length - 1; k >= 0 && grad !== null; k--) grad = backwardNodes(g, saved[k]!, grad, routes, chunkBytes);

  const sums = params.map((p) => g.op('ReduceSumSquare', [TRAIN_NAMES.grad(p)], `${p}:grad_sumsq`, [attrInt('keepdims', 0)]));
  g.opNamed('Concat', sums.map((t, k) => g.op('Reshape', [t, g.int64([1])], `${params[k]}:grad_sumsq1`)), [TRAIN_NAMES.gradSumSquares], [attrInt('axis', 0)]);
  const paramShapesByName = new Map(inputs.slice(2).map((v) => [v.name!, v]));
  const outputs: ValueInfoProto[] = [
    valueInfo(TRAIN_NAMES.loss, DataType.FLOAT, []),
    valueInfo(TRAIN_NAMES.gradSumSquares, DataType.FLOAT, [params.length]),
    valueInfo(logits, DataType.FLOAT, ['N', classes]),
    ...params.map((p) => ({ ...paramShapesByName.get(p)!, name: TRAIN_NAMES.grad(p) })),
    ...debugInfos,
  ];
  const bytes = encodeModel({
    opset: TRAIN_OPSET, irVersion: IR_VERSION, name: `${spec.name} training step`, docString: `${spec.name}: forward, softmax cross-entropy and backward (c3d)`,
    nodes: g.nodes, initializers: g.initializers, inputs, outputs,
  });
  const largestPoolInput = Math.max(0, ...body.filter((i) => i.layer.type === 'pool3d').map((i) => i.inShape.reduce((a, b) => a * b, 1)));
  return { bytes, params, masks, logits, classes, routes, winograd: winogradLayers, debug: debugInfos.map((v) => v.name!), largestPoolInput };
}

/**
 * The test-mode forward (dropout off) with the parameters as inputs, returning `outputs` (blob
 * names, each its final value: post-ReLU for in-place ReLUs, as in Caffe).
 */
export function buildEvalGraph(spec: NetSpec, outputs: readonly string[]): EvalGraph {
  const infos = analyzeSpec(spec);
  const known = new Set(infos.map((i) => i.outName));
  for (const o of outputs) if (!known.has(o)) throw new SpecError(`spec ${spec.name}: '${o}' is not a blob of this net (blobs: ${[...known].join(', ')})`);
  const lastNeeded = Math.max(...outputs.map((o) => lastWriter(infos, o)));
  const used = infos.slice(0, lastNeeded + 1);
  const g = new GraphBuilder();
  const params = paramNames(used);
  g.reserve(INPUT_BLOB, ...params, ...used.map((i) => i.outName));
  let cur: string = INPUT_BLOB;
  used.forEach((info, i) => {
    const out = blobTensorName(used, i, g);
    g.add(forwardLayerNodes(info.layer, cur, out, info.inShape, info.outShape));
    cur = out;
  });
  const shapeOf = (o: string) => used[lastWriter(used, o)]!.outShape;
  const bytes = encodeModel({
    opset: TRAIN_OPSET, irVersion: IR_VERSION, name: `${spec.name} forward`, docString: `${spec.name}: test-mode forward (c3d)`,
    nodes: g.nodes, initializers: g.initializers,
    inputs: [valueInfo(INPUT_BLOB, DataType.FLOAT, ['N', ...spec.input]), ...paramInputs(used)],
    outputs: outputs.map((o) => valueInfo(o, DataType.FLOAT, ['N', ...shapeOf(o)])),
  });
  return { bytes, params };
}

function paramNames(infos: readonly LayerInfo[]): string[] {
  return infos.flatMap((i) => (i.layer.type === 'conv3d' || i.layer.type === 'fc' ? [`${i.layer.name}.weight`, `${i.layer.name}.bias`] : []));
}

function paramInputs(infos: readonly LayerInfo[]): ValueInfoProto[] {
  return infos.flatMap((i) => {
    const l = i.layer;
    if (l.type === 'conv3d') return [valueInfo(`${l.name}.weight`, DataType.FLOAT, [l.out, i.inShape[0]!, ...l.kernel]), valueInfo(`${l.name}.bias`, DataType.FLOAT, [l.out])];
    if (l.type === 'fc') return [valueInfo(`${l.name}.weight`, DataType.FLOAT, [l.out, i.inShape.reduce((a, b) => a * b, 1)]), valueInfo(`${l.name}.bias`, DataType.FLOAT, [l.out])];
    return [];
  });
}

/** Index of the last layer writing blob `name` (-1: none). */
function lastWriter(infos: readonly LayerInfo[], name: string): number {
  for (let i = infos.length - 1; i >= 0; i--) if (infos[i]!.outName === name) return i;
  return -1;
}

/** Layer i's output tensor: the blob's name when it writes the blob's final value, else a fresh name. */
function blobTensorName(infos: readonly LayerInfo[], i: number, g: GraphBuilder): string {
  const info = infos[i]!;
  const final = lastWriter(infos, info.outName) === i;
  return final ? info.outName : g.fresh(`${info.outName}.${info.layer.name}`);
}

/** Mean softmax cross-entropy: the `train:loss` output; returns dL/dlogits = (softmax − onehot) / N. */
function lossNodes(g: GraphBuilder, logits: string, classes: number): string {
  const lsm = g.op('LogSoftmax', [logits], 'loss:log_softmax', [attrInt('axis', 1)]);
  const onehot = g.op('OneHot', [TRAIN_NAMES.labels, g.int64([classes], true), g.floats([0, 1])], 'loss:onehot', [attrInt('axis', -1)]);
  const n = g.op('Cast', [g.op('Gather', [g.op('Shape', [logits], 'loss:shape'), g.int64([0], true)], 'loss:n_int')], 'loss:n', [attrInt('to', DataType.FLOAT)]);
  const picked = g.op('ReduceSum', [g.op('Mul', [lsm, onehot], 'loss:picked_all')], 'loss:picked', [attrInt('keepdims', 0)]);
  g.opNamed('Div', [g.op('Neg', [picked], 'loss:sum'), n], [TRAIN_NAMES.loss]);
  return g.op('Div', [g.op('Sub', [g.op('Exp', [lsm], 'loss:softmax'), onehot], 'loss:residual'), n], 'loss:grad');
}

/**
 * Makes `value` the gradient output of `param` by renaming it (no Identity: the step hands
 * onnxruntime its own output buffers, which the last op then writes directly). Returns the new name.
 */
function emitGrad(g: GraphBuilder, param: string, value: string): string {
  return g.rename(value, TRAIN_NAMES.grad(param));
}

/** One layer's backward nodes: emits its parameter gradients, returns dL/dx (null when not needed). */
function backwardNodes(g: GraphBuilder, s: Saved, dy: string, routes: ReadonlyMap<string, WeightGradRoute>, chunkBytes: number): string | null {
  switch (s.kind) {
    case 'softmax': {
      const dot = g.op('ReduceSum', [g.op('Mul', [dy, s.y], 'softmax:dy_y'), g.int64([1])], 'softmax:dot', [attrInt('keepdims', 1)]);
      return g.op('Mul', [s.y, g.op('Sub', [dy, dot], 'softmax:centered')], 'softmax:dx');
    }
    case 'dropout':
      return g.op('Mul', [dy, s.mask], `${s.mask}:dx`);
    case 'relu':
      return reluGrad(g, dy, s.y);
    case 'pool': {
      const gy = s.reluBefore ? reluGrad(g, dy, s.y) : dy;
      const name = s.layer.name;
      if (!s.overlap) {
        // MaxUnpool is this routing (MaxPool's switches → zeros of the input's shape) in ONE output
        // buffer; zeros + ScatterElements needs two (C3D pool1 at batch 8: 411 MB more at the peak).
        const idx = g.op('Cast', [s.idx], `${name}:argmax_i64`, [attrInt('to', DataType.INT64)]);
        const l = s.layer;
        return g.op('MaxUnpool', [gy, idx, s.xShape], `${name}:dx`, [attrInts('kernel_shape', l.kernel), attrInts('strides', l.stride), attrInts('pads', s.pads)]);
      }
      // Overlapping windows can send several values to one input: ScatterElements adds them.
      const flat = g.int64([-1]);
      const zeros = g.op('Reshape', [g.op('ConstantOfShape', [s.xShape], `${name}:zeros`), flat], `${name}:zeros_flat`);
      const scattered = g.op('ScatterElements', [zeros, g.op('Reshape', [s.idx, flat], `${name}:argmax_flat`), g.op('Reshape', [gy, flat], `${name}:dy_flat`)],
        `${name}:dx_flat`, [attrInt('axis', 0), ...(s.overlap ? [attrString('reduction', 'add')] : [])]);
      return g.op('Reshape', [scattered, s.xShape], `${name}:dx`);
    }
    case 'fc': {
      const l = s.layer;
      emitGrad(g, `${l.name}.bias`, g.op('ReduceSum', [dy, g.int64([0])], `${l.name}:db`, [attrInt('keepdims', 0)]));
      const dw = emitGrad(g, `${l.name}.weight`, g.op('Gemm', [dy, s.x], `${l.name}:dw`, [attrInt('transA', 1)]));
      if (!s.needInputGrad) return null;
      const w = g.op('Reshape', [`${l.name}.weight`, after(g, dw, `${l.name}:dx`)([l.out, -1])], `${l.name}:w_after_dw`);
      const dx = g.op('MatMul', [dy, w], `${l.name}:dx_flat`);
      return s.info.inShape.length > 1 ? g.op('Reshape', [dx, g.int64([-1, ...s.info.inShape])], `${l.name}:dx`) : dx;
    }
    case 'conv': {
      // In this order — bias, weight, input gradient — each step's inputs can go once it is done.
      const l = s.layer;
      const db = emitGrad(g, `${l.name}.bias`, g.op('ReduceSum', [dy, g.int64([0, 2, 3, 4])], `${l.name}:db`, [attrInt('keepdims', 0)]));
      const route = routes.get(l.name)!;
      const dwPinned = after(g, db, `${l.name}:dw`);
      // A Winograd layer's weight gradient is F(3, m) in time when it takes the 'rows' route.
      const dw = emitGrad(g, `${l.name}.weight`, s.winograd && route === 'rows'
        ? winogradConvWeightGrad(g, s.winograd, l, s.info, s.x, dy, chunkBytes, dwPinned)
        : convWeightGrad(g, s.layer, s.info, s.x, dy, route, chunkBytes, dwPinned));
      if (!s.needInputGrad) return null;
      const pinned = after(g, dw, `${l.name}:dx`);
      return s.winograd ? winogradInputGrad(g, s.winograd, l, s.info, dy, pinned) : convInputGrad(g, l, s.info, dy, pinned, chunkBytes);
    }
  }
}

/**
 * MaxPool with its Indices output: [pooled blob, flat indices into the whole unpadded input]. With
 * `as2d`, a pool that is 1 in time (kernel, stride and pads) runs on the input seen as (N, C·L, H, W):
 * the flat indices are the same numbers (the memory layout is the same), and onnxruntime's 2-D
 * kernel with indices is faster than its 3-D one.
 */
function maxPoolWithIndices(g: GraphBuilder, l: Pool3dLayer, x: string, out: string, info: LayerInfo, pads: readonly number[], as2d: boolean): string[] {
  const idx = g.fresh(`${l.name}:argmax`);
  const flatInTime = l.kernel[0] === 1 && l.stride[0] === 1 && pads[0] === 0 && pads[3] === 0;
  if (!as2d || !flatInTime) {
    return g.opNamed('MaxPool', [x], [out, idx], [attrInts('kernel_shape', l.kernel), attrInts('strides', l.stride), attrInts('pads', pads)]);
  }
  const [c, len, h, w] = info.inShape as [number, number, number, number];
  const x2 = g.op('Reshape', [x, g.int64([0, c * len, h, w])], `${l.name}:in_2d`);
  const [y2, idx2] = g.opNamed('MaxPool', [x2], [g.fresh(`${l.name}:out_2d`), g.fresh(`${l.name}:argmax_2d`)], [
    attrInts('kernel_shape', l.kernel.slice(1)), attrInts('strides', l.stride.slice(1)), attrInts('pads', [pads[1]!, pads[2]!, pads[4]!, pads[5]!]),
  ]);
  const shape = g.int64([0, ...info.outShape]);
  g.opNamed('Reshape', [y2!, shape], [out]);
  g.opNamed('Reshape', [idx2!, shape], [idx]);
  return [out, idx];
}

/** g · [y > 0]. */
function reluGrad(g: GraphBuilder, dy: string, y: string): string {
  // A Mul by the 0/1 mask: onnxruntime's Where with a scalar branch measured 5–10× slower.
  const positive = g.op('Cast', [g.op('Greater', [y, g.float(0)], `${y}:positive`)], `${y}:mask`, [attrInt('to', DataType.FLOAT)]);
  return g.op('Mul', [dy, positive], `${y}:relu_dx`);
}

/**
 * Whether conv layer `l` runs as Winograd in time under 'auto': where both sides have ≥ 32
 * channels. Measured in the C3D training graph (2 threads, batch 2, per layer): faster on conv2a …
 * conv5b (forward, input and weight gradient); conv1a (3 input channels) is slower — its four
 * (1, 3, 3) convolutions have K = 27 and the transforms' extra passes cost more than the
 * multiply-adds saved. On conv2a the weight gradient alone is about even (its g-side copies double).
 */
export function chooseWinograd(l: Conv3dLayer, inShape: readonly number[]): boolean {
  return inShape[0]! >= 32 && l.out >= 32;
}

function useWinograd(mode: 'auto' | 'all' | 'none', l: Conv3dLayer, info: LayerInfo): boolean {
  if (mode === 'none' || !winogradApplies(l.kernel, l.pad, l.stride, info.inShape[1]!)) return false;
  // The input gradient is the same kind of convolution (time pad k − 1 − p = 1, spatial pads k − 1 − p ≥ 0).
  if (l.pad[1]! > l.kernel[1]! - 1 || l.pad[2]! > l.kernel[2]! - 1) return false;
  return mode === 'all' || chooseWinograd(l, info.inShape);
}

/** The forward convolution of a Winograd layer as winograd.ts describes it (also its weight gradient's). */
function winogradDims(l: Conv3dLayer, info: LayerInfo): WinogradConvDims {
  const [c, len, h, w] = info.inShape as [number, number, number, number];
  return { c, l: len, h, w, o: l.out, kh: l.kernel[1], kw: l.kernel[2], ph: l.pad[1], pw: l.pad[2] };
}

/** dL/dx of a conv as Winograd F(m, 3) in time: the flipped, transposed kernels over g (stride 1, pad k − 1 − p). */
function winogradInputGrad(g: GraphBuilder, tiling: WinogradTiling, l: Conv3dLayer, info: LayerInfo, dy: string, pinned: Pinned): string {
  const [c, len, h, w] = info.inShape as [number, number, number, number];
  const [, kh, kw] = l.kernel;
  const [ho, wo] = info.outShape.slice(2) as [number, number];
  const kernels = winogradKernels(g, tiling, `${l.name}.weight`, l.out, c, kh, kw, true, `${l.name}:dx`, pinned);
  return winogradConv(g, tiling, dy, kernels, null, { c: l.out, l: len, h: ho, w: wo, o: c, kh, kw, ph: kh - 1 - l.pad[1], pw: kw - 1 - l.pad[2] }, `${l.name}:dx`);
}

/**
 * dL/dx of a conv: Conv with the flipped, transposed weights (stride 1), else ConvTranspose.
 * onnxruntime's Conv builds a (kd·kh·kw·O, L·H·W) im2col matrix per clip (C3D conv2a: 694 MB), so
 * a big one runs on chunks of output planes (each reading its planes of g plus the kd − 1 around),
 * sequenced, and the chunks are concatenated: the copies cost less than that buffer's page faults.
 */
function convInputGrad(g: GraphBuilder, l: Conv3dLayer, info: LayerInfo, dy: string, pinned: Pinned, chunkBytes: number): string {
  const w = `${l.name}.weight`;
  const back = [0, 1, 2].map((a) => l.kernel[a]! - 1 - l.pad[a]!);
  if (l.stride.every((s) => s === 1) && back.every((p) => p >= 0)) {
    const [kd, kh, kw] = l.kernel;
    const taps = kd * kh * kw;
    const c = info.inShape[0]!;
    // Flipping d, h, w together reverses the kd·kh·kw taps: a MatMul by the anti-identity, exact
    // and ≈ 2× faster than a Slice with steps −1 (which copies element by element).
    const wt = g.op('Reshape', [g.op('Transpose', [w], `${l.name}:w_t`, [attrInts('perm', [1, 0, 2, 3, 4])]), pinned([c, l.out, taps])], `${l.name}:w_taps`);
    const reverse = g.fresh(`${l.name}:reverse_taps`);
    g.initializers.push({ name: reverse, dataType: DataType.FLOAT, dims: [taps, taps], floatData: Array.from({ length: taps * taps }, (_, i) => (Math.floor(i / taps) + (i % taps) === taps - 1 ? 1 : 0)) });
    const flipped = g.op('Reshape', [g.op('MatMul', [wt, reverse], `${l.name}:w_reversed`), g.int64([c, l.out, kd, kh, kw])], `${l.name}:w_flipped`);
    const [li, hi, wi] = info.inShape.slice(1) as [number, number, number];
    const lo = info.outShape[1]!;
    const perPlane = 4 * kd * kh * kw * l.out * hi * wi;
    // The im2col buffer is per clip (onnxruntime convolves one clip at a time), so its budget need not
    // shrink with the batch: 4 × chunkBytes (C3D conv2a at batch 8: peak RSS 1.80 GiB, 1.95 at 24×).
    const chunks = ranges(li, Math.max(1, Math.floor((4 * chunkBytes) / perPlane)));
    if (chunks.length === 1) {
      return g.op('Conv', [dy, flipped], `${l.name}:dx`, [attrInts('kernel_shape', l.kernel), attrInts('pads', [...back, ...back])]);
    }
    const parts: string[] = [];
    let dep = pinned;
    chunks.forEach(([l0, l1], k) => {
      // dx planes [l0, l1) read g planes [l0 − back, l1 − back + kd − 1), zeros outside [0, L').
      const want0 = l0 - back[0]!;
      const want1 = l1 - back[0]! + kd - 1;
      const s0 = Math.max(0, want0);
      const s1 = Math.min(lo, want1);
      const part = g.op('Slice', [dy, dep([s0]), g.int64([s1]), g.int64([2])], `${l.name}:dy_planes${k}`);
      const pads = [s0 - want0, back[1]!, back[2]!, want1 - s1, back[1]!, back[2]!];
      const out = g.op('Conv', [part, flipped], `${l.name}:dx${k}`, [attrInts('kernel_shape', l.kernel), attrInts('pads', pads)]);
      parts.push(out);
      dep = after(g, out, `${l.name}:dx${k}`);
    });
    return g.op('Concat', parts, `${l.name}:dx`, [attrInt('axis', 2)]);
  }
  // ConvTranspose's output size is s·(L' − 1) + k − 2p + output_padding; output_padding restores L.
  const outPad = [0, 1, 2].map((a) => info.inShape[a + 1]! - (l.stride[a]! * (info.outShape[a + 1]! - 1) + l.kernel[a]! - 2 * l.pad[a]!));
  const wPinned = g.op('Reshape', [w, pinned([l.out, info.inShape[0]!, ...l.kernel])], `${l.name}:w_after_dw`);
  return g.op('ConvTranspose', [dy, wPinned], `${l.name}:dx`, [
    attrInts('kernel_shape', l.kernel), attrInts('strides', l.stride), attrInts('pads', [...l.pad, ...l.pad]), attrInts('output_padding', outPad),
  ]);
}

/** Geometry shared by the Gemm routes of the weight gradient. */
interface ConvGeometry {
  name: string;
  c: number;
  o: number;
  kernel: readonly [number, number, number];
  pad: readonly [number, number, number];
  stride: readonly [number, number, number];
  /** Input length and padded height / width. */
  li: number; hp: number; wp: number;
  /** Output (L', H', W'). */
  lo: number; ho: number; wo: number;
}

function geometry(l: Conv3dLayer, info: LayerInfo): ConvGeometry {
  const [c, li, hi, wi] = info.inShape as [number, number, number, number];
  const [o, lo, ho, wo] = info.outShape as [number, number, number, number];
  return {
    name: l.name, c, o, kernel: l.kernel, pad: l.pad, stride: l.stride,
    li, hp: hi + 2 * l.pad[1], wp: wi + 2 * l.pad[2], lo, ho, wo,
  };
}

/** [start, end) ranges of `total` units, `per` at a time. */
function ranges(total: number, per: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = 0; a < total; a += per) out.push([a, Math.min(total, a + per)]);
  return out;
}

/**
 * dL/dW of a conv (O, C, kd, kh, kw) by the given route. `pinned` orders the first chunk after the
 * bias gradient; each later chunk runs after the previous one. g is prepared chunk by chunk, so
 * no whole-size copy of it is ever alive.
 */
function convWeightGrad(g: GraphBuilder, l: Conv3dLayer, info: LayerInfo, x: string, dy: string, route: WeightGradRoute, chunkBytes: number, pinned: Pinned): string {
  if (route === 'conv') return convWeightGradByConv(g, l, info, x, dy);
  if ((route === 'flat' || route === 'rows') && l.stride.some((s) => s !== 1)) throw new SpecError(`layer ${l.name}: weight-gradient route '${route}' needs stride 1`);
  const geo = geometry(l, info);
  if (route === 'rows') return convWeightGradByRows(g, geo, x, dy, chunkBytes, pinned);
  const { name, c, o, kernel: [kd, kh, kw], pad: [pd, ph, pw], stride: [sd, sh, sw], hp, wp, lo, ho, wo } = geo;
  const taps = kd * kh * kw;
  const flat = route === 'flat';
  // Positions per output plane, and planes per chunk so one stacked matrix stays under chunkBytes per clip.
  const plane = flat ? hp * wp : ho * wo;
  const chunks = ranges(lo, Math.max(1, Math.floor(chunkBytes / (4 * taps * c * plane))));

  // x channel-major and padded: (C, N, flat positions) for 'flat' (one extra zero plane at the end
  // keeps the last taps' ranges inside), (C, N, Lp, Hp, Wp) for 'taps'.
  let xT: string;
  if (flat) {
    const xp = g.op('Pad', [x, pinned([0, 0, pd, ph, pw, 0, 0, pd + 1, ph, pw])], `${name}:x_pad`);
    xT = g.op('Transpose', [g.op('Reshape', [xp, g.int64([0, c, -1])], `${name}:x_flat`)], `${name}:x_t`, [attrInts('perm', [1, 0, 2])]);
  } else {
    const xp = g.op('Pad', [x, pinned([0, 0, pd, ph, pw, 0, 0, pd, ph, pw])], `${name}:x_pad`);
    xT = g.op('Transpose', [xp], `${name}:x_t`, [attrInts('perm', [1, 0, 2, 3, 4])]);
  }
  let acc: string | null = null;
  chunks.forEach(([p0, p1], k) => {
    const dep = acc ? after(g, acc, `${name}:${k}`) : pinned;
    const cols: string[] = [];
    for (let a = 0; a < kd; a++) {
      for (let b = 0; b < kh; b++) {
        for (let e = 0; e < kw; e++) {
          if (flat) {
            const off = a * hp * wp + b * wp + e;
            cols.push(g.op('Slice', [xT, dep([off + p0 * plane]), g.int64([off + p1 * plane]), g.int64([2])], `${name}:col${k}_${a}${b}${e}`));
          } else {
            const ends = [a + sd * (p1 - 1) + 1, b + sh * (ho - 1) + 1, e + sw * (wo - 1) + 1];
            cols.push(g.op('Slice', [xT, dep([a + sd * p0, b, e]), g.int64(ends), g.int64([2, 3, 4]), g.int64([sd, sh, sw])], `${name}:col${k}_${a}${b}${e}`));
          }
        }
      }
    }
    const col = g.op('Reshape', [g.op('Concat', cols, `${name}:cols${k}`, [attrInt('axis', 0)]), g.int64([taps * c, -1])], `${name}:col${k}`);
    // This chunk's planes of g, channel-major (O, N·positions); 'flat' puts them on the padded grid.
    let dyc = chunks.length === 1 ? dy : g.op('Slice', [dy, dep([p0]), g.int64([p1]), g.int64([2])], `${name}:dy${k}`);
    if (flat) dyc = g.op('Pad', [dyc, g.int64([0, 0, 0, 0, 0, 0, 0, 0, hp - ho, wp - wo])], `${name}:dy_grid${k}`);
    const dyT = g.op('Transpose', [dyc], `${name}:dy_t${k}`, [attrInts('perm', [1, 0, 2, 3, 4])]);
    const dy2 = g.op('Reshape', [dyT, g.int64([o, -1])], `${name}:dy2_${k}`);
    // (taps·C, P) · (O, P)ᵀ, accumulated over chunks through Gemm's C input.
    acc = g.op('Gemm', [col, dy2, ...(acc ? [acc] : [])], `${name}:dw_t${k}`, [attrInt('transB', 1), attrFloat('beta', 1)]);
  });
  const dwT = g.op('Reshape', [acc!, g.int64([kd, kh, kw, c, o])], `${name}:dw_taps`);
  return g.op('Transpose', [dwT], `${name}:dw`, [attrInts('perm', [4, 3, 0, 1, 2])]);
}

/**
 * The 'rows' route (stride 1): positions run over the output rows (l, h) × the padded width Wp.
 * The kd·kh row shifts of x are ONE Gather of whole rows (multithreaded, no per-tap Slice + Concat);
 * the kw element shifts go to g instead (kw Slices of g with its W padding in front), so a chunk is
 * one Gemm of (kd·kh·C, K) by (kw·O, K)ᵀ. Only the W padding adds multiply-adds (Wp / W').
 */
function convWeightGradByRows(g: GraphBuilder, geo: ConvGeometry, x: string, dy: string, chunkBytes: number, pinned: Pinned): string {
  const { name, c, o, kernel: [kd, kh, kw] } = geo;
  // Rows (c, a, b), columns (e, o) → (O, C, kd, kh, kw).
  const dwT = g.op('Reshape', [rowsWeightGradGemm(g, geo, x, dy, chunkBytes, pinned), g.int64([c, kd, kh, kw, o])], `${name}:dw_taps`);
  return g.op('Transpose', [dwT], `${name}:dw`, [attrInts('perm', [4, 0, 1, 2, 3])]);
}

/** The 'rows' route's Gemms: dW as (kd·kh·C, kw·O), rows (c, a, b), columns (e, o). */
function rowsWeightGradGemm(g: GraphBuilder, geo: ConvGeometry, x: string, dy: string, chunkBytes: number, pinned: Pinned): string {
  const { name, c, o, kernel: [kd, kh, kw], pad: [pd, ph, pw], li, hp, wp, lo, ho, wo } = geo;
  const rowShifts = kd * kh;
  // x: padded, one extra zero plane (the last rows' shifts stay inside), channel-major rows (C, N·R, Wp).
  const rowsPerClip = (li + 2 * pd + 1) * hp;
  const xp = g.op('Pad', [x, pinned([0, 0, pd, ph, pw, 0, 0, pd + 1, ph, pw])], `${name}:x_pad`);
  const xRows = g.op('Reshape', [g.op('Transpose', [xp], `${name}:x_t`, [attrInts('perm', [1, 0, 2, 3, 4])]), g.int64([c, -1, wp])], `${name}:x_rows`);
  // Row r of sample n of x_rows is n·R + r: the per-sample offsets, for any batch size.
  const n = g.op('Gather', [g.op('Shape', [x], `${name}:x_shape`), g.int64([0], true)], `${name}:n`);
  const sampleOffsets = g.op('Reshape', [g.op('Mul', [g.op('Range', [g.int64([0], true), n, g.int64([1], true)], `${name}:samples`), g.int64([rowsPerClip], true)], `${name}:sample_rows`), g.int64([1, -1, 1])], `${name}:sample_offsets`);
  // g as rows (N, O, L'·H', W').
  const dyRows = g.op('Reshape', [dy, g.int64([0, o, lo * ho, wo])], `${name}:dy_rows`);

  let acc: string | null = null;
  ranges(lo * ho, Math.max(1, Math.floor(chunkBytes / (4 * rowShifts * c * wp)))).forEach(([r0, r1], k) => {
    const dep = acc ? after(g, acc, `${name}:${k}`) : pinned;
    const rc = r1 - r0;
    // Output row ρ = l·H' + h reads x rows (l + a)·Hp + h + b.
    const base: number[] = [];
    for (let a = 0; a < kd; a++) for (let b = 0; b < kh; b++) for (let r = r0; r < r1; r++) base.push((Math.floor(r / ho) + a) * hp + (r % ho) + b);
    const baseName = g.fresh(`${name}:rows${k}`);
    g.initializers.push({ name: baseName, dataType: DataType.INT64, dims: [rowShifts, 1, rc], int64Data: base });
    const idx = g.op('Add', [baseName, g.op('Add', [sampleOffsets, dep([0])], `${name}:offsets${k}`)], `${name}:idx${k}`);
    const col = g.op('Reshape', [g.op('Gather', [xRows, idx], `${name}:gathered${k}`, [attrInt('axis', 1)]), g.int64([rowShifts * c, -1])], `${name}:col${k}`);
    // This chunk's rows of g, W padded in front by kw − 1 (shift e reads from kw − 1 − e) plus one
    // zero row after (the last row's shifts read into it), channel-major (O, N, (rows + 1)·Wp).
    const rowsK = g.op('Slice', [dyRows, dep([r0]), g.int64([r1]), g.int64([2])], `${name}:dy_rows${k}`);
    const padded = g.op('Pad', [rowsK, g.int64([0, 0, 0, kw - 1, 0, 0, 1, 0])], `${name}:dy_pad${k}`);
    const dyT = g.op('Reshape', [g.op('Transpose', [padded], `${name}:dy_t${k}`, [attrInts('perm', [1, 0, 2, 3])]), g.int64([o, 0, -1])], `${name}:dy_flat${k}`);
    const shifts: string[] = [];
    for (let e = 0; e < kw; e++) {
      const from = kw - 1 - e;
      shifts.push(g.op('Slice', [dyT, g.int64([from]), g.int64([from + rc * wp]), g.int64([2])], `${name}:dy${k}_${e}`));
    }
    const dyk = g.op('Reshape', [g.op('Concat', shifts, `${name}:dys${k}`, [attrInt('axis', 0)]), g.int64([kw * o, -1])], `${name}:dy${k}`);
    // (kd·kh·C, K) · (kw·O, K)ᵀ, accumulated over chunks through Gemm's C input.
    acc = g.op('Gemm', [col, dyk, ...(acc ? [acc] : [])], `${name}:dw_t${k}`, [attrInt('transB', 1), attrFloat('beta', 1)]);
  });
  return acc!;
}

/**
 * dL/dW of a Winograd layer by F(3, m) in time (src/train/onnx/winograd.ts): n = m + 2 (1, kh, kw)
 * weight gradients on the 'rows' route over 1/m of the frames each, combined per tap.
 */
function winogradConvWeightGrad(g: GraphBuilder, tiling: WinogradTiling, l: Conv3dLayer, info: LayerInfo, x: string, dy: string, chunkBytes: number, pinned: Pinned): string {
  const d = winogradDims(l, info);
  const { c, h, w, o, kh, kw, ph, pw } = d;
  const [ho, wo] = info.outShape.slice(2) as [number, number];
  const t = d.l / tiling.m;
  const dwT = winogradWeightGrad(g, tiling, x, dy, d, pinned, `${l.name}:dw`, (k, v, e, dep) => {
    const geo: ConvGeometry = { name: `${l.name}:dw${k}`, c, o, kernel: [1, kh, kw], pad: [0, ph, pw], stride: [1, 1, 1], li: t, hp: h + 2 * ph, wp: w + 2 * pw, lo: t, ho, wo };
    return rowsWeightGradGemm(g, geo, v, e, chunkBytes, dep);
  });
  return g.op('Transpose', [dwT], `${l.name}:dw`, [attrInts('perm', [4, 0, 1, 2, 3])]);
}

/** The Conv route: Conv(xᵀ (C, N, …), kernel gᵀ (O, N, …)) → (C, O, k…), transposed back. */
function convWeightGradByConv(g: GraphBuilder, l: Conv3dLayer, info: LayerInfo, x: string, dy: string): string {
  const name = l.name;
  const xT = g.op('Transpose', [x], `${name}:x_t`, [attrInts('perm', [1, 0, 2, 3, 4])]);
  const dyT = g.op('Transpose', [dy], `${name}:dy_t`, [attrInts('perm', [1, 0, 2, 3, 4])]);
  const out = [0, 1, 2].map((a) => info.outShape[a + 1]!);
  let w = g.op('Conv', [xT, dyT], `${name}:dw_t`, [attrInts('kernel_shape', out), attrInts('pads', [...l.pad, ...l.pad]), attrInts('dilations', l.stride)]);
  // With a stride the sweep can reach past k (input rows the forward never read): keep the first k.
  const full = [0, 1, 2].map((a) => info.inShape[a + 1]! + 2 * l.pad[a]! - l.stride[a]! * (out[a]! - 1));
  if (full.some((f, a) => f !== l.kernel[a])) w = g.op('Slice', [w, g.int64([0, 0, 0]), g.int64([...l.kernel]), g.int64([2, 3, 4])], `${name}:dw_t_k`);
  return g.op('Transpose', [w], `${name}:dw`, [attrInts('perm', [1, 0, 2, 3, 4])]);
}
