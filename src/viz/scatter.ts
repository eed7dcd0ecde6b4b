/** Scatter plot PNG coloured by class, with a legend (t-SNE, paper fig. 6). */
import { drawAxes, palette } from './axes.js';

export interface ScatterSpec {
  /** n × 2 row-major coordinates. */
  points: Float32Array | Float64Array;
  /** Class index per point. */
  classes: Int32Array;
  classNames: readonly string[];
  title?: string;
  width?: number;
  height?: number;
  /** Legend entries shown at most (the rest summarised as "+N more"). */
  maxLegend?: number;
}

export function scatterPng(s: ScatterSpec): Buffer {
  const n = s.classes.length;
  if (s.points.length !== 2 * n) throw new Error(`scatter: ${s.points.length / 2} points for ${n} class labels`);
  let [xmin, xmax, ymin, ymax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    const x = s.points[2 * i]!, y = s.points[2 * i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`scatter: point ${i} is not finite`);
    xmin = Math.min(xmin, x); xmax = Math.max(xmax, x); ymin = Math.min(ymin, y); ymax = Math.max(ymax, y);
  }
  const px = (xmax - xmin) * 0.03 || 1, py = (ymax - ymin) * 0.03 || 1;
  const maxLegend = s.maxLegend ?? 40;
  const legendChars = Math.min(24, Math.max(0, ...s.classNames.slice(0, maxLegend).map((c) => c.length)));
  const rightMargin = 24 + 6 * legendChars + 14;
  const ax = drawAxes({
    width: s.width ?? 800, height: s.height ?? 640, title: s.title, xRange: [xmin - px, xmax + px], yRange: [ymin - py, ymax + py],
    bare: true, rightMargin,
  });
  const c = ax.canvas;
  const radius = n > 20000 ? 1 : n > 2000 ? 1.5 : 2.5;
  for (let i = 0; i < n; i++) c.dot(ax.px(s.points[2 * i]!), ax.py(s.points[2 * i + 1]!), radius, palette(s.classes[i]!));
  const lx = ax.right + 12;
  const shown = Math.min(s.classNames.length, maxLegend, Math.floor((ax.bottom - ax.top) / 12));
  for (let k = 0; k < shown; k++) {
    const y = ax.top + 4 + 12 * k;
    c.fillRect(lx, y, 8, 8, palette(k));
    c.text(lx + 12, y, s.classNames[k]!.slice(0, 24), [0, 0, 0]);
  }
  if (shown < s.classNames.length) c.text(lx, ax.top + 4 + 12 * shown, `+${s.classNames.length - shown} more`, [90, 90, 90]);
  return c.toPng();
}
