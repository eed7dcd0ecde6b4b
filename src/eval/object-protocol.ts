/**
 * Paper §6 object protocol (egocentric objects, Ren & Philipose): a 16-frame window slides over
 * each frame-labelled video; a clip's label is its most frequent frame label (ties → the label that
 * occurs first in the clip), and clips whose top label covers fewer than 8 frames are dropped from
 * training and testing. The paper does not give the window stride; default 16 (non-overlapping,
 * like its other clip features), `stride` to change it.
 *
 * Inputs: a list file with lines "VIDEO FRAME_LABELS.txt" (frame label file: one label per frame,
 * relative paths resolved from the list file's folder) and `<featuresDir>/<VIDEO>.npy` whose row c
 * is the descriptor of the window starting at frame c·stride.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { readNpy } from '../io/npy.js';
import type { FeatureMatrix } from './features.js';
import { assertFinite } from './features.js';
import { readLabels } from './labels.js';

export const CLIP_LENGTH = 16;
export const MIN_TOP_LABEL_FRAMES = 8;

/** A clip's label from its frames' labels, or undefined when the top label covers < 8 frames. */
export function clipLabel(frames: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const f of frames) counts.set(f, (counts.get(f) ?? 0) + 1);
  let best: string | undefined;
  let bc = 0;
  for (const [l, c] of counts) if (c > bc) [best, bc] = [l, c]; // Map keeps first-occurrence order
  return bc >= MIN_TOP_LABEL_FRAMES ? best : undefined;
}

/** Label per sliding window (undefined = dropped) for one video's frame labels. */
export function windowLabels(frameLabels: readonly string[], stride = CLIP_LENGTH): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let s = 0; s + CLIP_LENGTH <= frameLabels.length; s += stride) out.push(clipLabel(frameLabels.slice(s, s + CLIP_LENGTH)));
  return out;
}

export function readFrameLabels(path: string): string[] {
  return readLabels(path);
}

/** Clip descriptors and labels of every kept window of the videos in `listFile`. */
export function objectClips(listFile: string, featuresDir: string, stride = CLIP_LENGTH): { x: FeatureMatrix; labels: string[]; dropped: number } {
  const base = dirname(resolve(listFile));
  const rows: Float32Array[] = [];
  const labels: string[] = [];
  let dropped = 0;
  let dim = -1;
  const text = readFileSync(listFile, 'utf8');
  text.split(/\r?\n/).forEach((line, n) => {
    const l = line.trim();
    if (l === '') return;
    const m = /^(\S+)\s+(\S+)$/.exec(l);
    if (!m) throw new Error(`${listFile}:${n + 1}: expected "VIDEO FRAME_LABELS.txt", got "${l}"`);
    const video = m[1]!;
    const wins = windowLabels(readFrameLabels(resolve(base, m[2]!)), stride);
    const featPath = join(featuresDir, `${video}.npy`);
    const a = readNpy(featPath);
    if (a.shape.length !== 2 || (a.dtype !== 'float32' && a.dtype !== 'float64')) throw new Error(`${featPath}: expected float (clips, dim) features`);
    const [clips, d] = a.shape as [number, number];
    if (clips !== wins.length) throw new Error(`${featPath}: ${clips} clips, but ${m[2]} has frames for ${wins.length} windows of 16 at stride ${stride}`);
    if (dim >= 0 && d !== dim) throw new Error(`${featPath}: dim ${d} differs from earlier videos' ${dim}`);
    dim = d;
    wins.forEach((lab, c) => {
      if (lab === undefined) {
        dropped++;
        return;
      }
      rows.push(Float32Array.from(a.data.subarray(c * d, (c + 1) * d)));
      labels.push(lab);
    });
  });
  if (rows.length === 0) throw new Error(`${listFile}: no clips kept`);
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  const x = { rows: rows.length, dim, data };
  assertFinite(x, featuresDir);
  return { x, labels, dropped };
}
