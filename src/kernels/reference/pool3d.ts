/**
 * 3D max pooling with switches (the argmax of every window), and its backward pass that routes
 * each gradient to the input element that won. Layout NCDHW.
 *
 * Window (od, oh, ow) covers input positions od·s − pad … od·s − pad + k − 1 on each axis,
 * clipped to the input: padded positions never win (they act as −∞), and the last window may be
 * ragged under 'ceil' rounding (C3D's pool5: 7 → 4 with windows {0,1},{2,3},{4,5},{6}).
 * Ties go to the first maximum in scan order (d, then h, then w), and a NaN propagates (wins),
 * as in PyTorch's CPU kernel (`val > max || isnan(val)`).
 */
import type { Pool3dParams, PoolResult } from '../api.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkPoolBackward, checkTensor, shapeOfPool3d } from './validate.js';

export function maxPool3dForward(x: Tensor, p: Pool3dParams): PoolResult {
  const op = 'maxPool3dForward';
  const xs = checkTensor(op, x, 'x', 5);
  const ys = shapeOfPool3d(op, xs, p);
  const [N, C, D, H, W] = xs;
  const [, , OD, OH, OW] = ys;
  const [KD, KH, KW] = p.kernel;
  const [SD, SH, SW] = p.stride;
  const [PD, PH, PW] = p.pad;
  const xVol = D * H * W;
  const y = new Tensor(ys);
  const argmax = new Int32Array(y.size);
  let out = 0;
  for (let plane = 0; plane < N * C; plane++) {
    const xBase = plane * xVol;
    for (let od = 0; od < OD; od++) {
      const d0 = Math.max(od * SD - PD, 0);
      const d1 = Math.min(od * SD - PD + KD, D);
      for (let oh = 0; oh < OH; oh++) {
        const h0 = Math.max(oh * SH - PH, 0);
        const h1 = Math.min(oh * SH - PH + KH, H);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = Math.max(ow * SW - PW, 0);
          const w1 = Math.min(ow * SW - PW + KW, W);
          // Start from the window's first real element, so an all −∞ window still has a switch.
          let best = (d0 * H + h0) * W + w0;
          let max = -Infinity;
          for (let d = d0; d < d1; d++) {
            for (let h = h0; h < h1; h++) {
              for (let w = w0; w < w1; w++) {
                const i = (d * H + h) * W + w;
                const v = x.data[xBase + i];
                if (v > max || Number.isNaN(v)) {
                  max = v;
                  best = i;
                }
              }
            }
          }
          y.data[out] = x.data[xBase + best];
          argmax[out] = best;
          out++;
        }
      }
    }
  }
  return { y, argmax };
}

/** dx[n,c,argmax] += dy[n,c,·]: overlapping windows that pick the same element add up. */
export function maxPool3dBackward(dy: Tensor, argmax: Int32Array, xShape: readonly number[]): Tensor {
  const op = 'maxPool3dBackward';
  const { ds, xs } = checkPoolBackward(op, dy, argmax, xShape);
  const xVol = xs[2] * xs[3] * xs[4];
  const yVol = ds[2] * ds[3] * ds[4];
  const acc = new Float64Array(xs[0] * xs[1] * xVol);
  for (let plane = 0; plane < ds[0] * ds[1]; plane++) {
    for (let i = 0; i < yVol; i++) {
      const j = plane * yVol + i;
      acc[plane * xVol + argmax[j]] += dy.data[j];
    }
  }
  return new Tensor(xs, Float32Array.from(acc));
}
