/**
 * Classification metrics of `c3d test` and of the validation passes of training: top-k accuracy,
 * mean class accuracy, the confusion matrix, and the paper's video-level aggregation (Table 2:
 * a video's prediction is the mean of the softmax vectors of its clips). Pure functions, no I/O.
 *
 * Ranking rule (used everywhere here): classes are ordered by a stable sort on (−score, index), so
 * of equal scores the lower class index ranks first. An item is a top-k hit only if its true class
 * is strictly within the first k of that order; the top-1 prediction is the first of the order.
 * This makes ties count against the true class only when a lower-indexed class shares its score,
 * and makes an all-equal score vector (e.g. a dead network) predict class 0 every time — a
 * deterministic, slightly pessimistic rule instead of a random tie-break.
 */

/** Rows of a K×K matrix: `number[][]` or `Int32Array[]`. */
export type MatrixRows = ReadonlyArray<ArrayLike<number>>;

/** Clips averaged per video in the paper's video-level evaluation (Table 2). */
export const CLIPS_PER_VIDEO = 10;

/**
 * Position (0-based) of class `label` in the ranking of `scores` by (−score, index): the number of
 * classes with a higher score, plus those with an equal score and a lower index.
 */
export function rankOfLabel(scores: ArrayLike<number>, label: number): number {
  const s = scores[label]!;
  let rank = 0;
  for (let j = 0; j < scores.length; j++) {
    const v = scores[j]!;
    if (v > s || (v === s && j < label)) rank++;
  }
  return rank;
}

/** The top-1 prediction: the highest score, the lowest index among equal highest scores. */
export function argmaxScore(scores: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < scores.length; j++) if (scores[j]! > scores[best]!) best = j;
  return best;
}

/**
 * Element-wise mean of clip score vectors (softmax probabilities) of one video: the video's
 * prediction in the paper's video-level evaluation. Throws if there are no clips or the lengths differ.
 */
export function averageScores(clips: readonly Float32Array[]): Float32Array {
  if (clips.length === 0) throw new Error('averageScores: a video needs at least one clip');
  const k = clips[0]!.length;
  // Sum in float64: 10 clips would be fine in float32, but a long video with hundreds is not.
  const sum = new Float64Array(k);
  clips.forEach((c, i) => {
    if (c.length !== k) throw new Error(`averageScores: clip ${i} has ${c.length} scores, clip 0 has ${k}`);
    for (let j = 0; j < k; j++) sum[j]! += c[j]!;
  });
  const out = new Float32Array(k);
  for (let j = 0; j < k; j++) out[j] = sum[j]! / clips.length;
  return out;
}

/**
 * Accumulates (score vector, true label) pairs of one level (clips or videos) and reports top-k
 * accuracy, mean class accuracy and the confusion matrix. Only counts are kept, not the vectors,
 * so a tally over a whole test set costs O(K²) memory for the confusion matrix and nothing per item.
 */
export class ClassificationTally {
  /** Row-major K×K counts: row = true class, column = top-1 prediction. */
  private readonly confusionCounts: Int32Array;
  /** hitsAtRank[r]: items whose true class ranked r (0-based); top-k hits = Σ_{r<k}. */
  private readonly hitsAtRank: Float64Array;
  private n = 0;

  /** @param numClasses K, the length of every score vector. */
  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`ClassificationTally: class count must be a positive integer, got ${numClasses}`);
    this.confusionCounts = new Int32Array(numClasses * numClasses);
    this.hitsAtRank = new Float64Array(numClasses);
  }

  /** Items added so far. */
  get count(): number {
    return this.n;
  }

  /**
   * Adds one item. Throws (naming the item number) on a wrong vector length, a label outside
   * [0, K) or a non-finite score — a NaN would make the ranking meaningless (a diverged network).
   */
  add(scores: ArrayLike<number>, label: number): void {
    const k = this.numClasses;
    if (scores.length !== k) throw new Error(`metrics: item ${this.n} has ${scores.length} scores, expected ${k}`);
    if (!Number.isInteger(label) || label < 0 || label >= k) throw new Error(`metrics: item ${this.n} has label ${label}, expected an integer in [0, ${k})`);
    for (let j = 0; j < k; j++) {
      if (!Number.isFinite(scores[j]!)) throw new Error(`metrics: item ${this.n} has a non-finite score (${scores[j]}) for class ${j}`);
    }
    this.hitsAtRank[rankOfLabel(scores, label)]!++;
    this.confusionCounts[label * k + argmaxScore(scores)]!++;
    this.n++;
  }

  /**
   * Fraction of items whose true class is within the top `k` (k capped at K, so with K < 5 "top-5"
   * is 1). NaN when no item was added.
   */
  topK(k: number): number {
    if (!(k >= 1)) throw new Error(`metrics: top-k needs k ≥ 1, got ${k}`);
    const kk = Math.min(Math.floor(k), this.numClasses);
    let hits = 0;
    for (let r = 0; r < kk; r++) hits += this.hitsAtRank[r]!;
    return this.n === 0 ? NaN : hits / this.n;
  }

  /** Top-1 accuracy (see {@link topK}). */
  top1(): number {
    return this.topK(1);
  }

  /** Top-5 accuracy, k capped at K (see {@link topK}). */
  top5(): number {
    return this.topK(5);
  }

  /** Items whose true class is c (row sums of the confusion matrix). */
  classCounts(): number[] {
    const k = this.numClasses;
    const out = new Array<number>(k).fill(0);
    for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) out[t]! += this.confusionCounts[t * k + p]!;
    return out;
  }

  /** Per-class top-1 recall; null for a class with no items (absent from the labels). */
  perClassRecall(): Array<number | null> {
    const counts = this.classCounts();
    return counts.map((c, t) => (c === 0 ? null : this.confusionCounts[t * this.numClasses + t]! / c));
  }

  /**
   * Mean over the classes PRESENT in the labels of their top-1 recall (UCF101's "mean class
   * accuracy"); classes that never occur as a true label are left out rather than counted as 0.
   * NaN when no item was added.
   */
  meanClassAccuracy(): number {
    const present = this.perClassRecall().filter((r): r is number => r !== null);
    return present.length === 0 ? NaN : present.reduce((a, b) => a + b, 0) / present.length;
  }

  /** The K×K confusion matrix, rows = true class, columns = top-1 prediction (a fresh copy). */
  confusion(): Int32Array[] {
    const k = this.numClasses;
    return Array.from({ length: k }, (_, t) => this.confusionCounts.slice(t * k, (t + 1) * k));
  }
}

