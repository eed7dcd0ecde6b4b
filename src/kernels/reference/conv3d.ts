/**
 * 3D convolution (cross-correlation, as Caffe and PyTorch define it) and its three gradients,
 * written as the direct sums they are. Layout NCDHW, weights (O, C, kd, kh, kw), zero padding.
 * Sums accumulate in float64 (JS numbers / Float64Array) and are rounded to float32 once.
 */
import type { Conv3dParams, ConvForwardOptions } from '../api.js';
import { reluInPlace } from './activations.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkBias, checkExpectedShape, checkShapeArg, checkTensor, shapeOfConv3d } from './validate.js';

/** Sizes of one conv problem, read off the shapes once. */
interface ConvGeometry {
  N: number; C: number; D: number; H: number; W: number;
  O: number; KD: number; KH: number; KW: number;
  OD: number; OH: number; OW: number;
  SD: number; SH: number; SW: number;
  PD: number; PH: number; PW: number;
}

function geometry(x: readonly number[], w: readonly number[], y: readonly number[], p: Conv3dParams): ConvGeometry {
  return {
    N: x[0], C: x[1], D: x[2], H: x[3], W: x[4],
    O: w[0], KD: w[2], KH: w[3], KW: w[4],
    OD: y[2], OH: y[3], OW: y[4],
    SD: p.stride[0], SH: p.stride[1], SW: p.stride[2],
    PD: p.pad[0], PH: p.pad[1], PW: p.pad[2],
  };
}

/**
 * Visits every (kernel tap, output row) pair, with the range of output columns whose input
 * column lies inside the input: taps that land in the zero padding contribute nothing and are
 * skipped. For ow in [ow0, ow1) the output element is `yRow + ow` within its (n, o) plane and the
 * input element is `xRow + ow·SW` within its (n, c) volume; `kOff` is the tap within its (o, c)
 * kernel. The three conv ops differ only in what they multiply and where they add, so they
 * share this walk; the column loop stays in each op so it runs over contiguous memory.
 */
function forEachTapRow(
  g: ConvGeometry,
  visit: (kOff: number, yRow: number, xRow: number, ow0: number, ow1: number) => void,
): void {
  for (let kd = 0; kd < g.KD; kd++) {
    for (let kh = 0; kh < g.KH; kh++) {
      for (let kw = 0; kw < g.KW; kw++) {
        const kOff = (kd * g.KH + kh) * g.KW + kw;
        // Input column iw = ow·SW − PW + kw must lie in [0, W).
        const ow0 = Math.max(0, Math.ceil((g.PW - kw) / g.SW));
        const ow1 = Math.min(g.OW, Math.ceil((g.W + g.PW - kw) / g.SW));
        if (ow0 >= ow1) continue;
        for (let od = 0; od < g.OD; od++) {
          const id = od * g.SD - g.PD + kd;
          if (id < 0 || id >= g.D) continue;
          for (let oh = 0; oh < g.OH; oh++) {
            const ih = oh * g.SH - g.PH + kh;
            if (ih < 0 || ih >= g.H) continue;
            visit(kOff, (od * g.OH + oh) * g.OW, (id * g.H + ih) * g.W + kw - g.PW, ow0, ow1);
          }
        }
      }
    }
  }
}

/** y[n,o] = b[o] + Σ_c x[n,c] ⋆ w[o,c]; with `opts.relu`, then v < 0 ? 0 : v (NaN passes). */
export function conv3dForward(x: Tensor, w: Tensor, b: Tensor | null, p: Conv3dParams, opts: ConvForwardOptions = {}): Tensor {
  const op = 'conv3dForward';
  const xs = checkTensor(op, x, 'x', 5);
  const ws = checkTensor(op, w, 'w', 5);
  const ys = shapeOfConv3d(op, xs, ws, p);
  checkBias(op, b, ws[0], ws);
  const g = geometry(xs, ws, ys, p);
  const xVol = g.D * g.H * g.W;
  const yVol = g.OD * g.OH * g.OW;
  const kVol = g.KD * g.KH * g.KW;
  const acc = new Float64Array(yVol);
  const y = new Tensor(ys);
  const [xd, wd, SW] = [x.data, w.data, g.SW];
  for (let n = 0; n < g.N; n++) {
    for (let o = 0; o < g.O; o++) {
      acc.fill(b === null ? 0 : b.data[o]);
      for (let c = 0; c < g.C; c++) {
        const xBase = (n * g.C + c) * xVol;
        const wBase = (o * g.C + c) * kVol;
        forEachTapRow(g, (kOff, yRow, xRow, ow0, ow1) => {
          const wv = wd[wBase + kOff];
          const xRowBase = xBase + xRow;
          for (let ow = ow0; ow < ow1; ow++) acc[yRow + ow] += xd[xRowBase + ow * SW] * wv;
        });
      }
      y.data.set(acc, (n * g.O + o) * yVol);
    }
  }
  return opts.relu === true ? reluInPlace(y) : y;
}

