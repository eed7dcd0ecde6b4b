// Blocked GEMM C += A·B (GotoBLAS loop order) around a 5×8 f32x4 micro-kernel: 10 v128 accumulators,
// plain mul + add (not relaxed SIMD: results must not depend on the CPU). V8 has 15 usable xmm registers:
// 10 accumulators + 2 B vectors + 1 A broadcast + 1 product fit; 6×8 or 4×12 spill. Measured on the
// dev VM (Zen 5, one thread, L1-resident panels): 5×8 ≈ 52 GFLOP/s, 4×8 ≈ 43, 3×12 ≈ 48, 6×8 ≈ 27.
// A is packed in 5-row micro-panels, B in 8-column ones; where B is a convolution's column matrix
// (or its transpose), packing gathers straight from x (fused im2col).
import * as G from './geometry';
import { gatherRow } from './geometry';

export const MR: i32 = 5;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 130; // a multiple of MR
export const NC: i32 = 2048;

/** How A / B are read while packing. */
export const A_STRIDED: i32 = 0;
export const A_PREPACKED: i32 = 1;
export const B_STRIDED: i32 = 0;
export const B_IM2COL: i32 = 1;
export const B_IM2COL_T: i32 = 2;

// Per-thread operand description (instance globals are thread-local).
let gA: usize = 0;
let gRsA: i32 = 0;
let gCsA: i32 = 0;
let gMp: i32 = 0; // rows of a pre-packed A rounded up to MR
let gB: usize = 0;
let gRsB: i32 = 0;
let gCsB: i32 = 0;
let gTile: usize = 0;
let gTables: usize = 0; // 8·KC words per thread, right after the tile: im2col tables or gathered rows
let gRelu = false; // the current GEMM ends with a ReLU (conv + in-place ReLU, as Caffe nets do)
let gReluNow = false; // … and the K block being multiplied is its last one

export function setA(a: usize, rs: i32, cs: i32, mp: i32): void {
  gA = a;
  gRsA = rs;
  gCsA = cs;
  gMp = mp;
}

export function setB(b: usize, rs: i32, cs: i32): void {
  gB = b;
  gRsB = rs;
  gCsB = cs;
}

/** The im2col tap tables in the per-thread tables region, KC i32 each (filled by packBIm2col). */
const T_OFF: i32 = 0; // element offset of tap (c, a, b, e) from the window origin
const T_A: i32 = 1;
const T_B: i32 = 2;
const T_E: i32 = 3;

// @ts-ignore: decorator
@inline
function tapTable(which: i32): usize {
  return gTables + ((<usize>which * <usize>KC) << 2);
}

/** Whether the next gemmBlocked calls apply ReLU to C once its last K block is in. */
export function setRelu(on: bool): void {
  gRelu = on;
}

export function setTile(tile: usize): void {
  gTile = tile;
  gTables = tile + ((MR * NR) << 2);
}

/** n rounded up to a whole number of MR-row micro-panels. */
export function roundUpMR(n: i32): i32 {
  return ((n + MR - 1) / MR) * MR;
}

/**
 * C[0..mr)[0..nr) += Apanel(5×kc)·Bpanel(kc×8), or, when `bias` ≠ 0, C = bias[row] + A·B: the first
 * K block overwrites C, so C is never pre-filled nor read back (it can be far larger than cache).
 * `bias` points at the 5 per-row values of this tile; ldc in bytes.
 */
function kernel5x8(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, mr: i32, nr: i32, bias: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 16);
    c40 = f32x4.add(c40, f32x4.mul(a, b0));
    c41 = f32x4.add(c41, f32x4.mul(a, b1));
    pa += 20;
    pb += 32;
  }
  // Park the accumulators in the scratch tile before touching C: with them dead past the loop, V8's
  // register allocator keeps all ten in registers inside it (finishing from registers spills: 22 vs 52 GFLOP/s).
  const t = gTile;
  v128.store(t, c00);
  v128.store(t, c01, 16);
  v128.store(t, c10, 32);
  v128.store(t, c11, 48);
  v128.store(t, c20, 64);
  v128.store(t, c21, 80);
  v128.store(t, c30, 96);
  v128.store(t, c31, 112);
  v128.store(t, c40, 128);
  v128.store(t, c41, 144);
  finishTile(c, ldc, mr, nr, bias);
}

