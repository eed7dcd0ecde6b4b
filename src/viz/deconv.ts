/**
 * Projecting one activation of a conv or pool blob back to the input clip (paper fig. 4, app. B;
 * Zeiler & Fergus 2014). One activation is kept, every other value of the layer zeroed, and the
 * signal walks the forward pass's tape down to the pixels: max-unpooling through the recorded
 * switches, transposed 3D convolution with the same filters (flipped in time, height and width),
 * biases left out — Net.backward without parameter gradients. The three rules differ only at the
 * ReLUs (see ReluRule in src/nn/net.ts): 'deconvnet' (the paper's), 'guided', 'gradient'.
 */
import type { Net, ReluRule, Tape } from '../nn/net.js';
import { blobShapes, type NetSpec } from '../models/index.js';
import { Tensor } from '../tensor/tensor.js';

/** The projection rules; 'deconvnet' is the paper's. */
export type ProjectionMethod = ReluRule;

export const PROJECTION_METHODS: readonly ProjectionMethod[] = ['deconvnet', 'guided', 'gradient'];

/** One unit of a blob (C, T, H, W): feature map `map` at position (t, y, x). */
export interface ActivationSite {
  map: number;
  t: number;
  y: number;
  x: number;
}

/** The blobs whose activations can be projected: every conv (after its ReLU) and pool output. */
export function projectableBlobs(spec: NetSpec): string[] {
  const names = spec.layers.filter((l) => l.type === 'conv3d' || l.type === 'pool3d').map((l) => l.name);
  // A conv's blob is named after it (its ReLU acts in place), a pool's likewise.
  const shapes = blobShapes(spec);
  return names.filter((n) => shapes.get(n)?.length === 4);
}

/** Shape (C, T, H, W) of a projectable blob; throws naming the known ones otherwise. */
export function blobShape(spec: NetSpec, layer: string): [number, number, number, number] {
  const known = projectableBlobs(spec);
  if (!known.includes(layer)) throw new Error(`unknown layer '${layer}' (conv and pool blobs of ${spec.name}: ${known.join(', ')})`);
  const s = blobShapes(spec).get(layer)!;
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}

/** The strongest unit of feature map `map` in one clip's blob (C·T·H·W values): first maximum in scan order. */
export function strongestSite(blob: Float32Array, shape: readonly [number, number, number, number], map: number): { site: ActivationSite; value: number } {
  const [, T, H, W] = shape;
  const plane = T * H * W;
  let best = 0;
  let value = -Infinity;
  for (let i = 0; i < plane; i++) {
    const v = blob[map * plane + i]!;
    if (v > value) {
      value = v;
      best = i;
    }
  }
  return { site: { map, t: Math.floor(best / (H * W)), y: Math.floor(best / W) % H, x: best % W }, value };
}

/**
 * Projects the unit `site` of `layer` (value `value`, usually its forward activation, as Zeiler &
 * Fergus feed the kept activation) back to the input: a (3, L, H, W) tensor in the net's input
 * channel order. `tape` is a one-clip forward pass (`net.forward(clip, { outputs: [layer], keepTape:
 * true })`); it is only read, so one tape serves any number of projections. Linear in `value`.
 */
export async function projectActivation(
  net: Net,
  tape: Tape,
  layer: string,
  site: ActivationSite,
  value: number,
  method: ProjectionMethod = 'deconvnet',
): Promise<Tensor> {
  if (tape.batch !== 1) throw new Error(`projectActivation: the tape must be of one clip, got ${tape.batch}`);
  const [C, T, H, W] = blobShape(net.spec, layer);
  const { map, t, y, x } = site;
  if (!(map >= 0 && map < C && t >= 0 && t < T && y >= 0 && y < H && x >= 0 && x < W && [map, t, y, x].every(Number.isInteger))) {
    throw new RangeError(`${layer}: site (map ${map}, t ${t}, y ${y}, x ${x}) is outside its ${C}×${T}×${H}×${W} blob`);
  }
  const seed = new Tensor([1, C, T, H, W]);
  seed.data[((map * T + t) * H + y) * W + x] = value;
  const r = await net.backward(tape, new Map([[layer, seed]]), { reluRule: method, paramGrads: false, inputGrad: true });
  return r.input!.reshape(net.spec.input);
}
