/**
 * A 3-D convolution whose time axis has 3 taps, pad 1 and stride 1 (every C3D conv) as Winograd
 * F(2, 3) along time (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
 * each pair of output frames (2t, 2t + 1) comes from the four input frames 2t − 1 … 2t + 2 as
 *
 *   y₀ = M₀ + M₁ + M₂,   y₁ = M₁ − M₂ − M₃,   M_k = conv₂(V_k, U_k) over (h, w),
 *
 * with V = Bᵀ d (input transform, additions only) and U = G g (kernel transform) per tap group, so
 * the four (1, kh, kw) convolutions do 4 · kh · kw multiply-adds per output pair where the direct
 * (3, kh, kw) convolution does 2 · 3 · kh · kw: 2/3 of the work. onnxruntime runs every piece:
 * the input transform is a Conv over the frames of each channel (stride 2 in time) per V_k, the four
 * convolutions are ordinary Conv nodes, the output transform Add / Sub and one interleaving Concat.
 * Exact in exact arithmetic; in float32 the difference from the direct sum is rounding: the tests
 * check the gradients on this path against the reference step (itself checked against PyTorch)
 * within 1e-4 (test/train/onnx-step.test.ts, onnx-step-c3d.test.ts).
 */
import { attrInt, attrInts, DataType, GraphBuilder } from '../../io/onnx-graph.js';
import { after, type Pinned } from './pin.js';

/** Bᵀ (rows: V₀ … V₃ from the window d₀ … d₃) of F(2, 3) at the points 0, 1, −1, ∞. */
const B_T = [
  [1, 0, -1, 0],
  [0, 1, 1, 0],
  [0, -1, 1, 0],
  [0, 1, 0, -1],
] as const;
/** G (rows: U₀ … U₃ from the taps g₀, g₁, g₂). */
const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
] as const;

/** A (rows: E₀ … E₃ from the output-gradient pair e₀, e₁): the weight gradient's transform of g. */
const A = [
  [1, 0],
  [1, 1],
  [1, -1],
  [0, -1],
] as const;

/** Whether a conv (kernel, pad, stride per axis d, h, w) over `length` frames can run as F(2, 3) in time. */
export function winogradApplies(kernel: readonly number[], pad: readonly number[], stride: readonly number[], length: number): boolean {
  return kernel[0] === 3 && pad[0] === 1 && stride.every((s) => s === 1) && length % 2 === 0 && length >= 2;
}

/**
 * The four transformed kernels U_k, each (out, in, 1, kh, kw), of the conv weight `w` (O, C, 3, kh, kw):
 * for the forward (out, in) = (O, C); with `inputGrad`, of the input-gradient convolution — w with
 * O and C swapped and flipped in t, h and w — so (out, in) = (C, O). One MatMul of the flattened
 * taps per U_k (the flip and G folded into its constant), after `shape` (the caller's ordering pin).
 */
export function winogradKernels(
  g: GraphBuilder, w: string, o: number, c: number, kh: number, kw: number, inputGrad: boolean, name: string, shape: (v: readonly number[]) => string,
): string[] {
  const plane = kh * kw;
  const taps = 3 * plane;
  const src = inputGrad ? g.op('Transpose', [w], `${name}:w_t`, [attrInts('perm', [1, 0, 2, 3, 4])]) : w;
  const flat = g.op('Reshape', [src, shape([o * c, taps])], `${name}:w_taps`);
  const [out, inn] = inputGrad ? [c, o] : [o, c];
  return G.map((gk, k) => {
    const r = new Array<number>(taps * plane).fill(0);
    for (let a = 0; a < 3; a++) {
      for (let s = 0; s < plane; s++) {
        // Forward: U_k[s] = Σ_a G[k][a] · g[a][s]. Input gradient: the flipped kernel's tap (a, s) is
        // the weight's (2 − a, plane − 1 − s) (flipping h and w together reverses the plane).
        if (inputGrad) r[a * plane * plane + s * plane + (plane - 1 - s)] = gk[2 - a]!;
        else r[a * plane * plane + s * plane + s] = gk[a]!;
      }
    }
    const rk = g.fresh(`${name}:winograd_g${k}`);
    g.initializers.push({ name: rk, dataType: DataType.FLOAT, dims: [taps, plane], floatData: r });
    return g.op('Reshape', [g.op('MatMul', [flat, rk], `${name}:u${k}_flat`), g.int64([out, inn, 1, kh, kw])], `${name}:u${k}`);
  });
}