/**
 * C tile (mr×nr) = bias + scratch tile, or C += scratch tile when bias = 0; then, on the last K block
 * of a GEMM with a fused ReLU (gReluNow), v < 0 ? 0 : v, which keeps NaN and −0 as Caffe's ReLU does.
 */
function finishTile(c: usize, ldc: usize, mr: i32, nr: i32, bias: usize): void {
  const t = gTile;
  const relu = gReluNow;
  const zero = f32x4.splat(0);
  if (mr == MR && nr == NR) {
    for (let i = 0; i < MR; i++) {
      const r = t + (<usize>i << 5);
      let v0 = v128.load(r);
      let v1 = v128.load(r, 16);
      if (bias != 0) {
        const b = v128.load32_splat(bias + (<usize>i << 2));
        v0 = f32x4.add(v0, b);
        v1 = f32x4.add(v1, b);
      } else {
        v0 = f32x4.add(v0, v128.load(c));
        v1 = f32x4.add(v1, v128.load(c, 16));
      }
      if (relu) {
        v0 = f32x4.pmax(v0, zero); // v0 < 0 ? 0 : v0
        v1 = f32x4.pmax(v1, zero);
      }
      v128.store(c, v0);
      v128.store(c, v1, 16);
      c += ldc;
    }
    return;
  }
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    const trow = t + (<usize>i << 5);
    const bi: f32 = bias != 0 ? load<f32>(bias + (<usize>i << 2)) : 0;
    for (let j = 0; j < nr; j++) {
      const q = row + (<usize>j << 2);
      const v = load<f32>(trow + (<usize>j << 2));
      let out = bias != 0 ? v + bi : load<f32>(q) + v;
      if (relu && out < 0) out = 0;
      store<f32>(q, out);
    }
  }
}

/** Byte offset of row i, column k of a K block (kc columns) packed in MR-row micro-panels. */
// @ts-ignore: decorator
@inline
function aPanelOffset(i: i32, k: i32, kc: i32): usize {
  const panel = i / MR;
  return (<usize>panel * <usize>kc * MR + <usize>k * MR + <usize>(i - panel * MR)) << 2;
}

/**
 * One column of an A micro-panel: d[r] = A value at s + r·rs bytes for the `rows` valid rows, zeros
 * below them. Packers walk a whole panel k by k so each store lands next to the previous one.
 */
// @ts-ignore: decorator
@inline
function packAColumn(d: usize, s: usize, rs: usize, rows: i32): void {
  if (rows == MR) {
    store<f32>(d, load<f32>(s));
    store<f32>(d, load<f32>(s + rs), 4);
    store<f32>(d, load<f32>(s + rs * 2), 8);
    store<f32>(d, load<f32>(s + rs * 3), 12);
    store<f32>(d, load<f32>(s + rs * 4), 16);
    return;
  }
  for (let r = 0; r < MR; r++) {
    let v: f32 = 0;
    if (r < rows) v = load<f32>(s + rs * <usize>r);
    store<f32>(d + (<usize>r << 2), v);
  }
}

/** Packs rows [i0, i0+mc) × cols [k0, k0+kc) of strided A into MR-row micro-panels (zero-padded rows). */
function packAStrided(i0: i32, mc: i32, k0: i32, kc: i32, M: i32, dst: usize): void {
  const rs = <usize>gRsA << 2;
  const cs = <usize>gCsA << 2;
  for (let i = 0; i < mc; i += MR) {
    const gi = i0 + i;
    const rows = max(0, min(min(MR, mc - i), M - gi));
    let d = dst + aPanelOffset(i, 0, kc);
    let s = gA + ((<usize>gi * <usize>gRsA + <usize>k0 * <usize>gCsA) << 2);
    for (let k = 0; k < kc; k++) {
      packAColumn(d, s, rs, rows);
      d += MR << 2;
      s += cs;
    }
  }
}

/**
 * A(c, o·kvol + t) = W[o][c][kvol − 1 − t] for conv weights W (O, C, kvol) at gA, C = M: the weights of
 * the backward-input convolution (channels swapped, every kernel reversed), read straight from W.
 */
