// 3D max pooling over whole (n, c) planes [m0, m1). Windows start at od·s − pad and are clipped to the
// input, so padding never wins. Ties keep the first index (strict >); a NaN wins (the last one, as in
// PyTorch CPU); an all −∞ window reports its first element.
import * as G from './geometry';

export function poolForward(x: usize, y: usize, argmax: usize, m0: i32, m1: i32): void {
  const D = G.gD, H = G.gH, W = G.gW;
  const Do = G.gDo, Ho = G.gHo, Wo = G.gWo;
  const inPlane = <usize>D * <usize>H * <usize>W;
  const outPlane = <usize>Do * <usize>Ho * <usize>Wo;
  // C3D's pools are all 2 wide and 2 apart along w, unpadded: those rows go 4 outputs at a time.
  const pairs = G.gKw == 2 && G.gSw == 2 && G.gPw == 0;
  // Outputs whose pair lies inside the row; a ceil-mode ragged last window is left to the scalar loop.
  const whole = pairs ? min(Wo, W >> 1) : 0;
  const vecEnd = whole & ~3;
  for (let pl = m0; pl < m1; pl++) {
    const xp = x + ((<usize>pl * inPlane) << 2);
    let yp = y + ((<usize>pl * outPlane) << 2);
    let ap = argmax + ((<usize>pl * outPlane) << 2);
    for (let od = 0; od < Do; od++) {
      let d0 = od * G.gSd - G.gPd;
      const d1 = min(d0 + G.gKd, D);
      d0 = max(d0, 0);
      for (let oh = 0; oh < Ho; oh++) {
        let h0 = oh * G.gSh - G.gPh;
        const h1 = min(h0 + G.gKh, H);
        h0 = max(h0, 0);
        for (let ow = 0; ow < vecEnd; ow += 4) {
          poolPairs4(xp, yp, ap, d0, d1, h0, h1, ow << 1);
          yp += 16;
          ap += 16;
        }
        for (let ow = vecEnd; ow < Wo; ow++) {
          let w0 = ow * G.gSw - G.gPw;
          const w1 = min(w0 + G.gKw, W);
          w0 = max(w0, 0);
          let best: f32 = -Infinity;
          let arg: i32 = -1;
          for (let d = d0; d < d1; d++) {
            for (let h = h0; h < h1; h++) {
              const base = (d * H + h) * W;
              for (let w = w0; w < w1; w++) {
                const v = load<f32>(xp + (<usize>(base + w) << 2));
                if (v > best || v != v || arg < 0) {
                  best = v;
                  arg = base + w;
                }
              }
            }
          }
          store<f32>(yp, best);
          store<i32>(ap, arg);
          yp += 4;
          ap += 4;
        }
      }
    }
  }
}

/**
 * Four outputs of a 2-wide, stride-2 window along w starting at input column w: per (d, h) of the
 * window, 8 inputs split into even and odd lanes, visited in (d, h, w) order with the scalar loop's
 * rules (strict > keeps the first maximum, a NaN wins).
 */
// @ts-ignore: decorator
@inline
function poolPairs4(xp: usize, yp: usize, ap: usize, d0: i32, d1: i32, h0: i32, h1: i32, w: i32): void {
  const H = G.gH, W = G.gW;
  let best = f32x4.splat(0);
  let arg = i32x4.splat(0);
  let first = true;
  const lanes = i32x4(0, 2, 4, 6);
  for (let d = d0; d < d1; d++) {
    for (let h = h0; h < h1; h++) {
      const base = (d * H + h) * W + w;
      const src = xp + (<usize>base << 2);
      const lo = v128.load(src);
      const hi = v128.load(src, 16);
      const even = v128.shuffle<f32>(lo, hi, 0, 2, 4, 6);
      const odd = v128.shuffle<f32>(lo, hi, 1, 3, 5, 7);
      const idxEven = i32x4.add(i32x4.splat(base), lanes);
      const idxOdd = i32x4.add(idxEven, i32x4.splat(1));
      if (first) {
        best = even;
        arg = idxEven;
        first = false;
      } else {
        const wins = v128.or(f32x4.gt(even, best), f32x4.ne(even, even));
        best = v128.bitselect(even, best, wins);
        arg = v128.bitselect(idxEven, arg, wins);
      }
      const wins = v128.or(f32x4.gt(odd, best), f32x4.ne(odd, odd));
      best = v128.bitselect(odd, best, wins);
      arg = v128.bitselect(idxOdd, arg, wins);
    }
  }
  v128.store(yp, best);
  v128.store(ap, arg);
}

/** dx (zeroed by the caller) += dy routed through the switches; planes are disjoint, so threads never collide. */
export function poolBackward(dy: usize, argmax: usize, dx: usize, m0: i32, m1: i32): void {
  const inPlane = <usize>G.gD * <usize>G.gH * <usize>G.gW;
  const outPlane = <usize>G.gDo * <usize>G.gHo * <usize>G.gWo;
  for (let pl = m0; pl < m1; pl++) {
    const xp = dx + ((<usize>pl * inPlane) << 2);
    let yp = dy + ((<usize>pl * outPlane) << 2);
    let ap = argmax + ((<usize>pl * outPlane) << 2);
    for (let i: usize = 0; i < outPlane; i++) {
      const q = xp + (<usize>load<i32>(ap) << 2);
      store<f32>(q, load<f32>(q) + load<f32>(yp));
      yp += 4;
      ap += 4;
    }
  }
}
