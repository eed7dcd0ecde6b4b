/**
 * Which clips fire most strongly for each feature map (the paper grouped its 20K UCF101 clips this
 * way): every clip offers, per map, its strongest unit; each map keeps the K strongest clips. Also
 * tracks how active each map is over the whole input set, to pick the N most active maps.
 */
import { strongestSite, type ActivationSite } from './deconv.js';

/** One kept activation: the clip (any reference the caller uses), the unit and its value. */
export interface KeptActivation<R> {
  clip: R;
  site: ActivationSite;
  value: number;
}

export class TopActivations<R> {
  private readonly lists: KeptActivation<R>[][];
  /** Per map, the sum over clips of the clip's strongest value. */
  private readonly maxSums: Float64Array;
  private clipCount = 0;

  /**
   * @param shape the blob's (C, T, H, W)
   * @param k clips kept per map
   */
  constructor(readonly shape: readonly [number, number, number, number], readonly k: number) {
    if (!(Number.isSafeInteger(k) && k >= 1)) throw new RangeError(`top K must be a positive integer, got ${k}`);
    this.lists = Array.from({ length: shape[0] }, () => []);
    this.maxSums = new Float64Array(shape[0]);
  }

  get clips(): number {
    return this.clipCount;
  }

  /** One clip's blob (C·T·H·W values). */
  offer(blob: Float32Array, clip: R): void {
    const [C, T, H, W] = this.shape;
    if (blob.length !== C * T * H * W) throw new Error(`top activations: a clip's blob has ${blob.length} values, expected ${C}×${T}×${H}×${W}`);
    this.clipCount++;
    for (let map = 0; map < C; map++) {
      const { site, value } = strongestSite(blob, this.shape, map);
      this.maxSums[map] += value;
      const list = this.lists[map]!;
      if (list.length === this.k && !(value > list[this.k - 1]!.value)) continue;
      // Ties keep the earlier clip: insert after every entry ≥ value.
      let at = list.length;
      while (at > 0 && list[at - 1]!.value < value) at--;
      list.splice(at, 0, { clip, site, value });
      if (list.length > this.k) list.pop();
    }
  }

  /** The kept activations of `map`, strongest first. */
  top(map: number): readonly KeptActivation<R>[] {
    const list = this.lists[map];
    if (!list) throw new RangeError(`map ${map} is out of range (0…${this.shape[0] - 1})`);
    return list;
  }

  /** Mean over the clips seen of each map's strongest value in the clip. */
  activity(): Float64Array {
    return this.maxSums.map((s) => (this.clipCount ? s / this.clipCount : 0));
  }

  /** The `n` maps with the highest activity, most active first (ties: lower index first). */
  mostActive(n: number): number[] {
    const a = this.activity();
    return [...a.keys()].sort((x, y) => a[y]! - a[x]! || x - y).slice(0, n);
  }
}
