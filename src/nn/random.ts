/** Seeded random numbers for initialisation and dropout (mulberry32 + Box–Muller): reproducible runs. */
export class SeededRandom {
  private state: number;
  private spare: number | null = null;

  constructor(seed = 1) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer (what `rand()` gives the Caffe data layer's `rand() % n`). */
  uint32 = (): number => {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };

  /** Uniform in [0, 1). */
  uniform = (): number => this.uint32() / 4294967296;

  /** The generator's whole state, to save in a checkpoint and continue exactly with `restore`. */
  snapshot(): { state: number; spare: number | null } {
    return { state: this.state, spare: this.spare };
  }

  restore(s: { state: number; spare: number | null }): void {
    this.state = s.state >>> 0;
    this.spare = s.spare;
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
}

/**
 * A seed derived from several integers (e.g. run seed, iteration, sample index): lets every sample
 * and every step draw from its own stream, so results do not depend on what was drawn before (exact
 * resume, micro-batching and prefetching all see the same numbers). MurmurHash3's 32-bit mixer.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    let k = Math.imul(p >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = ((h << 13) | (h >>> 19)) >>> 0;
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
    // High bits of a number above 2^32 (an iteration count) still change the seed.
    h ^= Math.floor(p / 4294967296) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
