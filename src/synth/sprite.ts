/**
 * Sprites: the moving objects of the synthetic videos. A sprite is a random shape (ellipse, rounded
 * rectangle, regular polygon or wobbly blob) filled with a random texture, stored as a premultiplied
 * RGBA mipmap over the object's local square [-1, 1]². The shape's edge is anti-aliased from a signed
 * distance, and the mipmap lets a shrinking object stay smooth instead of shimmering.
 */
import type { SeededRandom } from '../nn/random.js';
import { type FloatImage, halveRgba, randomTexture } from './texture.js';

/** Texels across the largest mipmap level (the object's local square [-1, 1]²). */
export const SPRITE_TEXELS = 128;
/** Smallest mipmap level kept: below this the transparent margin around the shape is under a texel. */
const SMALLEST_LEVEL = 16;

export const SHAPE_KINDS = ['ellipse', 'rectangle', 'polygon', 'blob'] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** A sprite: level 0 is SPRITE_TEXELS² premultiplied RGBA, each next level half the size. */
export interface Sprite {
  shape: ShapeKind;
  levels: FloatImage[];
}

const between = (rng: SeededRandom, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

/** Largest extent of a shape in local units: keeps a transparent border inside [-1, 1]². */
const EXTENT = 0.9;

/**
 * Signed distance (local units, negative inside) of every texel centre of an n×n grid over [-1, 1]² to
 * a random shape of `kind`. Exact for polygons and rectangles, first-order for ellipses and blobs —
 * enough for a one-texel anti-aliased edge.
 */
function shapeDistance(rng: SeededRandom, kind: ShapeKind, n: number): Float32Array {
  const d = new Float32Array(n * n);
  const at = (i: number): number => ((i + 0.5) / n) * 2 - 1;
  switch (kind) {
    case 'ellipse': {
      const a = EXTENT;
      const b = EXTENT * between(rng, 0.4, 1);
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const u = at(x) / a;
          const v = at(y) / b;
          d[y * n + x] = (Math.sqrt(u * u + v * v) - 1) * b;
        }
      }
      return d;
    }
    case 'rectangle': {
      const aspect = between(rng, 0.35, 1);
      // Half-sizes such that the corner stays inside EXTENT.
      const a = EXTENT / Math.hypot(1, aspect);
      const b = a * aspect;
      const r = b * between(rng, 0, 0.5);
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const qx = Math.abs(at(x)) - (a - r);
          const qy = Math.abs(at(y)) - (b - r);
          d[y * n + x] = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
        }
      }
      return d;
    }
    case 'polygon': {
      const sides = 3 + (rng.uint32() % 4);
      const apothem = EXTENT * Math.cos(Math.PI / sides);
      const turn = rng.uniform() * 2 * Math.PI;
      const nx = Array.from({ length: sides }, (_, k) => Math.cos(turn + (2 * Math.PI * k) / sides));
      const ny = Array.from({ length: sides }, (_, k) => Math.sin(turn + (2 * Math.PI * k) / sides));
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          let m = -Infinity;
          for (let k = 0; k < sides; k++) m = Math.max(m, nx[k]! * at(x) + ny[k]! * at(y));
          d[y * n + x] = m - apothem;
        }
      }
      return d;
    }
    case 'blob': {
      // Radius r(φ) = 1 + Σ a_k cos(kφ + p_k), k = 2..5, scaled so its maximum is EXTENT.
      const amps = [2, 3, 4, 5].map(() => between(rng, 0, 0.18));
      const phases = amps.map(() => rng.uniform() * 2 * Math.PI);
      const radius = (phi: number): number => 1 + amps.reduce((s, a, k) => s + a * Math.cos((k + 2) * phi + phases[k]!), 0);
      let peak = 0;
      for (let i = 0; i < 360; i++) peak = Math.max(peak, radius((i / 360) * 2 * Math.PI));
      const scale = EXTENT / peak;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const u = at(x);
          const v = at(y);
          d[y * n + x] = Math.hypot(u, v) - scale * radius(Math.atan2(v, u));
        }
      }
      return d;
    }
  }
}

/**
 * A random sprite whose colours come from `palette`: shape, texture pattern and feature size drawn
 * from `rng`.
 */
export function randomSprite(rng: SeededRandom, palette: readonly [number, number, number][]): Sprite {
  const n = SPRITE_TEXELS;
  const shape = SHAPE_KINDS[rng.uint32() % SHAPE_KINDS.length]!;
  const dist = shapeDistance(rng, shape, n);
  const texture = randomTexture(rng, n, n, palette, n * between(rng, 0.06, 0.2));
  const texel = 2 / n;
  const data = new Float32Array(n * n * 4);
  for (let i = 0; i < n * n; i++) {
    // Coverage falls from 1 to 0 across one texel centred on the edge.
    const alpha = Math.min(1, Math.max(0, 0.5 - dist[i]! / texel));
    data[4 * i] = texture.data[3 * i]! * alpha;
    data[4 * i + 1] = texture.data[3 * i + 1]! * alpha;
    data[4 * i + 2] = texture.data[3 * i + 2]! * alpha;
    data[4 * i + 3] = alpha;
  }
  const levels: FloatImage[] = [{ width: n, height: n, channels: 4, data }];
  while (levels[levels.length - 1]!.width > SMALLEST_LEVEL) levels.push(halveRgba(levels[levels.length - 1]!));
  return { shape, levels };
}
