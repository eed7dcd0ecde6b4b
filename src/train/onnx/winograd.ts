/**
 * A 3-D convolution whose time axis has 3 taps, pad 1 and stride 1 (every C3D conv) as Winograd
 * F(m, 3) along time (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
 * each tile of m output frames comes from the n = m + 2 input frames around it as
 *
 *   y_i = Σ_k Aᵀ[i][k] · M_k,   M_k = conv₂(V_k, U_k) over (h, w),   V = Bᵀ d,   U = G g,
 *
 * e.g. for F(2, 3) y₀ = M₀ + M₁ + M₂, y₁ = M₁ − M₂ − M₃. The n (1, kh, kw) convolutions do
 * n · kh · kw multiply-adds per tile where the direct (3, kh, kw) convolution does m · 3 · kh · kw:
 * 2/3 of the work for F(2, 3), 1/2 for F(4, 3). onnxruntime runs every piece: the input transform
 * is a Conv over the frames of each channel (an n-tap row of Bᵀ, stride m) per V_k, the n
 * convolutions are ordinary Conv nodes, the output transform Add / Sub / Mul and one interleaving
 * Concat. F(4, 3)'s transforms have entries up to 8 (points 0, ±1, ±2, ∞); in one dimension with
 * 3 taps its float32 rounding stays at the 1e-7 level of the direct sum.
 * Exact in exact arithmetic (test/train/winograd.test.ts checks the tilings' algebra); the tests
 * check the gradients on this path against the reference step (itself checked against PyTorch)
 * within 1e-4 (test/train/onnx-step.test.ts, onnx-step-c3d.test.ts).
 */
import { attrInt, attrInts, DataType, GraphBuilder } from '../../io/onnx-graph.js';
import { after, type Pinned } from './pin.js';

/** A Winograd algorithm F(m, 3) in time: m output frames per tile from the n = m + 2 input frames around them. */
export interface WinogradTiling {
  m: 2 | 4;
  /** Bᵀ (n × n): V_k = Σ_j Bᵀ[k][j] d_j over the tile's input frames. */
  bt: readonly (readonly number[])[];
  /** G (n × 3): U_k = Σ_a G[k][a] g_a over the kernel's time taps. */
  g: readonly (readonly number[])[];
  /** Aᵀ (m × n): y_i = Σ_k Aᵀ[i][k] M_k. Columns 1 and 2 (and 3 and 4) are ± each other: summed and subtracted once. */
  at: readonly (readonly number[])[];
  /**
   * Gᵀ (3 × n) with column k divided by f_k, G's row k over its first non-zero entry here: the weight
   * gradient's taps then follow Aᵀ's ± pattern and f_k goes into E_k's transform (winogradWeightGrad).
   */
  tapPattern: readonly (readonly number[])[];
}

/** F(2, 3) at the points 0, 1, −1, ∞: 4 products per 2 output frames (2/3 of the direct 6). */
export const F2_3: WinogradTiling = {
  m: 2,
  bt: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  g: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  at: [[1, 1, 1, 0], [0, 1, -1, -1]],
  tapPattern: [[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 1]], // f = 1, ½, ½, 1
};

/** F(4, 3) at the points 0, ±1, ±2, ∞: 6 products per 4 output frames (1/2 of the direct 12). */
export const F4_3: WinogradTiling = {
  m: 4,
  bt: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
  g: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
  at: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
  tapPattern: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 1]], // f = ¼, −⅙, −⅙, 1/24, 1/24, 1
};

/** Whether a conv (kernel, pad, stride per axis d, h, w) over `length` frames can run as F(2, 3) in time. */
export function winogradApplies(kernel: readonly number[], pad: readonly number[], stride: readonly number[], length: number): boolean {
  return kernel[0] === 3 && pad[0] === 1 && stride.every((s) => s === 1) && length % 2 === 0 && length >= 2;
}

