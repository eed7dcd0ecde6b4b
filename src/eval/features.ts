/**
 * Descriptor matrices for evaluation: `rows × dim` float32, row-major. Loading from .npy, validation
 * (finite values, consistent dims) and the per-row L2 normalisation + concatenation the paper uses for
 * "C3D 3 nets".
 */
import { readNpy } from '../io/npy.js';

/** `rows` descriptors of `dim` values each, row-major in `data`. */
export interface FeatureMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

/** Wraps a row-major array; checks the size. */
export function featureMatrix(data: Float32Array, rows: number, dim: number): FeatureMatrix {
  if (data.length !== rows * dim) throw new Error(`features: ${rows}×${dim} needs ${rows * dim} values, got ${data.length}`);
  return { rows, dim, data };
}

/** Builds a matrix from rows given as arrays (all the same length). */
export function fromRows(rows: ArrayLike<number>[]): FeatureMatrix {
  const dim = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`features: row ${i} has ${r.length} values, expected ${dim}`);
    data.set(r, i * dim);
  });
  return { rows: rows.length, dim, data };
}

/** One row as a view (no copy). */
export function row(m: FeatureMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}

/** The rows at `indices`, copied, in that order. */
export function selectRows(m: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const out = new Float32Array(indices.length * m.dim);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    out.set(m.data.subarray(i * m.dim, (i + 1) * m.dim), k * m.dim);
  }
  return { rows: indices.length, dim: m.dim, data: out };
}

/** Rows holding NaN or ±Inf. */
export function nonFiniteRows(m: FeatureMatrix): number[] {
  const bad: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    const o = i * m.dim;
    for (let j = 0; j < m.dim; j++) {
      if (!Number.isFinite(m.data[o + j]!)) {
        bad.push(i);
        break;
      }
    }
  }
  return bad;
}

/** Throws, naming `where` and up to 10 offending rows, if any value is NaN or infinite. */
export function assertFinite(m: FeatureMatrix, where: string): void {
  const bad = nonFiniteRows(m);
  if (bad.length > 0) {
    const shown = bad.slice(0, 10).join(', ') + (bad.length > 10 ? `, … (${bad.length} rows)` : '');
    throw new Error(`${where}: NaN/Inf values in row(s) ${shown}`);
  }
}

/**
 * Reads descriptors from a .npy file: float32 or float64, shape (n, dim), or (dim,) for one
 * descriptor. float64 is narrowed to float32. Rejects NaN/Inf rows.
 */
export function loadFeatures(path: string): FeatureMatrix {
  const a = readNpy(path);
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    throw new Error(`${path}: features must be float32 or float64, got ${a.dtype}`);
  }
  let rows: number;
  let dim: number;
  if (a.shape.length === 2) [rows, dim] = a.shape as [number, number];
  else if (a.shape.length === 1) [rows, dim] = [1, a.shape[0]!];
  else throw new Error(`${path}: features must have shape (n, dim) or (dim,), got (${a.shape.join(', ')})`);
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  const m = { rows, dim, data };
  assertFinite(m, path);
  return m;
}

/** Throws unless every named matrix has the same dim, listing each file's dim. */
export function assertSameDim(named: { name: string; m: FeatureMatrix }[]): void {
  const dims = new Set(named.map((n) => n.m.dim));
  if (dims.size > 1) {
    throw new Error(`feature files have different dims: ${named.map((n) => `${n.name} (${n.m.dim})`).join(', ')}`);
  }
}

/** L2-normalises each row in place (all-zero rows stay zero). Returns `m`. */
export function l2NormalizeRows(m: FeatureMatrix): FeatureMatrix {
  for (let i = 0; i < m.rows; i++) {
    const o = i * m.dim;
    let s = 0;
    for (let j = 0; j < m.dim; j++) s += m.data[o + j]! * m.data[o + j]!;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < m.dim; j++) m.data[o + j]! *= inv;
    }
  }
  return m;
}

/**
 * Multi-net descriptor (paper table 3, "C3D 3 nets"): each net's descriptor is L2-normalised, then
 * the normalised descriptors are concatenated per row. Inputs are not modified.
 */
export function concatNormalized(parts: FeatureMatrix[]): FeatureMatrix {
  if (parts.length === 0) throw new Error('concatNormalized: no feature matrices');
  const rows = parts[0]!.rows;
  parts.forEach((p, k) => {
    if (p.rows !== rows) throw new Error(`concatNormalized: part ${k} has ${p.rows} rows, part 0 has ${rows}`);
  });
  const dim = parts.reduce((a, p) => a + p.dim, 0);
  const out = new Float32Array(rows * dim);
  let off = 0;
  for (const p of parts) {
    const n = l2NormalizeRows({ rows: p.rows, dim: p.dim, data: p.data.slice() });
    for (let i = 0; i < rows; i++) out.set(n.data.subarray(i * p.dim, (i + 1) * p.dim), i * dim + off);
    off += p.dim;
  }
  return { rows, dim, data: out };
}
