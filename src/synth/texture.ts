/**
 * Procedural textures for the synthetic motion videos: value noise, stripes, checkers and blobs in
 * random colours. Every texture is drawn from a SeededRandom, so a video's look is a pure function of
 * its seed. Images are float RGB(A) in 0–255, interleaved, row-major: the renderer samples them
 * bilinearly and quantises once per frame.
 */
import type { SeededRandom } from '../nn/random.js';

/** A float image: `channels` (3 = RGB, 4 = premultiplied RGBA) values per pixel, 0–255, row-major. */
export interface FloatImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

/** The pattern families a texture is drawn from (one per texture, chosen at random). */
export const TEXTURE_KINDS = ['noise', 'stripes', 'checkers', 'blobs'] as const;
export type TextureKind = (typeof TEXTURE_KINDS)[number];

type Rgb = [number, number, number];

/** HSV (h in turns, s and v in 0–1) → RGB 0–255. */
export function hsvToRgb(h: number, s: number, v: number): Rgb {
  const hh = ((h % 1) + 1) % 1 * 6;
  const i = Math.floor(hh);
  const f = hh - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const [r, g, b] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return [255 * r!, 255 * g!, 255 * b!];
}

const between = (rng: SeededRandom, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

/**
 * Two to three related colours whose brightness lies in [vLo, vHi]: a base hue with small hue
 * shifts, so a texture reads as one surface. The object and the background get palettes from
 * disjoint brightness bands (see scene.ts), so the object never vanishes into the background.
 */
export function randomPalette(rng: SeededRandom, vLo: number, vHi: number): Rgb[] {
  const hue = rng.uniform();
  const sat = between(rng, 0.2, 0.95);
  const n = 2 + (rng.uint32() % 2);
  const out: Rgb[] = [];
  for (let i = 0; i < n; i++) {
    out.push(hsvToRgb(hue + between(rng, -0.12, 0.12), Math.min(1, Math.max(0, sat + between(rng, -0.2, 0.2))), between(rng, vLo, vHi)));
  }
  return out;
}

/** Fills `field` (w×h, values in 0–1) with fractal value noise: smooth random lattices, 3 octaves. */
function valueNoise(rng: SeededRandom, field: Float32Array, w: number, h: number, cell: number): void {
  field.fill(0);
  let amp = 1;
  let total = 0;
  for (let octave = 0; octave < 3; octave++, cell /= 2, amp /= 2) {
    const c = Math.max(1.5, cell);
    const gw = Math.ceil(w / c) + 2;
    const gh = Math.ceil(h / c) + 2;
    const lattice = new Float32Array(gw * gh);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng.uniform();
    for (let y = 0; y < h; y++) {
      const gy = y / c;
      const y0 = Math.floor(gy);
      let fy = gy - y0;
      fy = fy * fy * (3 - 2 * fy);
      const r0 = y0 * gw;
      const r1 = r0 + gw;
      for (let x = 0; x < w; x++) {
        const gx = x / c;
        const x0 = Math.floor(gx);
        let fx = gx - x0;
        fx = fx * fx * (3 - 2 * fx);
        const top = lattice[r0 + x0]! + (lattice[r0 + x0 + 1]! - lattice[r0 + x0]!) * fx;
        const bottom = lattice[r1 + x0]! + (lattice[r1 + x0 + 1]! - lattice[r1 + x0]!) * fx;
        field[y * w + x]! += amp * (top + (bottom - top) * fy);
      }
    }
    total += amp;
  }
  for (let i = 0; i < field.length; i++) field[i]! /= total;
}

/** Stripes at a random angle: a sine profile sharpened by a random amount (soft to nearly hard edges). */
function stripes(rng: SeededRandom, field: Float32Array, w: number, h: number, scale: number): void {
  const angle = rng.uniform() * Math.PI;
  const period = scale * between(rng, 0.6, 2.2);
  const sharp = between(rng, 1, 6);
  const kx = (Math.cos(angle) * 2 * Math.PI) / period;
  const ky = (Math.sin(angle) * 2 * Math.PI) / period;
  const phase = rng.uniform() * 2 * Math.PI;
  const norm = Math.tanh(sharp);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) field[y * w + x] = 0.5 + (0.5 * Math.tanh(sharp * Math.sin(kx * x + ky * y + phase))) / norm;
  }
}