/** dx[n,c] = Σ_o dy[n,o] scattered back through w[o,c]: the transpose of the forward sum. */
export function conv3dBackwardInput(dy: Tensor, w: Tensor, xShape: readonly number[], p: Conv3dParams): Tensor {
  const op = 'conv3dBackwardInput';
  const ds = checkTensor(op, dy, 'dy', 5);
  const ws = checkTensor(op, w, 'w', 5);
  const xs = checkShapeArg(op, xShape, 'xShape', 5);
  checkExpectedShape(op, ds, shapeOfConv3d(op, xs, ws, p), 'dy', `conv output of xShape [${xs.join(', ')}] and w [${ws.join(', ')}]`);
  const g = geometry(xs, ws, ds, p);
  const xVol = g.D * g.H * g.W;
  const yVol = g.OD * g.OH * g.OW;
  const kVol = g.KD * g.KH * g.KW;
  const acc = new Float64Array(g.N * g.C * xVol);
  const [dyd, wd, SW] = [dy.data, w.data, g.SW];
  for (let n = 0; n < g.N; n++) {
    for (let o = 0; o < g.O; o++) {
      const yBase = (n * g.O + o) * yVol;
      for (let c = 0; c < g.C; c++) {
        const xBase = (n * g.C + c) * xVol;
        const wBase = (o * g.C + c) * kVol;
        forEachTapRow(g, (kOff, yRow, xRow, ow0, ow1) => {
          const wv = wd[wBase + kOff];
          const xRowBase = xBase + xRow;
          const yRowBase = yBase + yRow;
          for (let ow = ow0; ow < ow1; ow++) acc[xRowBase + ow * SW] += dyd[yRowBase + ow] * wv;
        });
      }
    }
  }
  return new Tensor(xs, Float32Array.from(acc));
}

/** dw[o,c] = Σ_n Σ_positions dy[n,o] · x[n,c] at the tap's input position. */
export function conv3dBackwardWeight(x: Tensor, dy: Tensor, wShape: readonly number[], p: Conv3dParams): Tensor {
  const op = 'conv3dBackwardWeight';
  const xs = checkTensor(op, x, 'x', 5);
  const ds = checkTensor(op, dy, 'dy', 5);
  const ws = checkShapeArg(op, wShape, 'wShape', 5);
  checkExpectedShape(op, ds, shapeOfConv3d(op, xs, ws, p), 'dy', `conv output of x [${xs.join(', ')}] and wShape [${ws.join(', ')}]`);
  const g = geometry(xs, ws, ds, p);
  const xVol = g.D * g.H * g.W;
  const yVol = g.OD * g.OH * g.OW;
  const kVol = g.KD * g.KH * g.KW;
  const acc = new Float64Array(g.O * g.C * kVol);
  const [xd, dyd, SW] = [x.data, dy.data, g.SW];
  for (let n = 0; n < g.N; n++) {
    for (let o = 0; o < g.O; o++) {
      const yBase = (n * g.O + o) * yVol;
      for (let c = 0; c < g.C; c++) {
        const xBase = (n * g.C + c) * xVol;
        const wBase = (o * g.C + c) * kVol;
        forEachTapRow(g, (kOff, yRow, xRow, ow0, ow1) => {
          const xRowBase = xBase + xRow;
          const yRowBase = yBase + yRow;
          let sum = 0;
          for (let ow = ow0; ow < ow1; ow++) sum += dyd[yRowBase + ow] * xd[xRowBase + ow * SW];
          acc[wBase + kOff] += sum;
        });
      }
    }
  }
  return new Tensor(ws, Float32Array.from(acc));
}

/** db[o] = Σ over n, d, h, w of dy[n,o]. */
export function conv3dBackwardBias(dy: Tensor): Tensor {
  const ds = checkTensor('conv3dBackwardBias', dy, 'dy', 5);
  const [N, O] = ds;
  const vol = ds[2] * ds[3] * ds[4];
  const db = new Tensor([O]);
  for (let o = 0; o < O; o++) {
    let sum = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * O + o) * vol;
      for (let i = 0; i < vol; i++) sum += dy.data[base + i];
    }
    db.data[o] = sum;
  }
  return db;
}
