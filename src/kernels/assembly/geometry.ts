// Per-instance (= per-thread) globals describing the current convolution, and the fused im2col
// gather: one row of the virtual column matrix col[(c,a,b,e)][(od,oh,ow)] read straight from x.
// The full column matrix is never materialised; packers call `gatherRow` for one panel at a time.
import * as P from './params';

export let gX: usize = 0;
export let gD: i32 = 0;
export let gH: i32 = 0;
export let gW: i32 = 0;
export let gKd: i32 = 1;
export let gKh: i32 = 1;
export let gKw: i32 = 1;
export let gSd: i32 = 1;
export let gSh: i32 = 1;
export let gSw: i32 = 1;
export let gPd: i32 = 0;
export let gPh: i32 = 0;
export let gPw: i32 = 0;
export let gDo: i32 = 0;
export let gHo: i32 = 0;
export let gWo: i32 = 0;

export function loadGeometry(block: usize): void {
  gD = P.slot(block, P.S_D);
  gH = P.slot(block, P.S_H);
  gW = P.slot(block, P.S_W);
  gKd = P.slot(block, P.S_KD);
  gKh = P.slot(block, P.S_KH);
  gKw = P.slot(block, P.S_KW);
  gSd = P.slot(block, P.S_SD);
  gSh = P.slot(block, P.S_SH);
  gSw = P.slot(block, P.S_SW);
  gPd = P.slot(block, P.S_PD);
  gPh = P.slot(block, P.S_PH);
  gPw = P.slot(block, P.S_PW);
  gDo = P.slot(block, P.S_DO);
  gHo = P.slot(block, P.S_HO);
  gWo = P.slot(block, P.S_WO);
}

/**
 * Writes col[row][p0 .. p0+len) to dst, contiguous: the run of each output row is zeros where the tap
 * falls in the padding and a copy of x elsewhere (v128 at unit stride, element by element otherwise).
 */
export function gatherRow(row: i32, p0: i32, len: i32, dst: usize): void {
  const kvol = gKd * gKh * gKw;
  const c = row / kvol;
  let r = row - c * kvol;
  const khw = gKh * gKw;
  const a = r / khw;
  r -= a * khw;
  const b = r / gKw;
  const e = r - b * gKw;
  const hwo = gHo * gWo;
  let od = p0 / hwo;
  let rem = p0 - od * hwo;
  let oh = rem / gWo;
  let ow = rem - oh * gWo;
  const plane = <usize>gH * <usize>gW;
  const xc = gX + ((<usize>c * <usize>gD * plane) << 2);
  const off = e - gPw;
  // Output columns whose input column iw = ow·sw + off lies inside [0, W).
  const owLo = off >= 0 ? 0 : (gSw - 1 - off) / gSw;
  const owHi = gW - 1 - off >= 0 ? (gW - 1 - off) / gSw + 1 : 0;
  let t = 0;
  while (t < len) {
    let seg = gWo - ow;
    if (seg > len - t) seg = len - t;
    const id = od * gSd - gPd + a;
    const ih = oh * gSh - gPh + b;
    const end = t + seg;
    if (id < 0 || id >= gD || ih < 0 || ih >= gH) {
      fillZeros(dst, t, end);
    } else {
      let lo = owLo - ow;
      if (lo < 0) lo = 0;
      if (lo > seg) lo = seg;
      let hi = owHi - ow;
      if (hi < 0) hi = 0;
      if (hi > seg) hi = seg;
      fillZeros(dst, t, t + lo);
      const src = xc + ((<usize>id * plane + <usize>ih * <usize>gW) << 2) + ((<usize>((ow + lo) * gSw + off)) << 2);
      copyRun(dst, t + lo, t + hi, src);
      fillZeros(dst, t + hi, end);
    }
    t = end;
    ow = 0;
    oh++;
    if (oh == gHo) {
      oh = 0;
      od++;
    }
  }
}

/** dst[from, to) = 0. */
// @ts-ignore: decorator
@inline
function fillZeros(dst: usize, from: i32, to: i32): void {
  let q = dst + (<usize>from << 2);
  const end = dst + (<usize>to << 2);
  const zero = f32x4.splat(0);
  for (; q + 16 <= end; q += 16) v128.store(q, zero);
  for (; q < end; q += 4) store<f32>(q, 0);
}

/** dst[from, to) = x elements from src on, gSw apart. */
// @ts-ignore: decorator
@inline
function copyRun(dst: usize, from: i32, to: i32, src: usize): void {
  let q = dst + (<usize>from << 2);
  const end = dst + (<usize>to << 2);
  if (gSw == 1) {
    for (; q + 16 <= end; q += 16) {
      v128.store(q, v128.load(src));
      src += 16;
    }
  }
  const sw = <usize>gSw << 2;
  for (; q < end; q += 4) {
    store<f32>(q, load<f32>(src));
    src += sw;
  }
}
