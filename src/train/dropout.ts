/**
 * Dropout masks drawn by the training loop, one seeded stream per (iteration, layer, sample): the same
 * sample gets the same mask however the batch is split into micro-batches, whichever backend runs the
 * step, and after a resume. Caffe's rule: a unit is kept when u ≥ p (u uniform in [0, 1)).
 */
import type { NetSpec } from '../models/spec.js';
import { analyzeSpec } from '../models/shapes.js';
import { SeededRandom, mixSeed } from '../nn/random.js';

/** Stream tag, so dropout draws never coincide with data-sampling draws of the same seed. */
const DROPOUT_STREAM = 0x64726f70; // "drop"

export interface DropoutSite {
  name: string;
  p: number;
  /** Units per sample (the layer's input size without the batch dim). */
  units: number;
}

/** The spec's active dropout layers (p > 0), in order. */
export function dropoutSites(spec: NetSpec): DropoutSite[] {
  return analyzeSpec(spec).flatMap((info) => {
    const l = info.layer;
    if (l.type !== 'dropout' || !(l.p > 0)) return [];
    return [{ name: l.name, p: l.p, units: info.inShape.reduce((a, b) => a * b, 1) }];
  });
}

/** Applies `--dropout P` to every dropout layer of a spec (a new spec; p = 0 turns dropout off). */
export function withDropout(spec: NetSpec, p: number): NetSpec {
  if (!(p >= 0 && p < 1)) throw new RangeError(`--dropout must be in [0, 1), got ${p}`);
  return { ...spec, layers: spec.layers.map((l) => (l.type === 'dropout' ? { ...l, p } : l)) };
}

/**
 * Keep-masks for samples [first, first + count) of iteration `iteration`'s batch: per site a
 * (count × units) Uint8Array, sample-major as the activations are laid out.
 */
export function dropoutMasks(sites: readonly DropoutSite[], seed: number, iteration: number, first: number, count: number): Map<string, Uint8Array> {
  const masks = new Map<string, Uint8Array>();
  sites.forEach((site, k) => {
    const mask = new Uint8Array(count * site.units);
    for (let s = 0; s < count; s++) {
      const rng = new SeededRandom(mixSeed(seed, DROPOUT_STREAM, iteration, k, first + s));
      const row = s * site.units;
      for (let i = 0; i < site.units; i++) mask[row + i] = rng.uniform() >= site.p ? 1 : 0;
    }
    masks.set(site.name, mask);
  });
  return masks;
}
