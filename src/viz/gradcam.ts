/**
 * Grad-CAM saliency tubes for 3D nets, as MMAction2's tool (mmaction/utils/gradcam_utils.py, after
 * SlowFast's) computes them: the class score before softmax is differentiated w.r.t. a conv blob A
 * (C, T', H', W', after its ReLU); the gradients are averaged over space per temporal slice, giving
 * weights α[c, t]; the map ReLU(Σ_c α[c, t]·A[c, t]) is upsampled trilinearly (align_corners=False)
 * to the clip's (L, H, W) and min-max normalised over the whole clip: (m − min) / (max − min + 1e-20).
 */
import type { Net } from '../nn/net.js';
import { Tensor } from '../tensor/tensor.js';
import { blobShape } from './deconv.js';

export interface GradCamResult {
  /** The saliency tube, (L, H, W) values in [0, 1]. */
  map: Tensor;
  /** Before upsampling and normalisation: ReLU(Σ_c α·A), (T', H', W'). */
  coarse: Tensor;
  /** The class explained, and its score (logit). */
  classIndex: number;
  score: number;
  /** All logits of the clip. */
  logits: Float32Array;
}

/**
 * Grad-CAM of one clip (1, 3, L, H, W) at `layer` (a conv or pool blob) for `classIndex` (default:
 * the clip's top logit).
 */
export async function gradCam(net: Net, clip: Tensor, layer: string, classIndex?: number): Promise<GradCamResult> {
  const [C, T, H, W] = blobShape(net.spec, layer);
  if (clip.shape[0] !== 1) throw new Error(`gradCam: one clip at a time, got a batch of ${clip.shape[0]}`);
  const logitsName = net.logitsName;
  const { blobs, tape } = await net.forward(clip, { outputs: [layer, logitsName], keepTape: true });
  const logits = blobs.get(logitsName)!.data;
  let cls = classIndex;
  if (cls === undefined) {
    cls = 0;
    for (let k = 1; k < logits.length; k++) if (logits[k]! > logits[cls]!) cls = k;
  } else if (!(Number.isInteger(cls) && cls >= 0 && cls < logits.length)) {
    throw new RangeError(`class ${cls} is out of range: the net has ${logits.length} classes (0…${logits.length - 1})`);
  }
  const seed = new Tensor([1, logits.length]);
  seed.data[cls] = 1;
  const { blobs: g } = await net.backward(tape!, new Map([[logitsName, seed]]), { paramGrads: false, blobGrads: [layer] });
  const grad = g.get(layer)!.data;
  const act = blobs.get(layer)!.data;
  const plane = H * W;
  const coarse = new Tensor([T, H, W]);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      const base = (c * T + t) * plane;
      let alpha = 0;
      for (let i = 0; i < plane; i++) alpha += grad[base + i]!;
      alpha /= plane;
      for (let i = 0; i < plane; i++) coarse.data[t * plane + i] += alpha * act[base + i]!;
    }
  }
  for (let i = 0; i < coarse.size; i++) if (!(coarse.data[i]! > 0)) coarse.data[i] = 0;
  const [, L, IH, IW] = net.spec.input;
  const map = resizeTrilinear(coarse, [L, IH, IW]);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (let i = 0; i < map.size; i++) map.data[i] = (map.data[i]! - lo) / (hi - lo + 1e-20);
  return { map, coarse, classIndex: cls, score: logits[cls]!, logits: logits.slice() };
}

/** Source index pairs and weights of PyTorch's linear interpolation with align_corners=False. */
function linearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(scale * (o + 0.5) - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    w1[o] = src - lo;
  }
  return { i0, i1, w1 };
}

/** Trilinear resize of a (D, H, W) volume, PyTorch's F.interpolate(mode='trilinear', align_corners=False). */
export function resizeTrilinear(x: Tensor, size: readonly [number, number, number]): Tensor {
  const [D, H, W] = [x.shape[0]!, x.shape[1]!, x.shape[2]!];
  const [OD, OH, OW] = size;
  const td = linearTaps(D, OD);
  const th = linearTaps(H, OH);
  const tw = linearTaps(W, OW);
  const y = new Tensor([OD, OH, OW]);
  const at = (d: number, h: number, w: number): number => x.data[(d * H + h) * W + w]!;
  for (let od = 0; od < OD; od++) {
    const [d0, d1, a] = [td.i0[od]!, td.i1[od]!, td.w1[od]!];
    for (let oh = 0; oh < OH; oh++) {
      const [h0, h1, b] = [th.i0[oh]!, th.i1[oh]!, th.w1[oh]!];
      for (let ow = 0; ow < OW; ow++) {
        const [w0, w1, c] = [tw.i0[ow]!, tw.i1[ow]!, tw.w1[ow]!];
        const lerpW = (d: number, h: number): number => (1 - c) * at(d, h, w0) + c * at(d, h, w1);
        const lerpH = (d: number): number => (1 - b) * lerpW(d, h0) + b * lerpW(d, h1);
        y.data[(od * OH + oh) * OW + ow] = (1 - a) * lerpH(d0) + a * lerpH(d1);
      }
    }
  }
  return y;
}
