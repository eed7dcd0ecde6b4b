/** Video-level classification (paper Table 2): the mean of the clips' probabilities, top-k with labels. */
import type { ClipFeatures } from './aggregate.js';
import { meanOverClips } from './aggregate.js';

export interface LabelledScore {
  index: number;
  label: string;
  probability: number;
}

/** The k most probable classes of a video from its per-clip `prob` rows. */
export function topK(prob: ClipFeatures, labels: readonly string[] | undefined, k = 5): LabelledScore[] {
  const mean = meanOverClips(prob);
  const order = Array.from(mean.keys()).sort((a, b) => mean[b] - mean[a] || a - b);
  return order.slice(0, Math.min(k, mean.length)).map((i) => ({ index: i, label: labels?.[i] ?? `class ${i}`, probability: mean[i] }));
}