export interface WinogradConvDims {
  /** Input channels, frames, height, width of x. */
  c: number; l: number; h: number; w: number;
  /** Output channels, spatial kernel and pads (pads [h, w], both sides). */
  o: number; kh: number; kw: number; ph: number; pw: number;
}

/**
 * y (N, o, l, H', W') = the time-3, pad-1 convolution of x (N, c, l, h, w) with the kernels from
 * winogradKernels; `bias` (o) optional. l must be even (winogradApplies).
 *
 * Memory: each V_k (half of x) is made right before its convolution and the M_k are summed as soon
 * as both operands exist, in this order (pinned: onnxruntime would otherwise make all four V_k at
 * once): V₀ M₀, V₁ M₁, M₀ + M₁, V₂ M₂, (M₀ + M₁) + M₂ and M₁ − M₂, V₃ M₃, (M₁ − M₂) − M₃ — at most
 * one V_k and three output-halves alive (C3D conv2a's input gradient at batch 8: 0.1 instead of 0.8 GB of V).
 */
export function winogradConv(g: GraphBuilder, x: string, kernels: readonly string[], bias: string | null, d: WinogradConvDims, name: string): string {
  const { c, l, h, w, o, kh, kw, ph, pw } = d;
  const t = l / 2;
  const ho = h + 2 * ph - kh + 1;
  const wo = w + 2 * pw - kw + 1;
  // Every channel's frames as one image (N·c, 1, l, h, w): row k of Bᵀ is a 4-tap kernel in time,
  // stride 2, one zero frame padded on each side → V_k (N·c, 1, t, h, w), i.e. (N, c, t, h, w).
  const frames = g.op('Reshape', [x, g.int64([-1, 1, l, h, w])], `${name}:frames`);
  const conv = (k: number, pinned: Pinned | null): string => {
    const input = winogradFrames(g, frames, B_T[k]!, pinned, { c, l, h, w }, `${name}:v${k}`);
    // The bias rides on M₁, which enters both output frames with sign +.
    return g.op('Conv', [input, kernels[k]!, ...(k === 1 && bias ? [bias] : [])], `${name}:m${k}`, [
      attrInts('kernel_shape', [1, kh, kw]), attrInts('pads', [0, ph, pw, 0, ph, pw]),
    ]);
  };
  const m0 = conv(0, null);
  const m1 = conv(1, after(g, m0, `${name}:m0`));
  const m01 = g.op('Add', [m0, m1], `${name}:m01`);
  const m2 = conv(2, after(g, m01, `${name}:m01`));
  const even = g.op('Add', [m01, m2], `${name}:y_even`);
  const m12 = g.op('Sub', [m1, m2], `${name}:m12`);
  const m3 = conv(3, after(g, m12, `${name}:m12`));
  const odd = g.op('Sub', [m12, m3], `${name}:y_odd`);
  const pairShape = g.int64([0, o, t, 1, ho * wo]);
  const pairs = g.op('Concat', [g.op('Reshape', [even, pairShape], `${name}:y_even5`), g.op('Reshape', [odd, pairShape], `${name}:y_odd5`)], `${name}:y_pairs`, [attrInt('axis', 3)]);
  return g.op('Reshape', [pairs, g.int64([0, o, l, ho, wo])], `${name}:y`);
}

/**
 * One transformed frame sequence: the 4-tap row of Bᵀ (stride 2, one zero frame each side; the
 * input transform V_k) or the 2-tap row of A (stride 2, no padding; the output-gradient transform
 * E_k) over `frames` (N·c, 1, l, h, w) → (N, c, l / 2, h, w). The pin, when given, goes through the
 * few-value kernel so the Conv cannot run before it.
 */
