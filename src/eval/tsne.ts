/**
 * Barnes–Hut t-SNE (van der Maaten, JMLR 2014) for 2-D maps of descriptors (paper fig. 6).
 *
 * Steps as in the reference bhtsne: optional PCA to `pcaDims` (default 50); exact k-NN with
 * k = ⌊3·perplexity⌋; per-point Gaussian bandwidths by binary search on the entropy; symmetric
 * sparse P; gradient descent with early exaggeration (12 for 250 iterations), momentum 0.5 → 0.8,
 * delta-bar-delta gains (min 0.01), learning rate 200; repulsive forces from a quadtree with the
 * Barnes–Hut criterion (cell size / distance < θ, default 0.5). Initial map N(0, 1e-4) from `seed`.
 */
import type { FeatureMatrix } from './features.js';
import { fitPca } from './pca.js';
import { knnGraph } from './neighbors.js';
import { Rng } from './random.js';

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  theta?: number;
  learningRate?: number;
  seed?: number;
  /** Reduce to this many dims by PCA first when the input has more (0 = never). */
  pcaDims?: number;
  onIteration?: (iteration: number, total: number) => void;
}

/** Sparse symmetric P (CSR) from the k-NN graph. */
function affinities(x: FeatureMatrix, perplexity: number): { rowPtr: Int32Array; col: Int32Array; val: Float64Array } {
  const n = x.rows;
  const k = Math.min(n - 1, Math.floor(3 * perplexity));
  const { indices, distances } = knnGraph(x, k);
  const target = Math.log(perplexity);
  const cond = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let beta = 1, lo = -Infinity, hi = Infinity;
    const d = distances.subarray(i * k, (i + 1) * k);
    const p = cond.subarray(i * k, (i + 1) * k);
    const dmin = d[0]!;
    for (let it = 0; it < 200; it++) {
      let sum = 0, hsum = 0;
      for (let j = 0; j < k; j++) {
        // Shift by the nearest distance so exp() cannot underflow to 0 for every neighbour.
        p[j] = Math.exp(-beta * (d[j]! - dmin));
        sum += p[j]!;
        hsum += beta * (d[j]! - dmin) * p[j]!;
      }
      const h = Math.log(sum) + hsum / sum;
      for (let j = 0; j < k; j++) p[j]! /= sum;
      if (Math.abs(h - target) < 1e-5) break;
      if (h > target) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  // Symmetrise: P = (P_cond + P_condᵀ) / (2n), as a map per row then CSR.
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const t = indices[i * k + j]!;
      const v = cond[i * k + j]!;
      rows[i]!.set(t, (rows[i]!.get(t) ?? 0) + v);
      rows[t]!.set(i, (rows[t]!.get(i) ?? 0) + v);
    }
  }
  const rowPtr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + rows[i]!.size;
  const col = new Int32Array(rowPtr[n]!);
  const val = new Float64Array(rowPtr[n]!);
  let total = 0;
  rows.forEach((r, i) => {
    let o = rowPtr[i]!;
    for (const [t, v] of r) {
      col[o] = t;
      val[o++] = v;
      total += v;
    }
  });
  for (let e = 0; e < val.length; e++) val[e]! /= total;
  return { rowPtr, col, val };
}

/** A point-region quadtree over the map with centres of mass, rebuilt every iteration. */
class QuadTree {
  cx = new Float64Array(0); // centre of mass (sum, divided at the end)
  cy = new Float64Array(0);
  count = new Int32Array(0);
  x0 = new Float64Array(0);
  y0 = new Float64Array(0);
  size = new Float64Array(0);
  child = new Int32Array(0); // 4 per node, −1 none
  point = new Int32Array(0); // a leaf's single point, −1 if internal / empty
  nodes = 0;

  private grow(cap: number): void {
    const g = <T extends Float64Array | Int32Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.cx = g(this.cx); this.cy = g(this.cy); this.count = g(this.count);
    this.x0 = g(this.x0); this.y0 = g(this.y0); this.size = g(this.size);
    this.child = g(this.child, 4); this.point = g(this.point);
  }

  private node(x0: number, y0: number, size: number): number {
    if (this.nodes === this.count.length) this.grow(Math.max(1024, this.nodes * 2));
    const i = this.nodes++;
    this.cx[i] = 0; this.cy[i] = 0; this.count[i] = 0;
    this.x0[i] = x0; this.y0[i] = y0; this.size[i] = size;
    this.child.fill(-1, 4 * i, 4 * i + 4);
    this.point[i] = -1;
    return i;
  }

  build(y: Float64Array, n: number): void {
    this.nodes = 0;
    let [xmin, xmax, ymin, ymax] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      xmin = Math.min(xmin, y[2 * i]!); xmax = Math.max(xmax, y[2 * i]!);
      ymin = Math.min(ymin, y[2 * i + 1]!); ymax = Math.max(ymax, y[2 * i + 1]!);
    }
    const size = Math.max(xmax - xmin, ymax - ymin) * 1.0001 + 1e-9;
    this.node(xmin, ymin, size);
    for (let i = 0; i < n; i++) this.insert(0, i, y, 0);
    for (let i = 0; i < this.nodes; i++) {
      this.cx[i]! /= this.count[i]!;
      this.cy[i]! /= this.count[i]!;
    }
  }

  private insert(root: number, p: number, y: Float64Array, depth0: number): void {
    const px = y[2 * p]!, py = y[2 * p + 1]!;
    let nd = root;
    for (let depth = depth0; ; depth++) {
      this.cx[nd] += px; this.cy[nd] += py; this.count[nd]++;
      const leafEmpty = this.count[nd] === 1;
      if (leafEmpty) {
        this.point[nd] = p;
        return;
      }
      // Very deep: coincident points share the leaf as one mass.
      if (depth > 48) return;
      const old = this.point[nd]!;
      if (old >= 0) {
        this.point[nd] = -1;
        this.descend(nd, old, y);
      }
      nd = this.quadrantChild(nd, px, py);
    }
  }

  /** Moves an existing leaf point one level down (its mass is already in `nd`). */
  private descend(nd: number, p: number, y: Float64Array): void {
    const c = this.quadrantChild(nd, y[2 * p]!, y[2 * p + 1]!);
    this.cx[c] += y[2 * p]!; this.cy[c] += y[2 * p + 1]!; this.count[c]++;
    this.point[c] = p;
  }

  private quadrantChild(nd: number, px: number, py: number): number {
    const h = this.size[nd]! / 2;
    const qx = px >= this.x0[nd]! + h ? 1 : 0, qy = py >= this.y0[nd]! + h ? 1 : 0;
    const slot = 4 * nd + qx + 2 * qy;
    let c = this.child[slot]!;
    if (c < 0) {
      c = this.node(this.x0[nd]! + qx * h, this.y0[nd]! + qy * h, h);
      this.child[slot] = c;
    }
    return c;
  }
}

