/**
 * RUN/curves.png of a training run: the loss (top panel) and the accuracies (bottom panel,
 * fractions 0–1) against the iteration, drawn from the run's log records.
 */
import { seriesPlot, stackPng, legendWidthFor, niceRange, roundTicks, type PlotSeries } from '../viz/line-plot.js';

/** One record of the training log; every field but the iteration may be missing. */
export interface CurvePoint {
  iteration: number;
  /** Training loss of this iteration's batch. */
  loss?: number;
  /** Training (batch) top-1 accuracy, fraction. */
  train_acc?: number;
  /** Validation clip / video top-1 accuracy, fractions (only on validation iterations). */
  val_clip_top1?: number;
  val_video_top1?: number;
  /** Base learning rate in effect. */
  lr?: number;
}

export interface CurvesOptions {
  /** Panel width in pixels (default 720); each panel is 300 px high. */
  width?: number;
  /** Moving-average window for the per-batch loss and accuracy; default: see {@link smoothingWindow}. */
  window?: number;
}

/**
 * Default moving-average window for n per-batch values: about n/25, at least 1 and at most 200, so
 * a long run's curve shows the trend and a short one stays close to the raw points.
 */
export function smoothingWindow(n: number): number {
  return Math.min(200, Math.max(1, Math.round(n / 25)));
}

/**
 * Trailing moving average (each point the mean of itself and up to w − 1 predecessors), as Caffe's
 * `average_loss` display does; trailing rather than centred so the last point is the latest state.
 */
export function movingAverage(values: readonly number[], w: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= w) sum -= values[i - w]!;
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
}

/** The (iteration, value) pairs of one field with a finite value. */
function column(log: readonly CurvePoint[], key: Exclude<keyof CurvePoint, 'iteration'>): { x: number[]; y: number[] } {
  const x: number[] = [], y: number[] = [];
  for (const r of log) {
    const v = r[key];
    if (v !== undefined && Number.isFinite(v) && Number.isFinite(r.iteration)) { x.push(r.iteration); y.push(v); }
  }
  return { x, y };
}

/** "1 loss value", "3 loss values". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Short number text: 3 significant digits, exponent form below 0.001 (0.003 → "0.003", 1e-5 → "1.0e-5"). */
function lrText(v: number): string {
  return v >= 1e-3 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
}

/**
 * Renders the two-panel training-curves PNG. Top: the per-batch loss (thin, light) and its
 * trailing moving average (see {@link movingAverage}); non-finite losses (divergence) are counted in
 * a note instead of drawn, and a few huge spikes are cut off at the top (with a note) so they do not
 * flatten the rest; dashed markers show learning-rate changes. Bottom: the training accuracy
 * (moving average, same window) and the validation clip / video top-1 accuracies on a 0–1 axis.
 * Records with missing fields simply add nothing to those lines. Iterations are shown in thousands
 * from 10,000 on.
 */
export function trainingCurvesPng(log: readonly CurvePoint[], opts: CurvesOptions = {}): Buffer {
  const width = opts.width ?? 720;
  const maxIter = Math.max(0, ...log.map((r) => r.iteration).filter(Number.isFinite));
  const scale = maxIter >= 10000 ? 1000 : 1;
  const xLabel = scale === 1 ? 'iteration' : 'iteration (thousands)';
  const sx = (xs: number[]) => xs.map((x) => x / scale);
  const xTicks = roundTicks(0, Math.max(maxIter / scale, 10));
  const xRange: [number, number] = [xTicks[0]!, xTicks[xTicks.length - 1]!];

  const loss = column(log, 'loss');
  const nonFinite = log.filter((r) => r.loss !== undefined && !Number.isFinite(r.loss)).length;
  const w = opts.window ?? smoothingWindow(loss.y.length);
  const lossSeries: PlotSeries[] = [];
  const lossNotes: string[] = [];
  if (loss.y.length === 0) lossNotes.push('no loss recorded yet');
  else {
    lossSeries.push({ label: w > 1 ? 'loss (batch)' : 'loss', x: sx(loss.x), y: loss.y, colour: [174, 199, 232], lineWidth: 1 });
    if (w > 1) lossSeries.push({ label: `loss (mean of ${w})`, x: sx(loss.x), y: movingAverage(loss.y, w), colour: [31, 119, 180] });
  }
  if (nonFinite > 0) lossNotes.push(`${plural(nonFinite, 'non-finite loss value')} not drawn (diverged?)`);
  // A spike ten times the bulk of the curve (the "87.3365" of a diverging Caffe run) would squash
  // everything else: cut the axis at 1.5× the 99th percentile and say how many points are above.
  let lossRange: [number, number] | undefined;
  if (loss.y.length > 0) {
    const sorted = [...loss.y].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(0.99 * (sorted.length - 1))]!;
    const max = sorted[sorted.length - 1]!;
    const lo = Math.min(0, sorted[0]!);
    const top = max > 3 * p99 && p99 > 0 ? 1.5 * p99 : max;
    lossRange = niceRange(lo, top > lo ? top : lo + 1);
    const above = loss.y.filter((v) => v > lossRange![1]).length;
    if (above > 0) lossNotes.push(`${plural(above, 'loss value')} above ${lrText(lossRange[1])} cut off (max ${lrText(max)})`);
  }

  // Learning-rate changes as markers when there are few (step schedules); a smooth schedule gets a note.
  const lr = column(log, 'lr');
  const changes: Array<{ x: number; label: string }> = [];
  for (let i = 1; i < lr.y.length; i++) if (lr.y[i] !== lr.y[i - 1]) changes.push({ x: lr.x[i]! / scale, label: `lr ${lrText(lr.y[i]!)}` });
  const lossTitle = lr.y.length > 0 ? `training loss (lr ${lrText(lr.y[0]!)} at start)` : 'training loss';
  if (changes.length > 12) lossNotes.push(`lr ${lrText(lr.y[0]!)} to ${lrText(lr.y[lr.y.length - 1]!)} (${changes.length} changes)`);

  const acc = column(log, 'train_acc');
  const vclip = column(log, 'val_clip_top1');
  const vvideo = column(log, 'val_video_top1');
  const accSeries: PlotSeries[] = [];
  if (acc.y.length > 0) {
    const wa = opts.window ?? smoothingWindow(acc.y.length);
    accSeries.push({ label: wa > 1 ? `train (mean of ${wa})` : 'train', x: sx(acc.x), y: movingAverage(acc.y, wa), colour: [255, 127, 14] });
  }
  if (vclip.y.length > 0) accSeries.push({ label: 'val clip top-1', x: sx(vclip.x), y: vclip.y, colour: [44, 160, 44], dots: true });
  if (vvideo.y.length > 0) accSeries.push({ label: 'val video top-1', x: sx(vvideo.x), y: vvideo.y, colour: [214, 39, 40], dots: true });

  const legendWidth = legendWidthFor([...lossSeries, ...accSeries].map((s) => s.label));
  const top = seriesPlot({
    title: lossTitle, xLabel, yLabel: 'loss', series: lossSeries, xRange, xTicks, yRange: lossRange, width, height: 300,
    legendWidth, notes: lossNotes, markers: changes.length <= 12 ? changes : [],
  });
  const bottom = seriesPlot({
    title: 'accuracy', xLabel, yLabel: 'top-1', series: accSeries, xRange, xTicks, yRange: [0, 1], width, height: 300,
    legendWidth, notes: accSeries.length === 0 ? ['no accuracy recorded yet'] : [],
  });
  return stackPng([top, bottom]);
}