/** What `c3d test --json` prints. Key names are fixed by the CLI's contract; accuracies are fractions. */
export interface TestReport {
  /** Clip-level top-1 / top-5 accuracy (null when there were no clips). */
  clip_top1: number | null;
  clip_top5: number | null;
  /** Video-level (mean of clip softmax vectors) top-1 / top-5 accuracy; null without a video level. */
  video_top1: number | null;
  video_top5: number | null;
  /** Mean class accuracy at video level when videos were tallied, else at clip level. */
  mean_class_accuracy: number | null;
  /** Number of videos (0 without a video level) and of clips. */
  videos: number;
  clips: number;
  /** Mean class accuracy at clip level, always. */
  mean_class_accuracy_clip: number | null;
  /** Class names, index = class id. */
  classes: string[];
}

/** NaN (nothing tallied) becomes null, which is what JSON would print anyway, but typed. */
function fraction(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * Builds the `c3d test --json` object from the clip-level tally and, when videos were evaluated
 * (paper Table 2: each video's clip softmax vectors averaged with {@link averageScores}), the
 * video-level tally. `mean_class_accuracy` is taken at video level when `video` is given and has
 * items, otherwise at clip level; `mean_class_accuracy_clip` is always the clip-level value.
 */
export function testReport(opts: { clip: ClassificationTally; video?: ClassificationTally; classNames: readonly string[] }): TestReport {
  const { clip, video, classNames } = opts;
  if (classNames.length !== clip.numClasses) throw new Error(`testReport: ${classNames.length} class names for ${clip.numClasses} classes`);
  if (video && video.numClasses !== clip.numClasses) throw new Error(`testReport: video tally has ${video.numClasses} classes, clip tally ${clip.numClasses}`);
  const hasVideos = video !== undefined && video.count > 0;
  return {
    clip_top1: fraction(clip.top1()),
    clip_top5: fraction(clip.top5()),
    video_top1: hasVideos ? fraction(video.top1()) : null,
    video_top5: hasVideos ? fraction(video.top5()) : null,
    mean_class_accuracy: fraction(hasVideos ? video.meanClassAccuracy() : clip.meanClassAccuracy()),
    videos: hasVideos ? video.count : 0,
    clips: clip.count,
    mean_class_accuracy_clip: fraction(clip.meanClassAccuracy()),
    classes: [...classNames],
  };
}

/** One CSV field, quoted (RFC 4180) when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Checks that `matrix` is K×K for K = classNames.length; `what` names the caller in the error. */
export function checkSquare(matrix: MatrixRows, classNames: readonly string[], what: string): void {
  const k = classNames.length;
  if (matrix.length !== k) throw new Error(`${what}: ${matrix.length} matrix rows for ${k} class names`);
  matrix.forEach((row, i) => {
    if (row.length !== k) throw new Error(`${what}: matrix row ${i} has ${row.length} columns, expected ${k}`);
  });
}

/**
 * The confusion matrix as CSV: a header row `true\predicted,<predicted class names…>`, then one row
 * per true class starting with its name. Names are quoted when needed; lines end with "\n".
 */
export function confusionCsv(matrix: MatrixRows, classNames: readonly string[]): string {
  checkSquare(matrix, classNames, 'confusionCsv');
  const lines = [['true\\predicted', ...classNames].map(csvField).join(',')];
  matrix.forEach((row, t) => lines.push([csvField(classNames[t]!), ...Array.from(row, String)].join(',')));
  return lines.join('\n') + '\n';
}