function packAFlipped(i0: i32, mc: i32, k0: i32, kc: i32, M: i32, dst: usize): void {
  const kvol = gRsA;
  const rs = <usize>kvol << 2; // channel c + 1 of the same filter
  for (let i = 0; i < mc; i += MR) {
    const c = i0 + i;
    const rows = max(0, min(min(MR, mc - i), M - c));
    let d = dst + aPanelOffset(i, 0, kc);
    let o = k0 / kvol;
    let t = k0 - o * kvol;
    let s = gA + ((<usize>(o * M + c) * <usize>kvol + <usize>(kvol - 1 - t)) << 2);
    for (let k = 0; k < kc; k++) {
      packAColumn(d, s, rs, rows);
      d += MR << 2;
      s -= 4;
      t++;
      if (t == kvol) {
        t = 0;
        o++;
        s = gA + ((<usize>(o * M + c) * <usize>kvol + <usize>(kvol - 1)) << 2);
      }
    }
  }
}

/** Packs rows [k0, k0+kc) × cols [j0, j0+nc) of strided B into 8-column micro-panels (zero-padded). */
function packBStrided(k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const ncp = (nc + NR - 1) & ~(NR - 1);
  const big = <usize>kc << 5;
  if (gCsB == 1) {
    for (let k = 0; k < kc; k++) {
      const s = gB + ((<usize>(k0 + k) * <usize>gRsB + <usize>j0) << 2);
      const d = dst + (<usize>k << 5);
      let j = 0;
      for (; j + NR <= nc; j += NR) {
        const q = d + <usize>(j >> 3) * big;
        v128.store(q, v128.load(s + (<usize>j << 2)));
        v128.store(q, v128.load(s + (<usize>j << 2), 16), 16);
      }
      for (; j < ncp; j++) {
        store<f32>(d + <usize>(j >> 3) * big + (<usize>(j & 7) << 2), j < nc ? load<f32>(s + (<usize>j << 2)) : 0);
      }
    }
  } else {
    const rs = <usize>gRsB << 2;
    let j = 0;
    if (gRsB == 1) {
      // Columns contiguous in k (B = wᵀ of a fully connected layer): whole panels by 4×4 transposes.
      const cs = <usize>gCsB << 2;
      for (; j + NR <= nc; j += NR) {
        transposeRowsIntoPanel(gB + ((<usize>k0 + <usize>(j0 + j) * <usize>gCsB) << 2), cs, kc, dst + <usize>(j >> 3) * big);
      }
    }
    for (; j < ncp; j++) {
      let d = dst + <usize>(j >> 3) * big + (<usize>(j & 7) << 2);
      if (j >= nc) {
        for (let k = 0; k < kc; k++) {
          store<f32>(d, 0);
          d += 32;
        }
        continue;
      }
      let s = gB + ((<usize>k0 * <usize>gRsB + <usize>(j0 + j) * <usize>gCsB) << 2);
      for (let k = 0; k < kc; k++) {
        store<f32>(d, load<f32>(s));
        d += 32;
        s += rs;
      }
    }
  }
}

/**
 * B is the column matrix of the current convolution (rows ck, cols p): fused im2col packing, one
 * 8-column micro-panel at a time, through per-row tap tables. With stride 1 along w, a panel whose
 * 8 outputs share an output row copies two v128 per tap (zeros or element-wise only where padding
 * is involved); one spanning output rows goes run by run (packRunsPanel). Strided w and the last
 * partial panel check every element.
 */
