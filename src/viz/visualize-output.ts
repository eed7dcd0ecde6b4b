/**
 * Writing a visualisation: per kept activation a PNG strip (16 projected frames above the 16 cropped
 * input frames, as the paper's figures) and an animated GIF of the same; per feature map a grid of
 * its clips (app. B); OUT/index.json listing every row and its files; with `saveNpy`,
 * OUT/projections.npy (K × C × L × H × W float32, rows in index.json's order). Every file is written
 * to a temp name and renamed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeBytesAtomic } from '../io/atomic.js';
import { writeNpy } from '../io/npy.js';
import type { PixelConvention } from '../features/convention.js';
import { clipToRgbFrames, downscale, heatOverlay, projectionToRgbFrames, type DisplayNormalization, type RgbImage } from './clip-frames.js';
import { stackedGif, stripPng } from './strips.js';
import type { VisualizationResult, VisualizationRow } from './visualize.js';

export interface WriteVisualizationOptions {
  /** The clips' input convention, to show them as pixels. */
  convention: PixelConvention;
  /** Display scaling of projections (default 'clip'). */
  normalize?: DisplayNormalization;
  /** Write GIFs (default true) and per-map grids (default true). */
  gif?: boolean;
  grid?: boolean;
  /** Also write projections.npy (default false). */
  saveNpy?: boolean;
  /** Class names for Grad-CAM titles. */
  classNames?: readonly string[];
  /** The weights or net, for titles and index.json. */
  source?: string;
}

/** What was written, relative to the output folder. */
export interface WrittenVisualization {
  index: string;
  files: string[];
}

/** Writes the result into `outDir` (created if needed); returns the files written. */
export function writeVisualization(r: VisualizationResult, outDir: string, o: WriteVisualizationOptions): WrittenVisualization {
  mkdirSync(outDir, { recursive: true });
  const [K, C, L, H, W] = r.projections.shape as [number, number, number, number, number];
  const clipSize = 3 * L * H * W;
  const files: string[] = [];
  const write = (name: string, bytes: Uint8Array | string): string => {
    writeBytesAtomic(join(outDir, name), bytes);
    files.push(name);
    return name;
  };
  const inputFrames = (row: VisualizationRow): RgbImage[] => clipToRgbFrames(r.clips.data, L, H, o.convention, row.clip * clipSize);
  const shownFrames = (k: number, input: RgbImage[]): RgbImage[] =>
    r.method === 'gradcam'
      ? heatOverlay(r.projections.data.subarray(k * C * L * H * W, (k + 1) * C * L * H * W), input)
      : projectionToRgbFrames(r.projections.data, L, H, W, o.convention.channels, o.normalize ?? 'clip', k * C * L * H * W);

  const index = r.rows.map((row, k) => {
    const input = inputFrames(row);
    const shown = shownFrames(k, input);
    const stem = r.method === 'gradcam' ? `gradcam_${String(row.rank).padStart(2, '0')}` : `${r.layer}_map${row.map}_${String(row.rank).padStart(2, '0')}`;
    const title = [
      `${row.video}  clip ${row.clipStart === null ? `#${row.clipIndex}` : `from frame ${row.clipStart}`}`,
      r.method === 'gradcam'
        ? `Grad-CAM at ${r.layer}, class ${className(row.classIndex!, o.classNames)} (score ${row.score!.toPrecision(4)})`
        : `${r.layer} map ${row.map} at (t ${row.position!.t}, y ${row.position!.y}, x ${row.position!.x}) = ${row.value!.toPrecision(4)}, ${r.method}, rank ${row.rank}`,
    ];
    const out: Record<string, string> = { png: write(`${stem}.png`, stripPng([shown, input], { title })) };
    if (o.gif ?? true) out.gif = write(`${stem}.gif`, stackedGif([shown, input]));
    const { clip: _clip, ...rest } = row;
    return { ...rest, ...(r.method === 'gradcam' ? { className: className(row.classIndex!, o.classNames) } : {}), files: out };
  });

  const grids: Record<string, string> = {};
  if (r.method !== 'gradcam' && (o.grid ?? true)) {
    for (const map of r.maps) {
      const ks = r.rows.map((row, k) => ({ row, k })).filter(({ row }) => row.map === map);
      if (ks.length === 0) continue;
      // Half size, as App. B's panels: each clip two rows (projection, input).
      const f = H >= 64 ? 2 : 1;
      const rows = ks.flatMap(({ row, k }) => {
        const input = inputFrames(row);
        return [shownFrames(k, input).map((x) => downscale(x, f)), input.map((x) => downscale(x, f))];
      });
      grids[map] = write(`${r.layer}_map${map}_grid.png`, stripPng(rows, { title: [`${r.layer} map ${map}: top ${ks.length} clips (${r.method})`], groupRows: 2, groupGap: 6 }));
    }
  }

  const meta: Record<string, unknown> = {
    method: r.method, layer: r.layer, source: o.source, maps: r.maps, normalize: o.normalize ?? 'clip',
    scannedClips: r.scannedClips, failed: r.failed, grids, rows: index,
  };
  if (o.saveNpy) {
    writeNpy(join(outDir, 'projections.npy'), { shape: [K, C, L, H, W], data: r.projections.data });
    files.push('projections.npy');
    meta.projections = { file: 'projections.npy', shape: [K, C, L, H, W], channels: C === 3 ? o.convention.channels : 'saliency' };
  }
  const indexName = write('index.json', JSON.stringify(meta, null, 1) + '\n');
  return { index: indexName, files };
}

function className(k: number, names?: readonly string[]): string {
  return names?.[k] !== undefined ? `${k} (${names[k]})` : String(k);
}