function winogradFrames(g: GraphBuilder, frames: string, row: readonly number[], pinned: Pinned | null, d: { c: number; l: number; h: number; w: number }, name: string): string {
  const taps = row.length;
  const k = g.fresh(`${name}:kernel`);
  g.initializers.push({ name: k, dataType: DataType.FLOAT, dims: [1, 1, taps, 1, 1], floatData: [...row] });
  const kernel = pinned ? g.op('Reshape', [k, pinned([1, 1, taps, 1, 1])], `${name}:kernel_pinned`) : k;
  const pad = taps === 4 ? 1 : 0;
  const out = g.op('Conv', [frames, kernel], `${name}:frames`, [attrInts('kernel_shape', [taps, 1, 1]), attrInts('strides', [2, 1, 1]), attrInts('pads', [pad, 0, 0, pad, 0, 0])]);
  return g.op('Reshape', [out, g.int64([-1, d.c, d.l / 2, d.h, d.w])], name);
}

/**
 * The weight gradient by F(3, 2) in time — the transpose of the forward's F(2, 3): with V_k = Bᵀ x
 * (the forward's input transform of x) and E_k = A g (g the output gradient, frames in pairs),
 *
 *   dW[:, :, a] = Σ_k G[k][a] · P_k,   P_k = the (1, kh, kw) weight gradient of V_k against E_k,
 *
 * four spatial weight gradients over half the frames each: 2/3 of the direct multiply-adds.
 * `spatialGrad(k, v, e, pinned)` computes P_k in the layout (C, kh·kw·O) — rows (c, b), columns
 * (e, o), as the graph's 'rows' route does — each after the previous one (pinned: one V_k and E_k
 * alive at a time). Returns dW as (C, 3, kh, kw, O); the caller transposes it to (O, C, 3, kh, kw).
 */
export function winogradWeightGrad(
  g: GraphBuilder, x: string, dy: string, d: WinogradConvDims, pinned: Pinned, name: string,
  spatialGrad: (k: number, v: string, e: string, pinned: Pinned) => string,
): string {
  const { c, l, h, w, o, kh, kw, ph, pw } = d;
  const ho = h + 2 * ph - kh + 1;
  const wo = w + 2 * pw - kw + 1;
  const xFrames = g.op('Reshape', [x, g.int64([-1, 1, l, h, w])], `${name}:x_frames`);
  const dyFrames = g.op('Reshape', [dy, g.int64([-1, 1, l, ho, wo])], `${name}:dy_frames`);
  const p: string[] = [];
  let dep = pinned;
  for (let k = 0; k < 4; k++) {
    const v = winogradFrames(g, xFrames, B_T[k]!, dep, { c, l, h, w }, `${name}:v${k}`);
    const e = winogradFrames(g, dyFrames, A[k]!, dep, { c: o, l, h: ho, w: wo }, `${name}:e${k}`);
    p.push(spatialGrad(k, v, e, dep));
    dep = after(g, p[k]!, `${name}:p${k}`);
  }
  // Gᵀ: tap 0 = P₀ + ½(P₁ + P₂), tap 1 = ½(P₁ − P₂), tap 2 = ½(P₁ + P₂) + P₃.
  const half = g.op('Mul', [g.op('Add', [p[1]!, p[2]!], `${name}:p12`), g.float(0.5)], `${name}:p12_half`);
  const taps = [
    g.op('Add', [p[0]!, half], `${name}:tap0`),
    g.op('Mul', [g.op('Sub', [p[1]!, p[2]!], `${name}:p1m2`), g.float(0.5)], `${name}:tap1`),
    g.op('Add', [half, p[3]!], `${name}:tap2`),
  ].map((tap, a) => g.op('Reshape', [tap, g.int64([c, 1, kh * kw * o])], `${name}:tap${a}_row`));
  return g.op('Reshape', [g.op('Concat', taps, `${name}:taps`, [attrInt('axis', 1)]), g.int64([c, 3, kh, kw, o])], `${name}:dw_taps`);
}
