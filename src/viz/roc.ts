/** ROC curve PNG (ASLAN, paper §5). */
import { drawAxes } from './axes.js';

export interface RocCurve {
  /** False-positive rates, increasing from 0 to 1. */
  fpr: number[];
  /** True-positive rates at the same thresholds. */
  tpr: number[];
}

export function rocPng(roc: RocCurve, title = 'ROC', width = 560, height = 560): Buffer {
  if (roc.fpr.length !== roc.tpr.length || roc.fpr.length < 2) throw new Error(`roc: need ≥ 2 matching points, got ${roc.fpr.length} / ${roc.tpr.length}`);
  const ax = drawAxes({ width, height, title, xLabel: 'false positive rate', yLabel: 'true positive rate', xRange: [0, 1], yRange: [0, 1] });
  const c = ax.canvas;
  c.line(ax.px(0), ax.py(0), ax.px(1), ax.py(1), [170, 170, 170]);
  for (let i = 1; i < roc.fpr.length; i++) {
    c.line(ax.px(roc.fpr[i - 1]!), ax.py(roc.tpr[i - 1]!), ax.px(roc.fpr[i]!), ax.py(roc.tpr[i]!), [214, 39, 40], 2);
  }
  return c.toPng();
}
