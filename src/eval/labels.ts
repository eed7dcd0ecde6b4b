/** Class labels: text files with one label per line (any strings), encoded to dense class indices. */
import { readFileOrThrow } from '../io/read-file.js';

/** Reads one label per line; a trailing newline is fine, blank lines elsewhere are an error. */
export function readLabels(path: string): string[] {
  const text = readFileOrThrow(path, 'utf8');
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const blank = lines.flatMap((l, i) => (l.trim() === '' ? [i + 1] : []));
  if (blank.length > 0) throw new Error(`${path}: blank label on line(s) ${blank.slice(0, 10).join(', ')}`);
  return lines.map((l) => l.trim());
}

/**
 * Maps label strings to class indices 0..K−1 in order of first appearance — LIBLINEAR's order, so
 * class k here is class k in a liblinear model trained on the same file.
 */
export class LabelEncoder {
  readonly classes: string[] = [];
  private readonly index = new Map<string, number>();

  /** Builds the encoder from training labels. */
  static fit(labels: readonly string[]): LabelEncoder {
    const e = new LabelEncoder();
    for (const l of labels) {
      if (!e.index.has(l)) {
        e.index.set(l, e.classes.length);
        e.classes.push(l);
      }
    }
    return e;
  }

  /** Class index of each label; −1 for a label not seen in training. */
  encode(labels: readonly string[]): Int32Array {
    return Int32Array.from(labels, (l) => this.index.get(l) ?? -1);
  }

  decode(k: number): string {
    const c = this.classes[k];
    if (c === undefined) throw new Error(`LabelEncoder: no class ${k}`);
    return c;
  }
}

/** Per-class sample counts of an encoded label vector. */
export function classCounts(y: Int32Array, numClasses: number): Int32Array {
  const c = new Int32Array(numClasses);
  for (const k of y) if (k >= 0) c[k]!++;
  return c;
}

/** Throws, listing them, if some classes have fewer than `min` samples. */
export function assertMinPerClass(y: Int32Array, classes: readonly string[], min: number, where: string): void {
  const counts = classCounts(y, classes.length);
  const bad = classes.filter((_, k) => counts[k]! < min);
  if (bad.length > 0) {
    const shown = bad.slice(0, 10).map((c) => `'${c}'`).join(', ') + (bad.length > 10 ? `, … (${bad.length} classes)` : '');
    throw new Error(`${where}: class(es) with fewer than ${min} samples: ${shown}`);
  }
}

/** Throws unless there is exactly one label per feature row. */
export function assertLabelCount(labels: readonly unknown[], rows: number, labelFile: string, featureFile: string): void {
  if (labels.length !== rows) {
    throw new Error(`${labelFile}: ${labels.length} labels for ${rows} feature rows in ${featureFile}`);
  }
}