function packBIm2col(k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const D = G.gD, H = G.gH, W = G.gW;
  const hw = H * W;
  const kvol = G.gKd * G.gKh * G.gKw;
  const khw = G.gKh * G.gKw;
  // Tables for rows k0..k0+kc: element offset of tap (c, a, b, e) relative to the window origin, and a, b, e.
  const tOff = tapTable(T_OFF), tA = tapTable(T_A), tB = tapTable(T_B), tE = tapTable(T_E);
  for (let k = 0; k < kc; k++) {
    const row = k0 + k;
    const c = row / kvol;
    let r = row - c * kvol;
    const a = r / khw;
    r -= a * khw;
    const b = r / G.gKw;
    const e = r - b * G.gKw;
    const q = <usize>k << 2;
    store<i32>(tOff + q, (c * D + a) * hw + b * W + e);
    store<i32>(tA + q, a);
    store<i32>(tB + q, b);
    store<i32>(tE + q, e);
  }
  const hwo = G.gHo * G.gWo;
  const big = <usize>kc << 5;
  const unitW = G.gSw == 1;
  const zero = f32x4.splat(0);
  for (let s = 0; s < nc; s += NR) {
    const panel = dst + <usize>(s >> 3) * big;
    const p = j0 + s;
    const od = p / hwo;
    const rem = p - od * hwo;
    const oh = rem / G.gWo;
    const ow = rem - oh * G.gWo;
    const id0 = od * G.gSd - G.gPd;
    const ih0 = oh * G.gSh - G.gPh;
    const iw0 = ow - G.gPw;
    if (unitW && s + NR <= nc && ow + NR <= G.gWo) {
      // Row panel: 8 outputs on one output row, so every tap reads 8 consecutive inputs of one x row.
      const origin = G.gX + (<usize>(<isize>((id0 * H + ih0) * W + iw0) << 2));
      let d = panel;
      if (id0 >= 0 && id0 + G.gKd <= D && ih0 >= 0 && ih0 + G.gKh <= H && iw0 >= 0 && iw0 + NR - 1 + G.gKw <= W) {
        // Interior: no tap leaves x.
        for (let k = 0; k < kc; k++) {
          const src = origin + (<usize>load<i32>(tOff + (<usize>k << 2)) << 2);
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          d += 32;
        }
        continue;
      }
      // Border row panel: per tap, the x row is either outside (zeros), wholly inside (two v128), or
      // cut by the left/right padding (element by element). packRunsPanel computes the same with one
      // run of 8, but reading the run from its table per tap made conv2a's packing ≈ 28% slower.
      for (let k = 0; k < kc; k++) {
        const q = <usize>k << 2;
        const z = iw0 + load<i32>(tE + q);
        if (<u32>(id0 + load<i32>(tA + q)) >= <u32>D || <u32>(ih0 + load<i32>(tB + q)) >= <u32>H) {
          v128.store(d, zero);
          v128.store(d, zero, 16);
        } else {
          const src = <usize>(<isize>origin + (<isize>load<i32>(tOff + q) << 2));
          if (z >= 0 && z + NR <= W) {
            v128.store(d, v128.load(src));
            v128.store(d, v128.load(src, 16), 16);
          } else {
            copyCutRun(d, src, z, NR, W);
          }
        }
        d += 32;
      }
      continue;
    }
    if (unitW && s + NR <= nc) {
      packRunsPanel(panel, kc, od, oh, ow);
      continue;
    }
    // Stride along w, or the last partial panel: column by column with bounds checks.
    let pod = od, poh = oh, pow = ow;
    for (let j = 0; j < NR; j++) {
      let d = panel + (<usize>j << 2);
      if (s + j >= nc) {
        for (let k = 0; k < kc; k++) {
          store<f32>(d, 0);
          d += 32;
        }
        continue;
      }
      const jd = pod * G.gSd - G.gPd;
      const jh = poh * G.gSh - G.gPh;
      const jw = pow * G.gSw - G.gPw;
      const origin = <isize>((jd * H + jh) * W + jw);
      for (let k = 0; k < kc; k++) {
        const q = <usize>k << 2;
        const x = jd + load<i32>(tA + q);
        const y = jh + load<i32>(tB + q);
        const z = jw + load<i32>(tE + q);
        let v: f32 = 0;
        if (<u32>x < <u32>D && <u32>y < <u32>H && <u32>z < <u32>W) {
          v = load<f32>(G.gX + (<usize>(origin + <isize>load<i32>(tOff + q)) << 2));
        }
        store<f32>(d, v);
        d += 32;
      }
      pow++;
      if (pow == G.gWo) {
        pow = 0;
        poh++;
        if (poh == G.gHo) {
          poh = 0;
          pod++;
        }
      }
    }
  }
}

