/** Line plot PNG (accuracy vs PCA dims, paper fig. 5). */
import { drawAxes } from './axes.js';

export interface LinePlotSpec {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  x: number[];
  y: number[];
  logX?: boolean;
  width?: number;
  height?: number;
}

/** Widens [lo, hi] to multiples of a round step so the 5 y ticks get short labels. */
function niceRange(lo: number, hi: number): [number, number] {
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? 10 * mag;
  const a = Math.floor(lo / step) * step;
  return [a, a + 5 * Math.ceil((hi - a) / step / 5) * step];
}

/** Draws the points joined by lines, each point labelled with its y value; returns PNG bytes. */
export function linePlotPng(s: LinePlotSpec): Buffer {
  if (s.x.length === 0 || s.x.length !== s.y.length) throw new Error(`line plot: ${s.x.length} x values for ${s.y.length} y values`);
  if (s.logX && s.x.some((v) => !(v > 0))) throw new Error('line plot: log x axis needs positive x values');
  const ymin = Math.min(...s.y), ymax = Math.max(...s.y);
  const pad = (ymax - ymin) * 0.1 || 0.05;
  const xr: [number, number] = s.logX
    ? [Math.min(...s.x) / 1.5, Math.max(...s.x) * 1.5]
    : [Math.min(...s.x), Math.max(...s.x) === Math.min(...s.x) ? Math.min(...s.x) + 1 : Math.max(...s.x)];
  const ax = drawAxes({
    width: s.width ?? 640, height: s.height ?? 440, title: s.title, xLabel: s.xLabel, yLabel: s.yLabel,
    xRange: xr, yRange: niceRange(Math.max(0, ymin - pad), ymax + pad), logX: s.logX, xTicks: s.x,
  });
  const c = ax.canvas;
  const blue = [31, 119, 180] as const;
  for (let i = 1; i < s.x.length; i++) c.line(ax.px(s.x[i - 1]!), ax.py(s.y[i - 1]!), ax.px(s.x[i]!), ax.py(s.y[i]!), blue, 2);
  s.x.forEach((x, i) => {
    c.dot(ax.px(x), ax.py(s.y[i]!), 4, blue);
    c.text(ax.px(x), ax.py(s.y[i]!) - 14, (100 * s.y[i]!).toFixed(1), [0, 0, 0], 1, 'center');
  });
  return c.toPng();
}