/** The tiling for `length` frames: F(4, 3) where 4 divides it and `largest` allows, else F(2, 3). */
export function winogradTiling(length: number, largest: 2 | 4 = 4): WinogradTiling {
  return largest === 4 && length % 4 === 0 ? F4_3 : F2_3;
}

/**
 * The n transformed kernels U_k, each (out, in, 1, kh, kw), of the conv weight `w` (O, C, 3, kh, kw):
 * for the forward (out, in) = (O, C); with `inputGrad`, of the input-gradient convolution — w with
 * O and C swapped and flipped in t, h and w — so (out, in) = (C, O). One MatMul of the flattened
 * taps per U_k (the flip and G folded into its constant), after `shape` (the caller's ordering pin).
 */
export function winogradKernels(
  g: GraphBuilder, tiling: WinogradTiling, w: string, o: number, c: number, kh: number, kw: number, inputGrad: boolean, name: string, shape: (v: readonly number[]) => string,
): string[] {
  const plane = kh * kw;
  const taps = 3 * plane;
  const src = inputGrad ? g.op('Transpose', [w], `${name}:w_t`, [attrInts('perm', [1, 0, 2, 3, 4])]) : w;
  const flat = g.op('Reshape', [src, shape([o * c, taps])], `${name}:w_taps`);
  const [out, inn] = inputGrad ? [c, o] : [o, c];
  return tiling.g.map((gk, k) => {
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
 * winogradKernels (same tiling); `bias` (o) optional. l must be a multiple of the tiling's m.
 *
 * Memory: each V_k (1/m of x) is made right before its convolution, after everything the previous
 * M_k allowed (linearRows; pinned: onnxruntime would otherwise make every V_k at once — C3D
 * conv2a's input gradient at batch 8, 0.8 GB of them — and keep every M_k until the end).
 */
export function winogradConv(g: GraphBuilder, tiling: WinogradTiling, x: string, kernels: readonly string[], bias: string | null, d: WinogradConvDims, name: string): string {
  const { c, l, h, w, o, kh, kw, ph, pw } = d;
  const t = l / tiling.m;
  const ho = h + 2 * ph - kh + 1;
  const wo = w + 2 * pw - kw + 1;
  // Every channel's frames as one image (N·c, 1, l, h, w): row k of Bᵀ is an n-tap kernel in time,
  // stride m, one zero frame padded on each side → V_k (N·c, 1, t, h, w), i.e. (N, c, t, h, w).
  const frames = g.op('Reshape', [x, g.int64([-1, 1, l, h, w])], `${name}:frames`);
  const ys = linearRows(g, tiling.at, tiling.bt.length, (k, pinned) => {
    const input = winogradFrames(g, frames, tiling.bt[k]!, tiling.m, pinned, { c, l, h, w }, `${name}:v${k}`);
    // The bias rides on M₁, whose column of Aᵀ is all ones: it enters every output frame once.
    return g.op('Conv', [input, kernels[k]!, ...(k === 1 && bias ? [bias] : [])], `${name}:m${k}`, [
      attrInts('kernel_shape', [1, kh, kw]), attrInts('pads', [0, ph, pw, 0, ph, pw]),
    ]);
  }, `${name}:m`);
  const frameShape = g.int64([0, o, t, 1, ho * wo]);
  const outs = ys.map((yi, i) => g.op('Reshape', [yi, frameShape], `${name}:y${i}_5d`));
  const tiles = g.op('Concat', outs, `${name}:y_tiles`, [attrInt('axis', 3)]);
  return g.op('Reshape', [tiles, g.int64([0, o, l, ho, wo])], `${name}:y`);
}

/** The pairs of columns (1, 2) and (3, 4) that the tilings' Aᵀ and Gᵀ sum and subtract. */
const PAIRS = [[1, 2], [3, 4]] as const;

/**
 * The rows of Σ_k rows[i][k] · term k, with the terms made in order by `make(k, pinned)` (pinned null
 * for the first) and everything else as early as it can be: each ± pair's sum and difference once
 * both members exist (a row whose two coefficients are equal or opposite uses them), each row as
 * soon as its parts exist; the next term is pinned after the last of these, so a term's inputs,
 * the terms and pair tensors are dropped as soon as possible (onnxruntime would otherwise order
 * them by a depth-first walk from the outputs and keep them all).
 */
function linearRows(g: GraphBuilder, rows: readonly (readonly number[])[], n: number, make: (k: number, pinned: Pinned | null) => string, name: string): string[] {
  const terms: string[] = [];
  const pairs = new Map<number, [string, string]>();
  const out: Array<string | null> = rows.map(() => null);
  let last: string | null = null;
  // Row i's parts [coefficient, tensor], or null while one is not made yet.
  const parts = (row: readonly number[]): Array<[number, string]> | null => {
    const list: Array<[number, string]> = [];
    for (let k = 0; k < row.length; k++) {
      const coef = row[k]!;
      const pairAt = PAIRS.find(([p]) => p === k && p + 1 < n);
      if (pairAt && coef !== 0 && Math.abs(row[k + 1]!) === Math.abs(coef)) {
        const pair = pairs.get(k);
        if (!pair) return null;
        list.push([coef, row[k + 1] === coef ? pair[0] : pair[1]]);
        k++;
        continue;
      }
      if (coef === 0) continue;
      if (k >= terms.length) return null;
      list.push([coef, terms[k]!]);
    }
    return list;
  };
  for (let k = 0; k < n; k++) {
    terms.push(make(k, last === null ? null : after(g, last, `${name}${k}_after`)));
    last = terms[k]!;
    const pair = PAIRS.find(([, q]) => q === k);
    if (pair) {
      const [p, q] = pair;
      pairs.set(p, [g.op('Add', [terms[p]!, terms[q]!], `${name}${p}${q}_sum`), g.op('Sub', [terms[p]!, terms[q]!], `${name}${p}${q}_diff`)]);
      last = pairs.get(p)![1];
    }
    rows.forEach((row, i) => {
      if (out[i] !== null) return;
      const list = parts(row);
      if (list === null) return;
      out[i] = sum(g, list, `${name}_row${i}`);
      last = out[i];
    });
  }
  return out.map((o) => o!);
}

/** Σ coefficient · tensor with Add / Sub, and a Mul only for coefficients other than ±1. */
function sum(g: GraphBuilder, list: Array<[number, string]>, name: string): string {
  // Start from a term with coefficient 1 where there is one (no Mul needed).
  const sorted = [...list].sort((a, b) => Number(b[0] === 1) - Number(a[0] === 1));
  const scaled = (coef: number, t: string, j: number): string => (coef === 1 ? t : g.op('Mul', [t, g.float(coef)], `${name}_part${j}`));
  let acc = scaled(sorted[0]![0], sorted[0]![1], 0);
  for (let j = 1; j < sorted.length; j++) {
    const [coef, t] = sorted[j]!;
    if (coef === 1) acc = g.op('Add', [acc, t], `${name}_add${j}`);
    else if (coef === -1) acc = g.op('Sub', [acc, t], `${name}_sub${j}`);
    else if (coef < 0) acc = g.op('Sub', [acc, scaled(-coef, t, j)], `${name}_sub${j}`);
    else acc = g.op('Add', [acc, scaled(coef, t, j)], `${name}_add${j}`);
  }
  return acc;
}

/**
 * One transformed frame sequence: an n-tap row of Bᵀ (stride m, one zero frame each side; the
 * input transform V_k) or an m-tap column of Aᵀ (stride m, no padding; the output-gradient
 * transform E_k) over `frames` (N·c, 1, l, h, w) → (N, c, l / m, h, w). The pin, when given, goes
 * through the few-value kernel so the Conv cannot run before it.
 */
function winogradFrames(g: GraphBuilder, frames: string, row: readonly number[], m: number, pinned: Pinned | null, d: { c: number; l: number; h: number; w: number }, name: string): string {
  const taps = row.length;
  const k = g.fresh(`${name}:kernel`);
  g.initializers.push({ name: k, dataType: DataType.FLOAT, dims: [1, 1, taps, 1, 1], floatData: [...row] });
  const kernel = pinned ? g.op('Reshape', [k, pinned([1, 1, taps, 1, 1])], `${name}:kernel_pinned`) : k;
  const pad = taps === m ? 0 : 1;
  const out = g.op('Conv', [frames, kernel], `${name}:frames`, [attrInts('kernel_shape', [taps, 1, 1]), attrInts('strides', [m, 1, 1]), attrInts('pads', [pad, 0, 0, pad, 0, 0])]);
  return g.op('Reshape', [out, g.int64([-1, d.c, d.l / m, d.h, d.w])], name);
}

/**
 * The weight gradient by F(3, m) in time — the transpose of the forward's F(m, 3): with V_k = Bᵀ x
 * (the forward's input transform of x) and E_k = (column k of Aᵀ) · g (g the output gradient,
 * frames in tiles of m),
 *
 *   dW[:, :, a] = Σ_k G[k][a] · P_k,   P_k = the (1, kh, kw) weight gradient of V_k against E_k,
 *
 * n spatial weight gradients over 1/m of the frames each (2/3 of the direct multiply-adds for
 * F(2, 3), 1/2 for F(4, 3)). Row k of G is f_k times a row of the ± pattern of Aᵀ: f_k is folded into
 * E_k's kernel, so the taps combine like the forward's output frames.
 * `spatialGrad(k, v, e, pinned)` computes P_k in the layout (C, kh·kw·O) — rows (c, b), columns
 * (e, o), as the graph's 'rows' route does — each after the previous one (pinned: one V_k and E_k
 * alive at a time). Returns dW as (C, 3, kh, kw, O); the caller transposes it to (O, C, 3, kh, kw).
 */
export function winogradWeightGrad(
  g: GraphBuilder, tiling: WinogradTiling, x: string, dy: string, d: WinogradConvDims, pinned: Pinned, name: string,
  spatialGrad: (k: number, v: string, e: string, pinned: Pinned) => string,
): string {
  const { c, l, h, w, o, kh, kw, ph, pw } = d;
  const ho = h + 2 * ph - kh + 1;
  const wo = w + 2 * pw - kw + 1;
  const xFrames = g.op('Reshape', [x, g.int64([-1, 1, l, h, w])], `${name}:x_frames`);
  const dyFrames = g.op('Reshape', [dy, g.int64([-1, 1, l, ho, wo])], `${name}:dy_frames`);
  // f_k: G's row k over the tap pattern (its first non-zero entry over the same entry of the pattern).
  const pattern = tiling.tapPattern;
  const scale = tiling.g.map((row, k) => {
    const a = row.findIndex((v) => v !== 0);
    return row[a]! / pattern[a]![k]!;
  });
  const taps = linearRows(g, pattern, tiling.bt.length, (k, pin) => {
    const dep = pin ?? pinned;
    const v = winogradFrames(g, xFrames, tiling.bt[k]!, tiling.m, dep, { c, l, h, w }, `${name}:v${k}`);
    const column = tiling.at.map((r) => r[k]! * scale[k]!);
    const e = winogradFrames(g, dyFrames, column, tiling.m, dep, { c: o, l, h: ho, w: wo }, `${name}:e${k}`);
    return spatialGrad(k, v, e, dep);
  }, `${name}:p`).map((tap, a) => g.op('Reshape', [tap, g.int64([c, 1, kh * kw * o])], `${name}:tap${a}_row`));
  return g.op('Reshape', [g.op('Concat', taps, `${name}:taps`, [attrInt('axis', 1)]), g.int64([c, 3, kh, kw, o])], `${name}:dw_taps`);
}