/** out[j] = x row element z + j (at src + 4j) for j < len, or 0 where z + j falls outside [0, W). */
// @ts-ignore: decorator
@inline
function copyCutRun(out: usize, src: usize, z: i32, len: i32, W: i32): void {
  for (let j = 0; j < len; j++) {
    let v: f32 = 0;
    if (<u32>(z + j) < <u32>W) v = load<f32>(src + (<usize>j << 2));
    store<f32>(out + (<usize>j << 2), v);
  }
}

/**
 * An im2col panel whose 8 outputs (unit stride along w) span several output rows (Wo < 8 or a row
 * change mid-panel): split into runs of consecutive outputs on one row; per tap, each run is zeros
 * (its x row is in the padding), a plain copy, or element-wise where the padding cuts it.
 */
function packRunsPanel(panel: usize, kc: i32, od: i32, oh: i32, ow: i32): void {
  const D = G.gD, H = G.gH, W = G.gW;
  const tOff = tapTable(T_OFF), tA = tapTable(T_A), tB = tapTable(T_B), tE = tapTable(T_E);
  // Run table after the four tap tables: first column, length, id0, ih0, iw0, origin (elements).
  const runs = tapTable(4);
  let n = 0;
  for (let j = 0; j < NR; ) {
    const len = min(G.gWo - ow, NR - j);
    const id0 = od * G.gSd - G.gPd;
    const ih0 = oh * G.gSh - G.gPh;
    const iw0 = ow - G.gPw;
    const r = runs + <usize>n * 24;
    store<i32>(r, j);
    store<i32>(r, len, 4);
    store<i32>(r, id0, 8);
    store<i32>(r, ih0, 12);
    store<i32>(r, iw0, 16);
    store<i32>(r, (id0 * H + ih0) * W + iw0, 20);
    n++;
    j += len;
    ow += len;
    if (ow == G.gWo) {
      ow = 0;
      oh++;
      if (oh == G.gHo) {
        oh = 0;
        od++;
      }
    }
  }
  let d = panel;
  for (let k = 0; k < kc; k++) {
    const q = <usize>k << 2;
    const a = load<i32>(tA + q);
    const b = load<i32>(tB + q);
    const e = load<i32>(tE + q);
    const off = load<i32>(tOff + q);
    for (let i = 0; i < n; i++) {
      const r = runs + <usize>i * 24;
      const len = load<i32>(r, 4);
      const out = d + (<usize>load<i32>(r) << 2);
      if (<u32>(load<i32>(r, 8) + a) >= <u32>D || <u32>(load<i32>(r, 12) + b) >= <u32>H) {
        for (let j = 0; j < len; j++) store<f32>(out + (<usize>j << 2), 0);
        continue;
      }
      const z = load<i32>(r, 16) + e;
      const src = G.gX + (<usize>(load<i32>(r, 20) + off) << 2);
      if (z >= 0 && z + len <= W) {
        for (let j = 0; j < len; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
      } else {
        copyCutRun(out, src, z, len, W);
      }
    }
    d += 32;
  }
}

/**
 * panel[k][j] = row_j[k] for the 8 rows row_j = src + j·stride (bytes), k < kc: an 8-column B panel
 * from 8 rows contiguous in k, 4×4 blocks at a time (4 v128 loads, 8 shuffles, 4 stores).
 */
function transposeRowsIntoPanel(src: usize, stride: usize, kc: i32, panel: usize): void {
  const k4 = kc & ~3;
  for (let half = 0; half < 2; half++) {
    const r0 = src + <usize>(half * 4) * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let d = panel + (<usize>half << 4);
    for (let k = 0; k < k4; k += 4) {
      const q = <usize>k << 2;
      const a = v128.load(r0 + q);
      const b = v128.load(r1 + q);
      const c = v128.load(r2 + q);
      const e = v128.load(r3 + q);
      const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5);
      const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
      const ce01 = i32x4.shuffle(c, e, 0, 4, 1, 5);
      const ce23 = i32x4.shuffle(c, e, 2, 6, 3, 7);
      v128.store(d, i32x4.shuffle(ab01, ce01, 0, 1, 4, 5));
      v128.store(d, i32x4.shuffle(ab01, ce01, 2, 3, 6, 7), 32);
      v128.store(d, i32x4.shuffle(ab23, ce23, 0, 1, 4, 5), 64);
      v128.store(d, i32x4.shuffle(ab23, ce23, 2, 3, 6, 7), 96);
      d += 128;
    }
    for (let k = k4; k < kc; k++) {
      const q = <usize>k << 2;
      store<f32>(d, load<f32>(r0 + q));
      store<f32>(d, load<f32>(r1 + q), 4);
      store<f32>(d, load<f32>(r2 + q), 8);
      store<f32>(d, load<f32>(r3 + q), 12);
      d += 32;
    }
  }
}

