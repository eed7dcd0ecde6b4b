/**
 * Exact nearest neighbours over descriptor rows: cosine similarity search (`c3d search`) and
 * k-NN accuracy (how well an embedding keeps classes apart). Dots run in the SIMD arena.
 */
import type { FeatureMatrix } from './features.js';
import { SimdArena, padded } from './simd-dot.js';

/** Rows copied into a SIMD arena, padded; optionally L2-normalised (for cosine). */
class ArenaRows {
  readonly arena: SimdArena;
  readonly stride: number;
  readonly base: number;
  readonly sq: Float64Array;
  private readonly res: number;

  constructor(readonly m: FeatureMatrix, extraRows: number, normalize: boolean) {
    this.stride = padded(m.dim);
    this.arena = new SimdArena(this.stride * (m.rows + extraRows) + 8);
    this.base = this.arena.alloc(this.stride * m.rows);
    this.res = this.arena.alloc(4);
    this.sq = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      const r = m.data.subarray(i * m.dim, (i + 1) * m.dim);
      let s = 0;
      for (let j = 0; j < m.dim; j++) s += r[j]! * r[j]!;
      const scale = normalize && s > 0 ? 1 / Math.sqrt(s) : 1;
      const o = this.base + i * this.stride;
      for (let j = 0; j < m.dim; j++) this.arena.f32[o + j] = r[j]! * scale;
      this.sq[i] = normalize ? (s > 0 ? 1 : 0) : s;
    }
  }

  /** Byte pointer of row i. */
  ptr(i: number): number {
    return 4 * (this.base + i * this.stride);
  }

  /**
   * Calls visit(r, t, dot) for r = 0..count−1 and every row t, with dot = row(first + r)·row(t):
   * four query rows share each streamed row t (SIMD dot4).
   */
  blockDots(first: number, count: number, visit: (r: number, t: number, dot: number) => void): void {
    const q = [0, 1, 2, 3].map((r) => this.ptr(first + Math.min(r, count - 1))) as [number, number, number, number];
    const f = this.arena.f32;
    for (let t = 0; t < this.m.rows; t++) {
      this.arena.dot4(this.ptr(t), q[0], q[1], q[2], q[3], this.stride, 4 * this.res);
      for (let r = 0; r < count; r++) visit(r, t, f[this.res + r]!);
    }
  }
}

export interface Neighbour {
  index: number;
  score: number;
}

/** Keeps the k best (largest score) in a small sorted array. */
function pushTop(top: Neighbour[], k: number, index: number, score: number): void {
  if (top.length === k && score <= top[k - 1]!.score) return;
  let i = top.length < k ? top.length : k - 1;
  if (top.length < k) top.push({ index, score });
  while (i > 0 && top[i - 1]!.score < score) {
    top[i] = top[i - 1]!;
    i--;
  }
  top[i] = { index, score };
}

export interface CosineSearchOptions {
  /**
   * Per query row, an index row to leave out of its results (undefined: none), e.g. the query's
   * own video when it is also in the index: it would always be its own best hit.
   */
  exclude?: readonly (number | undefined)[];
}

/**
 * For each query row, the k index rows of highest cosine similarity (exact, descending). Queries
 * are processed as a batch against one normalised copy of the index.
 */
export function cosineSearch(index: FeatureMatrix, queries: FeatureMatrix, k: number, opts: CosineSearchOptions = {}): Neighbour[][] {
  if (queries.dim !== index.dim) throw new Error(`search: queries have dim ${queries.dim}, index has ${index.dim}`);
  const rows = new ArenaRows(index, 1, true);
  const q = rows.arena.alloc(rows.stride);
  const f = rows.arena.f32;
  const out: Neighbour[][] = [];
  for (let i = 0; i < queries.rows; i++) {
    const r = queries.data.subarray(i * queries.dim, (i + 1) * queries.dim);
    let s = 0;
    for (let j = 0; j < queries.dim; j++) s += r[j]! * r[j]!;
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < queries.dim; j++) f[q + j] = r[j]! * scale;
    const skip = opts.exclude?.[i];
    const candidates = index.rows - (skip !== undefined && skip >= 0 && skip < index.rows ? 1 : 0);
    const want = Math.min(k, candidates);
    const top: Neighbour[] = [];
    for (let t = 0; t < index.rows && want > 0; t++) {
      if (t !== skip) pushTop(top, want, t, rows.arena.dot(rows.ptr(t), 4 * q, rows.stride));
    }
    out.push(top);
  }
  return out;
}

/**
 * The k nearest rows (squared Euclidean) of every row, excluding itself: rows × k indices and
 * distances, nearest first.
 */
export function knnGraph(m: FeatureMatrix, k: number): { indices: Int32Array; distances: Float64Array } {
  if (!(k >= 1 && k < m.rows)) throw new Error(`knn: k must be in 1..${m.rows - 1}, got ${k}`);
  const rows = new ArenaRows(m, 0, false);
  const indices = new Int32Array(m.rows * k);
  const distances = new Float64Array(m.rows * k);
  for (let i0 = 0; i0 < m.rows; i0 += 4) {
    const count = Math.min(4, m.rows - i0);
    const tops: Neighbour[][] = Array.from({ length: count }, () => []);
    rows.blockDots(i0, count, (r, t, dot) => {
      const i = i0 + r;
      if (t !== i) pushTop(tops[r]!, k, t, -(rows.sq[i]! + rows.sq[t]! - 2 * dot));
    });
    tops.forEach((top, r) =>
      top.forEach((nb, rank) => {
        indices[(i0 + r) * k + rank] = nb.index;
        distances[(i0 + r) * k + rank] = Math.max(0, -nb.score);
      }),
    );
  }
  return { indices, distances };
}

/**
 * Leave-one-out k-NN classification accuracy (Euclidean, majority vote, ties → nearest's class),
 * over at most `maxQueries` evenly spaced query rows (all rows are candidates).
 */
export function knnAccuracy(m: FeatureMatrix, y: Int32Array, k = 5, maxQueries = 2000): number {
  const step = Math.max(1, Math.floor(m.rows / maxQueries));
  const queries: number[] = [];
  for (let i = 0; i < m.rows; i += step) queries.push(i);
  // Put the query rows first in a copy so they can be blocked four at a time.
  const order = [...queries, ...Array.from({ length: m.rows }, (_, i) => i).filter((i) => i % step !== 0)];
  const data = new Float32Array(m.rows * m.dim);
  order.forEach((src, dst) => data.set(m.data.subarray(src * m.dim, (src + 1) * m.dim), dst * m.dim));
  const rows = new ArenaRows({ rows: m.rows, dim: m.dim, data }, 0, false);
  let ok = 0;
  for (let q0 = 0; q0 < queries.length; q0 += 4) {
    const count = Math.min(4, queries.length - q0);
    const tops: Neighbour[][] = Array.from({ length: count }, () => []);
    rows.blockDots(q0, count, (r, t, dot) => {
      const i = q0 + r;
      if (t !== i) pushTop(tops[r]!, k, t, -(rows.sq[i]! + rows.sq[t]! - 2 * dot));
    });
    tops.forEach((top, r) => {
      const votes = new Map<number, number>();
      for (const nb of top) votes.set(y[order[nb.index]!]!, (votes.get(y[order[nb.index]!]!) ?? 0) + 1);
      let best = y[order[top[0]!.index]!]!, bv = votes.get(best)!;
      for (const [c, v] of votes) if (v > bv) [best, bv] = [c, v];
      if (best === y[order[q0 + r]!]) ok++;
    });
  }
  return ok / queries.length;
}
