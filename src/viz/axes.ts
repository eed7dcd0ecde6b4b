/** Plot frame: data→pixel mapping, axes, ticks and labels shared by line, scatter and ROC plots. */
import { Canvas, type Rgb } from './canvas.js';

export interface AxesSpec {
  width: number;
  height: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  xRange: [number, number];
  yRange: [number, number];
  logX?: boolean;
  /** Explicit x tick positions (data units); default: 5 even ticks. */
  xTicks?: number[];
  /** Hide ticks and numbers (t-SNE coordinates mean nothing). */
  bare?: boolean;
  /** Extra right margin (legend). */
  rightMargin?: number;
}

export interface Axes {
  canvas: Canvas;
  px(x: number): number;
  py(y: number): number;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Short tick label: up to 3 significant digits, no trailing zeros. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

const AXIS: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];

export function drawAxes(s: AxesSpec): Axes {
  const canvas = new Canvas(s.width, s.height);
  const left = 60, top = s.title ? 34 : 14, right = s.width - 16 - (s.rightMargin ?? 0), bottom = s.height - 46;
  const tx = (x: number) => (s.logX ? Math.log10(x) : x);
  const [x0, x1] = [tx(s.xRange[0]), tx(s.xRange[1])];
  const [y0, y1] = s.yRange;
  const px = (x: number) => left + ((tx(x) - x0) / (x1 - x0 || 1)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0 || 1)) * (bottom - top);
  if (s.title) canvas.text((left + right) / 2, 10, s.title, AXIS, 2, 'center');
  if (!s.bare) {
    const xt = s.xTicks ?? Array.from({ length: 6 }, (_, i) => s.xRange[0] + ((s.xRange[1] - s.xRange[0]) * i) / 5);
    for (const v of xt) {
      const x = px(v);
      canvas.line(x, top, x, bottom, GRID);
      canvas.line(x, bottom, x, bottom + 4, AXIS);
      canvas.text(x, bottom + 8, tickLabel(v), AXIS, 1, 'center');
    }
    for (let i = 0; i <= 5; i++) {
      const v = y0 + ((y1 - y0) * i) / 5;
      const y = py(v);
      canvas.line(left, y, right, y, GRID);
      canvas.line(left - 4, y, left, y, AXIS);
      canvas.text(left - 7, y - 3, tickLabel(v), AXIS, 1, 'right');
    }
  }
  canvas.line(left, top, left, bottom, AXIS);
  canvas.line(left, bottom, right, bottom, AXIS);
  canvas.line(left, top, right, top, AXIS);
  canvas.line(right, top, right, bottom, AXIS);
  if (s.xLabel) canvas.text((left + right) / 2, bottom + 24, s.xLabel, AXIS, 2, 'center');
  if (s.yLabel) canvas.textVertical(6, (top + bottom) / 2, s.yLabel, AXIS, 2);
  return { canvas, px, py, left, top, right, bottom };
}

/** Evenly spread, well-separated colours: the 10 Tableau colours, then golden-angle hues. */
export function palette(i: number): Rgb {
  const base: Rgb[] = [
    [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
    [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
  ];
  if (i < base.length) return base[i]!;
  const h = ((i * 137.508) % 360) / 60;
  const s = 0.75, v = 0.85 - 0.25 * ((i >> 3) % 2);
  const c = v * s, x = c * (1 - Math.abs((h % 2) - 1)), m = v - c;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [Math.round(255 * (r + m)), Math.round(255 * (g + m)), Math.round(255 * (b + m))];
}
