/**
 * Video-level descriptors from per-video feature files (one `<id>.npy` per video, shape (clips, dim)
 * or (dim,), as `c3d extract` and video_features write them): `DIR/<id>.npy`, or anywhere below DIR
 * under that name — `c3d extract UCF-101/` keeps the class folders (DIR/ApplyEyeMakeup/v_…_c01.npy)
 * while the split lists name videos by file name. Paper §3.3: clip fc6 activations are
 * averaged over the video, then L2-normalised. With several feature folders (one per net) each
 * net's video descriptor is normalised and the results concatenated (paper table 3, "C3D 3 nets").
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readNpy } from '../io/npy.js';
import { type FeatureMatrix, assertFinite, l2NormalizeRows, concatNormalized } from './features.js';

/** Mean over clips of one video's feature file, as float32. */
export function meanDescriptor(path: string): Float32Array {
  const a = readNpy(path);
  if (a.dtype !== 'float32' && a.dtype !== 'float64') throw new Error(`${path}: features must be float32 or float64, got ${a.dtype}`);
  let clips: number;
  let dim: number;
  if (a.shape.length === 1) [clips, dim] = [1, a.shape[0]!];
  else if (a.shape.length === 2) [clips, dim] = a.shape as [number, number];
  else throw new Error(`${path}: features must have shape (clips, dim) or (dim,), got (${a.shape.join(', ')})`);
  if (clips === 0) throw new Error(`${path}: no clips`);
  const acc = new Float64Array(dim);
  for (let c = 0; c < clips; c++) for (let j = 0; j < dim; j++) acc[j] += a.data[c * dim + j]!;
  return Float32Array.from(acc, (v) => v / clips);
}

function listOffenders(items: string[]): string {
  return items.slice(0, 10).join(', ') + (items.length > 10 ? `, … (${items.length} in all)` : '');
}

/**
 * The feature file of each id: `dir/<id>.npy` when it exists, else the one file of that name in a
 * subfolder (an id found in two subfolders is an error naming both). Throws, listing them, if some
 * ids have no file at all.
 */
export function featureFiles(dir: string, ids: readonly string[], where: string): string[] {
  let below: Map<string, string[]> | undefined;
  const missing: string[] = [];
  const twice: string[] = [];
  const paths = ids.map((id) => {
    const flat = join(dir, `${id}.npy`);
    if (existsSync(flat)) return flat;
    below ??= npyFilesBelow(dir);
    const found = below.get(`${basename(id)}.npy`) ?? [];
    if (found.length === 0) missing.push(id);
    if (found.length > 1) twice.push(`${id} (${found.slice(0, 2).join(', ')})`);
    return found[0] ?? flat;
  });
  if (missing.length > 0) throw new Error(`${where}: ${missing.length} video(s) have no features in ${dir}: ${listOffenders(missing)}`);
  if (twice.length > 0) throw new Error(`${where}: ${twice.length} video(s) have features in two subfolders of ${dir}: ${listOffenders(twice)}`);
  return paths;
}

/** Throws, listing them, if some ids have no feature file in `dir` (see featureFiles). */
export function assertFeaturesExist(dir: string, ids: readonly string[], where: string): void {
  featureFiles(dir, ids, where);
}

/** Every .npy file below `dir` (subfolders included), by file name. */
function npyFilesBelow(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.npy')) out.set(e.name, [...(out.get(e.name) ?? []), p]);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/**
 * One L2-normalised video descriptor per id (in order) from folder `dir`; with several folders the
 * per-folder descriptors are L2-normalised and concatenated. Errors list missing files, files whose
 * dim differs from the first, and descriptors with NaN/Inf.
 */
export function loadVideoDescriptors(dirs: readonly string[], ids: readonly string[], where = 'split'): FeatureMatrix {
  const parts = dirs.map((dir) => {
    const files = featureFiles(dir, ids, where);
    const vecs = files.map((f) => meanDescriptor(f));
    const dim = vecs[0]?.length ?? 0;
    const odd = ids.flatMap((id, i) => (vecs[i]!.length !== dim ? [`${id}.npy (${vecs[i]!.length})`] : []));
    if (odd.length > 0) throw new Error(`${dir}: feature dims differ (first file has ${dim}): ${listOffenders(odd)}`);
    const data = new Float32Array(ids.length * dim);
    vecs.forEach((v, i) => data.set(v, i * dim));
    const m = { rows: ids.length, dim, data };
    try {
      assertFinite(m, dir);
    } catch {
      const bad = ids.filter((_, i) => vecs[i]!.some((v) => !Number.isFinite(v)));
      throw new Error(`${dir}: NaN/Inf features for video(s) ${listOffenders(bad)}`);
    }
    return m;
  });
  return parts.length === 1 ? l2NormalizeRows(parts[0]!) : concatNormalized(parts);
}
