/** Line plot PNGs: accuracy vs PCA dims (paper fig. 5) and multi-series panels (training curves). */
import { drawAxes, palette } from './axes.js';
import { Canvas, type Rgb } from './canvas.js';
import { textWidth } from './font.js';

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
export function niceRange(lo: number, hi: number): [number, number] {
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

/**
 * Ticks at a round step (1, 2, 2.5 or 5 × 10ⁿ) covering [lo, hi] with at most `maxTicks` intervals;
 * unlike {@link niceRange}'s fixed 5 intervals, the range ends at the first tick past hi.
 */
export function roundTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const mag = 10 ** Math.floor(Math.log10((hi - lo) / maxTicks));
  const step = [1, 2, 2.5, 5, 10, 20].map((m) => m * mag).find((st) => Math.ceil(hi / st) - Math.floor(lo / st) <= maxTicks)!;
  const ticks: number[] = [];
  for (let i = Math.floor(lo / step); i <= Math.ceil(hi / step); i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** One line of a {@link seriesPlot}. Points with a non-finite x or y are not drawn (the line breaks there). */
export interface PlotSeries {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  colour?: Rgb;
  /** Line width in pixels (default 2). */
  lineWidth?: number;
  /** Mark each point with a dot (sparse series such as validation passes). */
  dots?: boolean;
}

export interface SeriesPlotSpec {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  series: PlotSeries[];
  /** Default: round numbers around the data. */
  xRange?: [number, number];
  /** x tick positions (e.g. from {@link roundTicks}); default 5 even steps of the x range. */
  xTicks?: number[];
  yRange?: [number, number];
  width?: number;
  height?: number;
  /** Width kept right of the plot for the legend (default: from the longest label); equal values align stacked panels. */
  legendWidth?: number;
  /** Grey lines of text drawn at the top-right inside the plot (e.g. "no data yet"). */
  notes?: string[];
  /** Vertical dashed markers at x (e.g. learning-rate steps), each with a short label. */
  markers?: Array<{ x: number; label: string }>;
}

/** Legend width that fits `labels` (swatch + text); pass the max over panels to align them. */
export function legendWidthFor(labels: readonly string[]): number {
  return labels.length === 0 ? 0 : 30 + Math.max(...labels.map((l) => textWidth(l)));
}

/**
 * Several lines on one set of axes with a legend on the right, returned as a Canvas so callers
 * can stack panels ({@link stackPng}). Unlike {@link linePlotPng} the points are not labelled and
 * the x ticks are 5 round steps, which suits long series such as training logs.
 */
export function seriesPlot(s: SeriesPlotSpec): Canvas {
  s.series.forEach((l) => {
    if (l.x.length !== l.y.length) throw new Error(`series plot: "${l.label}" has ${l.x.length} x values for ${l.y.length} y values`);
  });
  const xs: number[] = [], ys: number[] = [];
  for (const l of s.series) {
    for (let i = 0; i < l.x.length; i++) {
      if (Number.isFinite(l.x[i]!) && Number.isFinite(l.y[i]!)) { xs.push(l.x[i]!); ys.push(l.y[i]!); }
    }
  }
  const xmin = xs.length ? Math.min(...xs) : 0, xmax = xs.length ? Math.max(...xs) : 1;
  const ymin = ys.length ? Math.min(...ys) : 0, ymax = ys.length ? Math.max(...ys) : 1;
  const xRange = s.xRange ?? niceRange(xmin, xmax > xmin ? xmax : xmin + 1);
  const yRange = s.yRange ?? niceRange(ymin, ymax > ymin ? ymax : ymin + 1);
  const legendWidth = s.legendWidth ?? legendWidthFor(s.series.map((l) => l.label));
  const ax = drawAxes({
    width: s.width ?? 640, height: s.height ?? 320, title: s.title, xLabel: s.xLabel, yLabel: s.yLabel,
    xRange, yRange, xTicks: s.xTicks, rightMargin: legendWidth,
  });
  const c = ax.canvas;
  const clampY = (y: number) => Math.min(yRange[1], Math.max(yRange[0], y));
  for (const m of s.markers ?? []) {
    const x = ax.px(m.x);
    if (x < ax.left || x > ax.right) continue;
    for (let y = ax.top; y < ax.bottom; y += 6) c.line(x, y, x, Math.min(y + 3, ax.bottom), [150, 150, 150]);
    // Label right of the line, or left of it where it would run into the legend.
    const fits = x + 3 + textWidth(m.label) <= ax.right - 2;
    c.text(fits ? x + 3 : x - 3, ax.top + 3, m.label, [110, 110, 110], 1, fits ? 'left' : 'right');
  }
  s.series.forEach((l, k) => {
    const colour = l.colour ?? palette(k);
    let prev: [number, number] | null = null;
    for (let i = 0; i < l.x.length; i++) {
      const x = l.x[i]!, y = l.y[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) { prev = null; continue; }
      const p: [number, number] = [ax.px(x), ax.py(clampY(y))];
      if (prev) c.line(prev[0], prev[1], p[0], p[1], colour, l.lineWidth ?? 2);
      if (l.dots) c.dot(p[0], p[1], 3, colour);
      prev = p;
    }
  });
  s.series.forEach((l, k) => {
    const y = ax.top + 4 + 14 * k;
    c.fillRect(ax.right + 10, y + 2, 14, 3, l.colour ?? palette(k));
    c.text(ax.right + 28, y, l.label, [0, 0, 0]);
  });
  // Top-right, below the marker labels (empty in a falling loss curve), on white so a line
  // passing underneath does not hide them.
  (s.notes ?? []).forEach((n, i) => {
    const y = ax.top + 18 + 12 * i;
    c.fillRect(ax.right - 10 - textWidth(n), y - 2, textWidth(n) + 4, 11, [255, 255, 255]);
    c.text(ax.right - 8, y, n, [90, 90, 90], 1, 'right');
  });
  return c;
}

/** Canvases one above the other (left-aligned, white fill), encoded as one PNG. */
export function stackPng(parts: readonly Canvas[]): Buffer {
  if (parts.length === 0) throw new Error('stackPng: nothing to stack');
  const out = new Canvas(Math.max(...parts.map((p) => p.width)), parts.reduce((h, p) => h + p.height, 0));
  let y = 0;
  for (const p of parts) {
    for (let r = 0; r < p.height; r++) out.data.set(p.data.subarray(r * p.width * 4, (r + 1) * p.width * 4), ((y + r) * out.width) * 4);
    y += p.height;
  }
  return out.toPng();
}