/** Runs t-SNE; returns the n × 2 embedding. */
export function tsne(input: FeatureMatrix, opts: TsneOptions = {}): FeatureMatrix {
  const n = input.rows;
  const perplexity = opts.perplexity ?? 30;
  const iterations = opts.iterations ?? 1000;
  const theta = opts.theta ?? 0.5;
  const eta = opts.learningRate ?? 200;
  if (n < 4) throw new Error(`t-SNE: need at least 4 points, got ${n}`);
  if (!(perplexity > 0 && 3 * perplexity < n)) throw new Error(`t-SNE: perplexity ${perplexity} too large for ${n} points (need 3·perplexity < n)`);
  const pcaDims = opts.pcaDims ?? 50;
  const x = pcaDims > 0 && input.dim > pcaDims && n > pcaDims ? fitPca(input, pcaDims).project(input) : input;
  const P = affinities(x, perplexity);
  const rng = new Rng(opts.seed ?? 1);
  const y = Float64Array.from({ length: 2 * n }, () => 1e-4 * rng.normal());
  const gains = new Float64Array(2 * n).fill(1);
  const update = new Float64Array(2 * n);
  const grad = new Float64Array(2 * n);
  const tree = new QuadTree();
  const stack = new Int32Array(4096);
  for (let it = 0; it < iterations; it++) {
    const exaggeration = it < 250 ? 12 : 1;
    const momentum = it < 250 ? 0.5 : 0.8;
    tree.build(y, n);
    // Repulsion: Σ_j q_ij² Z² (y_i − y_j) and Z = Σ q_ij Z, approximated per cell.
    let sumQ = 0;
    const rep = grad; // reuse: rep then attr
    for (let i = 0; i < n; i++) {
      const yx = y[2 * i]!, yy = y[2 * i + 1]!;
      let fx = 0, fy = 0;
      let sp = 0;
      stack[sp++] = 0;
      while (sp > 0) {
        const nd = stack[--sp]!;
        const cnt = tree.count[nd]!;
        if (cnt === 0 || tree.point[nd] === i) continue;
        const dx = yx - tree.cx[nd]!, dy = yy - tree.cy[nd]!;
        const d2 = dx * dx + dy * dy;
        const leaf = tree.point[nd]! >= 0 || tree.child[4 * nd]! + tree.child[4 * nd + 1]! + tree.child[4 * nd + 2]! + tree.child[4 * nd + 3]! === -4;
        if (leaf || tree.size[nd]! * tree.size[nd]! < theta * theta * d2) {
          const q = 1 / (1 + d2);
          sumQ += cnt * q;
          const m = cnt * q * q;
          fx += m * dx;
          fy += m * dy;
        } else {
          for (let c = 0; c < 4; c++) {
            const ch = tree.child[4 * nd + c]!;
            if (ch >= 0) stack[sp++] = ch;
          }
        }
      }
      rep[2 * i] = fx;
      rep[2 * i + 1] = fy;
    }
    for (let i = 0; i < n; i++) {
      const yx = y[2 * i]!, yy = y[2 * i + 1]!;
      let ax = 0, ay = 0;
      for (let e = P.rowPtr[i]!; e < P.rowPtr[i + 1]!; e++) {
        const j = P.col[e]!;
        const dx = yx - y[2 * j]!, dy = yy - y[2 * j + 1]!;
        const m = (exaggeration * P.val[e]!) / (1 + dx * dx + dy * dy);
        ax += m * dx;
        ay += m * dy;
      }
      grad[2 * i] = 4 * (ax - rep[2 * i]! / sumQ);
      grad[2 * i + 1] = 4 * (ay - rep[2 * i + 1]! / sumQ);
    }
    for (let k = 0; k < 2 * n; k++) {
      const g = grad[k]!;
      gains[k] = Math.sign(g) !== Math.sign(update[k]!) ? gains[k]! + 0.2 : Math.max(0.01, gains[k]! * 0.8);
      update[k] = momentum * update[k]! - eta * gains[k]! * g;
      y[k] += update[k]!;
    }
    // Keep the map centred (as bhtsne does), so the tree bounds stay tight.
    let mx = 0, my = 0;
    for (let i = 0; i < n; i++) { mx += y[2 * i]!; my += y[2 * i + 1]!; }
    mx /= n; my /= n;
    for (let i = 0; i < n; i++) { y[2 * i] -= mx; y[2 * i + 1] -= my; }
    opts.onIteration?.(it + 1, iterations);
  }
  return { rows: n, dim: 2, data: Float32Array.from(y) };
}
