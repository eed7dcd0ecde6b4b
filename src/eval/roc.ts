/** ROC curve and its area for binary scores (higher score = more "positive"). */
import type { RocCurve } from '../viz/roc.js';

export interface RocResult extends RocCurve {
  /** Area under the curve (trapezoidal; ties handled by moving through equal scores at once). */
  auc: number;
}

export function roc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): RocResult {
  const n = scores.length;
  if (positive.length !== n) throw new Error(`roc: ${n} scores for ${positive.length} labels`);
  let P = 0;
  for (let i = 0; i < n; i++) if (positive[i]) P++;
  const N = n - P;
  if (P === 0 || N === 0) throw new Error(`roc: need both classes, got ${P} positive and ${N} negative`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const fpr = [0];
  const tpr = [0];
  let tp = 0, fp = 0, auc = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k]!]!;
    while (k < n && scores[order[k]!]! === s) {
      if (positive[order[k]!]) tp++;
      else fp++;
      k++;
    }
    const f = fp / N, t = tp / P;
    auc += (f - fpr[fpr.length - 1]!) * (t + tpr[tpr.length - 1]!) / 2;
    fpr.push(f);
    tpr.push(t);
  }
  return { fpr, tpr, auc };
}