/**
 * B = col(x)ᵀ (rows p, cols ck) of the current convolution: each packed column is one im2col row.
 * The panel's 8 im2col rows are gathered contiguously into the scratch rows, then transposed into the
 * panel 4×4 at a time.
 */
function packBIm2colT(k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const big = <usize>kc << 5;
  const rows = gTables; // NR rows of KC floats
  const rowBytes = <usize>KC << 2;
  for (let s = 0; s < nc; s += NR) {
    for (let j = 0; j < NR; j++) {
      const r = rows + <usize>j * rowBytes;
      if (s + j < nc) gatherRow(j0 + s + j, k0, kc, r);
      else memory.fill(r, 0, <usize>kc << 2);
    }
    transposeRowsIntoPanel(rows, rowBytes, kc, dst + <usize>(s >> 3) * big);
  }
}

/**
 * C[m0..m1)[n0..n1) += A·B over the full K, or with `rowBias` ≠ 0, C = rowBias[i] + A·B (rowBias
 * holds at least m1 rounded up to MR values). `c` points at C[0][0], ldc in elements.
 * m0 must be a multiple of MR when A is pre-packed.
 */
export function gemmBlocked(
  modeA: i32, modeB: i32, M: i32, K: i32, m0: i32, m1: i32, n0: i32, n1: i32,
  c: usize, ldc: i32, bufA: usize, bufB: usize, rowBias: usize,
): void {
  const ldcB = <usize>ldc << 2;
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      gReluNow = gRelu && pc + kc >= K;
      if (modeB == B_IM2COL) packBIm2col(pc, kc, jc, nc, bufB);
      else if (modeB == B_IM2COL_T) packBIm2colT(pc, kc, jc, nc, bufB);
      else packBStrided(pc, kc, jc, nc, bufB);
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        let pa: usize;
        if (modeA == A_PREPACKED) {
          pa = gA + ((<usize>pc * <usize>gMp + <usize>ic * <usize>kc) << 2);
        } else {
          packAStrided(ic, mc, pc, kc, M, bufA);
          pa = bufA;
        }
        const panelA = (<usize>kc * MR) << 2;
        const panelB = <usize>kc << 5;
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = bufB + <usize>(jr >> 3) * panelB;
          let cp = c + ((<usize>ic * <usize>ldc + <usize>(jc + jr)) << 2);
          let ap = pa;
          for (let ir = 0; ir < mc; ir += MR) {
            const bias = pc == 0 && rowBias != 0 ? rowBias + (<usize>(ic + ir) << 2) : 0;
            kernel5x8(kc, ap, pb, cp, ldcB, min(MR, mc - ir), nr, bias);
            ap += panelA;
            cp += ldcB * MR;
          }
        }
      }
    }
  }
}

/**
 * Pre-packs rows [m0, m1) (m0 a multiple of MR) of the whole A (M×K) for A_PREPACKED: K blocks of KC,
 * each Mp rows in micro-panels. `flipped`: A is the backward-input view of conv weights (gRsA = kvol).
 */
export function packAFull(M: i32, K: i32, m0: i32, m1: i32, dst: usize, flipped: bool): void {
  const mp = roundUpMR(M);
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const at = dst + ((<usize>pc * <usize>mp + <usize>m0 * <usize>kc) << 2);
    if (flipped) packAFlipped(m0, m1 - m0, pc, kc, M, at);
    else packAStrided(m0, m1 - m0, pc, kc, M, at);
  }
}