/** A rotated checkerboard with soft (anti-aliased) cell edges. */
function checkers(rng: SeededRandom, field: Float32Array, w: number, h: number, scale: number): void {
  const angle = rng.uniform() * Math.PI;
  const cell = scale * between(rng, 0.5, 1.5);
  const c = Math.cos(angle) / cell;
  const s = Math.sin(angle) / cell;
  const ox = rng.uniform();
  const oy = rng.uniform();
  const edge = Math.min(0.5, 1 / cell); // about one pixel of blur across a cell edge
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = c * x + s * y + ox;
      const v = -s * x + c * y + oy;
      // Distance (in cells) to the nearest cell edge along each axis, signed by which cell we are in.
      const fu = u - Math.floor(u);
      const fv = v - Math.floor(v);
      const su = Math.min(1, Math.min(fu, 1 - fu) / edge);
      const sv = Math.min(1, Math.min(fv, 1 - fv) / edge);
      const parity = (Math.floor(u) + Math.floor(v)) & 1 ? 1 : -1;
      field[y * w + x] = 0.5 + 0.5 * parity * su * sv;
    }
  }
}

/** Random Gaussian blobs on a zero field, normalised to 0–1. */
function blobs(rng: SeededRandom, field: Float32Array, w: number, h: number, scale: number): void {
  field.fill(0);
  const n = 4 + (rng.uint32() % 9);
  for (let b = 0; b < n; b++) {
    const cx = rng.uniform() * w;
    const cy = rng.uniform() * h;
    const r = scale * between(rng, 0.5, 2);
    const amp = between(rng, 0.4, 1) * (rng.uniform() < 0.25 ? -1 : 1);
    const inv = 1 / (2 * r * r);
    const x0 = Math.max(0, Math.floor(cx - 3 * r));
    const x1 = Math.min(w, Math.ceil(cx + 3 * r));
    const y0 = Math.max(0, Math.floor(cy - 3 * r));
    const y1 = Math.min(h, Math.ceil(cy + 3 * r));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) field[y * w + x]! += amp * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) * inv);
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of field) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  for (let i = 0; i < field.length; i++) field[i] = (field[i]! - lo) / span;
}

/**
 * A random texture of `w`×`h` RGB pixels (0–255): a pattern field (kind drawn at random) mapped through
 * `palette` (piecewise linear between its colours), plus a little fine grain. `scale` is the pattern's
 * typical feature size in pixels.
 */
export function randomTexture(rng: SeededRandom, w: number, h: number, palette: readonly Rgb[], scale: number): FloatImage {
  const field = new Float32Array(w * h);
  const kind = TEXTURE_KINDS[rng.uint32() % TEXTURE_KINDS.length]!;
  switch (kind) {
    case 'noise':
      valueNoise(rng, field, w, h, scale * between(rng, 1, 3));
      break;
    case 'stripes':
      stripes(rng, field, w, h, scale);
      break;
    case 'checkers':
      checkers(rng, field, w, h, scale);
      break;
    case 'blobs':
      blobs(rng, field, w, h, scale);
      break;
  }
  const data = new Float32Array(w * h * 3);
  const segments = palette.length - 1;
  const grain = between(rng, 0, 10);
  for (let i = 0; i < w * h; i++) {
    const t = Math.min(1, Math.max(0, field[i]!)) * segments;
    const k = Math.min(segments - 1, Math.floor(t));
    const f = t - k;
    const a = palette[k]!;
    const b = palette[k + 1]!;
    const g = grain * (rng.uniform() - 0.5);
    data[3 * i] = a[0] + (b[0] - a[0]) * f + g;
    data[3 * i + 1] = a[1] + (b[1] - a[1]) * f + g;
    data[3 * i + 2] = a[2] + (b[2] - a[2]) * f + g;
  }
  return { width: w, height: h, channels: 3, data };
}

/**
 * Halves a premultiplied RGBA image (2×2 box filter): one mipmap level. Premultiplied colour is what
 * makes averaging across the object's edge correct (no dark fringe).
 */
export function halveRgba(img: FloatImage): FloatImage {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const src = img.data;
  const sw = img.width * 4;
  const data = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = 2 * y * sw + 8 * x;
      const d = 4 * (y * w + x);
      for (let c = 0; c < 4; c++) data[d + c] = 0.25 * (src[s + c]! + src[s + 4 + c]! + src[s + sw + c]! + src[s + sw + 4 + c]!);
    }
  }
  return { width: w, height: h, channels: 4, data };
}
