/**
 * Where and how features are written. Per video: a `.npy` (numpy reads it unchanged) or `.txt` per layer,
 * written atomically (temp + rename), so a file that exists is complete — that is what makes a job
 * resumable. One-file formats (HDF5, JSON lines) are assembled at the end of the job from those
 * per-video parts, also atomically.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeNpy, readNpy } from '../io/npy.js';
import { writeBytesAtomic } from '../io/atomic.js';

import { segmentFeatures, videoDescriptor, type ClipFeatures } from './aggregate.js';

/** npy: one .npy per video; txt: one text file per video (a row per line, UCF-Crime style); hdf5/jsonl: one file. */
export type OutputFormat = 'npy' | 'txt' | 'hdf5' | 'jsonl';
/** `video`: one L2-normalised mean per video (paper); `clips`: clips × dim; `segments`: UCF-Crime S × dim. */
export type OutputMode = 'video' | 'clips' | 'segments';

/** A linear projection applied to every output row (e.g. PCA to 500 dims, ActivityNet). */
export interface RowProjection {
  inputDim: number;
  outputDim: number;
  /** Projects `rows` rows of `inputDim` values each. */
  project(data: Float32Array, rows: number): Float32Array;
}

export interface OutputOptions {
  outDir: string;
  format: OutputFormat;
  mode: OutputMode;
  layers: readonly string[];
  /** Segments for mode `segments` (default 32). */
  segments?: number;
  pca?: RowProjection;
}

/** An output array: `shape` is (dim,) or (rows, dim). */
export interface OutputArray {
  shape: number[];
  data: Float32Array;
}

/** Folder (under outDir) holding per-video parts of one-file formats. */
export const PARTS_DIR = '.c3d-parts';

/** The file that holds a video's `layer` features: `DIR/<id>.npy`, or `DIR/<id>.<layer>.npy` for several layers. */
export function outputPath(o: OutputOptions, id: string, layer: string): string {
  const perVideo = o.format === 'npy' || o.format === 'txt';
  const root = perVideo ? o.outDir : join(o.outDir, PARTS_DIR);
  const ext = o.format === 'txt' ? 'txt' : 'npy';
  return join(root, o.layers.length > 1 ? `${id}.${layer}.${ext}` : `${id}.${ext}`);
}

/** Text form: one row per line, values separated by spaces, 9 significant digits (float32 round-trips). */
export function formatText(a: OutputArray): string {
  const dim = a.shape[a.shape.length - 1];
  const lines: string[] = [];
  for (let r = 0; r < a.data.length / dim; r++) {
    const row: string[] = [];
    for (let j = 0; j < dim; j++) row.push(Number(a.data[r * dim + j].toPrecision(9)).toString());
    lines.push(row.join(' '));
  }
  return lines.join('\n') + '\n';
}

/** True when every layer file of this video exists (it was finished by an earlier run). */
export function isDone(o: OutputOptions, id: string): boolean {
  return o.layers.every((l) => existsSync(outputPath(o, id, l)));
}

/**
 * Removes temp files a killed run left beside this video's outputs (`<file>.tmp-<pid>-<n>`), when
 * the process that wrote them is gone; a live writer's temp files are left alone.
 */
export function removeStaleTemps(o: OutputOptions, id: string): void {
  for (const layer of o.layers) {
    const path = outputPath(o, id, layer);
    let names: string[];
    try {
      names = readdirSync(dirname(path));
    } catch {
      continue;
    }
    const prefix = `${basename(path)}.tmp-`;
    for (const n of names) {
      if (!n.startsWith(prefix)) continue;
      const pid = Number(n.slice(prefix.length).split('-')[0]);
      if (Number.isSafeInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
      rmSync(join(dirname(path), n), { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The array written for one layer of one video, per the mode and optional projection. */
export function shapeOutput(o: OutputOptions, f: ClipFeatures): OutputArray {
  let rows: number;
  let data: Float32Array;
  switch (o.mode) {
    case 'clips':
      rows = f.clips;
      data = f.data;
      break;
    case 'segments':
      rows = o.segments ?? 32;
      data = segmentFeatures(f, rows);
      break;
    case 'video':
      rows = 1;
      data = videoDescriptor(f);
      break;
  }
  let dim = f.dim;
  if (o.pca) {
    if (o.pca.inputDim !== dim) throw new Error(`--pca expects ${o.pca.inputDim}-d features, the layer has ${dim}`);
    data = o.pca.project(data, rows);
    dim = o.pca.outputDim;
  }
  return { shape: o.mode === 'video' ? [dim] : [rows, dim], data };
}

/** Writes a video's outputs, each file atomically. Returns the paths written. */
export function writeVideoOutputs(o: OutputOptions, id: string, layers: Map<string, ClipFeatures>): string[] {
  const written: string[] = [];
  for (const layer of o.layers) {
    const f = layers.get(layer);
    if (!f) throw new Error(`no '${layer}' features for ${id}`);
    const path = outputPath(o, id, layer);
    mkdirSync(dirname(path), { recursive: true });
    const a = shapeOutput(o, f);
    if (o.format === 'txt') writeBytesAtomic(path, formatText(a));
    else writeNpy(path, a);
    written.push(path);
  }
  return written;
}

/** The one-file output of a job: `DIR/features.h5` or `DIR/features.jsonl`. */
export function combinedPath(o: OutputOptions): string {
  return join(o.outDir, o.format === 'hdf5' ? 'features.h5' : 'features.jsonl');
}

/**
 * Assembles the one-file format from the parts of `ids` that are done (in order). HDF5 follows the
 * ActivityNet layout: a group per video id with dataset `c3d_features` (one layer) or one dataset per
 * layer name (several). JSON lines: `{"id", "layer", "shape", "data"}` per video and layer.
 */
export async function assembleCombined(o: OutputOptions, ids: readonly string[]): Promise<string> {
  const path = combinedPath(o);
  const done = ids.filter((id) => isDone(o, id));
  if (o.format === 'jsonl') {
    const lines: string[] = [];
    for (const id of done) {
      for (const layer of o.layers) {
        const a = readNpy(outputPath(o, id, layer));
        lines.push(JSON.stringify({ id, layer, shape: a.shape, data: Array.from(a.data) }));
      }
    }
    writeBytesAtomic(path, lines.join('\n') + (lines.length ? '\n' : ''));
  } else if (o.format === 'hdf5') {
    await writeHdf5(path, o, done);
  }
  return path;
}

async function writeHdf5(path: string, o: OutputOptions, ids: readonly string[]): Promise<void> {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const tmp = `${path}.tmp-${process.pid}`;
  const file = new h5wasm.File(tmp, 'w');
  try {
    const made = new Set<string>();
    const group = (path: string): NonNullable<ReturnType<typeof file.create_group>> => {
      // h5wasm creates one level at a time: make parents of nested ids (folder layouts) first.
      const parts = path.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const p = parts.slice(0, i).join('/');
        if (!made.has(p)) {
          file.create_group(p);
          made.add(p);
        }
      }
      return file.get(path) as NonNullable<ReturnType<typeof file.create_group>>;
    };
    for (const id of ids) {
      const g = group(id);
      for (const layer of o.layers) {
        const a = readNpy(outputPath(o, id, layer));
        g.create_dataset({ name: o.layers.length > 1 ? layer : 'c3d_features', data: a.data as Float32Array, shape: a.shape, dtype: '<f4' });
      }
    }
  } catch (e) {
    file.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  file.close();
  renameSync(tmp, path);
}
