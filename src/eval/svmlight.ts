/**
 * LIBSVM/LIBLINEAR text format (`label idx:value ...`, 1-based indices), used to hand the same data
 * to Debian's `liblinear-train` in the comparison tool and the benchmark, and to read its models.
 */
import { createWriteStream } from 'node:fs';
import { readFileSync } from 'node:fs';
import type { FeatureMatrix } from './features.js';

/** Streams `m` with integer labels `y` to `path` in LIBSVM format (all values, %.7g). */
export async function writeSvmlight(path: string, m: FeatureMatrix, y: ArrayLike<number>): Promise<void> {
  const out = createWriteStream(path);
  const done = new Promise<void>((res, rej) => {
    out.on('finish', () => res());
    out.on('error', rej);
  });
  for (let i = 0; i < m.rows; i++) {
    const parts: string[] = [String(y[i])];
    const o = i * m.dim;
    for (let j = 0; j < m.dim; j++) {
      const v = m.data[o + j]!;
      if (v !== 0) parts.push(`${j + 1}:${Number(v.toPrecision(8))}`);
    }
    if (!out.write(parts.join(' ') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await done;
}

/** A LIBLINEAR model file: labels in model order, bias, and the weight matrix as stored (dim × models). */
export interface LiblinearModelFile {
  labels: number[];
  bias: number;
  nrFeature: number;
  /** Row j holds feature j's weight for each model (LIBLINEAR's layout), models = labels.length or 1. */
  w: number[][];
}

export function readLiblinearModel(path: string): LiblinearModelFile {
  const lines = readFileSync(path, 'utf8').split('\n');
  let labels: number[] = [];
  let bias = -1;
  let nrFeature = 0;
  let i = 0;
  for (; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === 'w') break;
    const [key, ...rest] = l.split(/\s+/);
    if (key === 'label') labels = rest.map(Number);
    else if (key === 'bias') bias = Number(rest[0]);
    else if (key === 'nr_feature') nrFeature = Number(rest[0]);
  }
  const w = lines.slice(i + 1).filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/).map(Number));
  return { labels, bias, nrFeature, w };
}
