/**
 * Confusion-matrix heat map PNG (`c3d test --confusion-png`): rows = true class, columns =
 * predicted, each cell coloured by its share of its row (per-class recall on the diagonal), so
 * rare and frequent classes read alike. White → dark blue; rows with no items are light grey.
 */
import { Canvas, type Rgb } from './canvas.js';
import { textWidth } from './font.js';

export interface ConfusionPngOptions {
  /** Default "Confusion matrix". A second line always gives K, the item count and the top-1 accuracy. */
  title?: string;
  /** Above this many classes the axes carry no class names (default 40). */
  maxLabelledClasses?: number;
  /** Class names longer than this are abbreviated (default 16 characters). */
  maxLabelChars?: number;
  /** Approximate side of the grid in pixels (default 640); cells are at least 1 px. */
  gridSize?: number;
}

/** Colour stops of the white → dark-blue ramp (after matplotlib's "Blues", pure white at 0). */
const RAMP: ReadonlyArray<readonly [number, Rgb]> = [
  [0, [255, 255, 255]], [0.25, [198, 219, 239]], [0.5, [107, 174, 214]], [0.75, [33, 113, 181]], [1, [8, 48, 107]],
];
const EMPTY_ROW: Rgb = [235, 235, 235];
const INK: Rgb = [0, 0, 0];

/** The ramp colour of a fraction in [0, 1] (clamped); darker means larger. */
export function heatColour(v: number): Rgb {
  const x = Math.min(1, Math.max(0, v));
  for (let i = 1; i < RAMP.length; i++) {
    const [b, cb] = RAMP[i]!;
    if (x <= b) {
      const [a, ca] = RAMP[i - 1]!;
      const t = (x - a) / (b - a);
      return [0, 1, 2].map((c) => Math.round(ca[c]! + t * (cb[c]! - ca[c]!))) as unknown as Rgb;
    }
  }
  return RAMP[RAMP.length - 1]![1];
}

/** Shortens a name to `max` characters, marking the cut with a trailing '.'. */
function abbreviate(name: string, max: number): string {
  return name.length <= max ? name : `${name.slice(0, Math.max(1, max - 1))}.`;
}

/**
 * Renders a K×K confusion matrix (rows = true, columns = predicted; `number[][]` or `Int32Array[]`)
 * as PNG bytes. Class names label both axes (columns rotated) when K ≤ maxLabelledClasses; counts are
 * printed in the cells when they fit. A colour bar maps the row fraction 0–1.
 */
export function confusionPng(matrix: ReadonlyArray<ArrayLike<number>>, classNames: readonly string[], opts: ConfusionPngOptions = {}): Buffer {
  const k = classNames.length;
  if (k === 0) throw new Error('confusion plot: no classes');
  if (matrix.length !== k) throw new Error(`confusion plot: ${matrix.length} matrix rows for ${k} class names`);
  let total = 0, correct = 0;
  const rowSums = matrix.map((row, i) => {
    if (row.length !== k) throw new Error(`confusion plot: matrix row ${i} has ${row.length} columns, expected ${k}`);
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = row[j]!;
      if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`confusion plot: cell (${i}, ${j}) is ${v}, expected a count ≥ 0`);
      s += v;
    }
    total += s;
    correct += row[i]!;
    return s;
  });

  const labelled = k <= (opts.maxLabelledClasses ?? 40);
  const labels = labelled ? classNames.map((n) => abbreviate(n, opts.maxLabelChars ?? 16)) : [];
  const labelW = labelled ? Math.max(...labels.map((l) => textWidth(l))) : 0;
  // Labelled rows need room for a 7-px glyph; unlabelled grids just fill the requested size.
  const cell = Math.max(labelled ? 10 : 1, Math.floor((opts.gridSize ?? 640) / k));
  const grid = cell * k;
  const title = opts.title ?? 'Confusion matrix';
  const subtitle = `${k} classes, ${total} items` + (total > 0 ? `, top-1 ${((100 * correct) / total).toFixed(1)}%` : '');

  const left = 28 + (labelled ? labelW + 6 : textWidth(String(k - 1)) + 8);
  const top = 50;
  const barX = left + grid + 16;
  const width = Math.max(barX + 14 + 8 + textWidth('1.0') + 10, textWidth(title, 2) + 20, textWidth(subtitle) + 20);
  const height = top + grid + (labelled ? labelW + 8 : 16) + 24;
  const c = new Canvas(width, height);

  c.text(width / 2, 8, title, INK, 2, 'center');
  c.text(width / 2, 28, subtitle, [90, 90, 90], 1, 'center');

  for (let i = 0; i < k; i++) {
    const row = matrix[i]!;
    for (let j = 0; j < k; j++) {
      const v = row[j]!;
      const colour = rowSums[i] === 0 ? EMPTY_ROW : heatColour(v / rowSums[i]!);
      c.fillRect(left + j * cell, top + i * cell, cell, cell, colour);
      // Counts in the cells when they fit: white on dark cells, black on light ones.
      const s = String(v);
      if (labelled && v > 0 && textWidth(s) <= cell - 4) {
        const dark = v / rowSums[i]! > 0.55;
        c.text(left + j * cell + cell / 2, top + i * cell + (cell - 7) / 2, s, dark ? [255, 255, 255] : INK, 1, 'center');
      }
    }
  }
  // Frame and, for readable grids, light separators between cells.
  if (cell >= 6) {
    for (let i = 1; i < k; i++) {
      c.line(left + i * cell, top, left + i * cell, top + grid - 1, [250, 250, 250]);
      c.line(left, top + i * cell, left + grid - 1, top + i * cell, [250, 250, 250]);
    }
  }
  c.line(left - 1, top - 1, left + grid, top - 1, INK);
  c.line(left - 1, top + grid, left + grid, top + grid, INK);
  c.line(left - 1, top - 1, left - 1, top + grid, INK);
  c.line(left + grid, top - 1, left + grid, top + grid, INK);

  if (labelled) {
    labels.forEach((l, i) => {
      c.text(left - 5, top + i * cell + (cell - 7) / 2, l, INK, 1, 'right');
      // Column names read bottom-to-top under the grid, their first letter at the grid.
      c.textVertical(left + i * cell + (cell - 7) / 2, top + grid + 5 + textWidth(l) / 2, l, INK, 1);
    });
  }
  if (!labelled) {
    // Class-index ticks (every 10, 20, 50, … classes) so a dark off-diagonal cell can be looked up.
    const step = [10, 20, 50, 100, 200, 500, 1000].find((st) => k / st <= 12) ?? Math.ceil(k / 12);
    for (let i = 0; i < k; i += step) {
      const mid = i * cell + cell / 2;
      c.line(left - 4, top + mid, left - 2, top + mid, INK);
      c.text(left - 6, top + mid - 3, String(i), INK, 1, 'right');
      c.line(left + mid, top + grid + 2, left + mid, top + grid + 4, INK);
      c.text(left + mid, top + grid + 7, String(i), INK, 1, 'center');
    }
  }
  c.textVertical(6, top + grid / 2, 'true', INK, 2);
  c.text(left + grid / 2, height - 20, 'predicted', INK, 2, 'center');

  // Colour bar: row fraction 1 at the top, 0 at the bottom.
  const barH = Math.min(grid, 200);
  for (let y = 0; y < barH; y++) c.fillRect(barX, top + y, 14, 1, heatColour(1 - y / (barH - 1 || 1)));
  c.line(barX - 1, top - 1, barX + 14, top - 1, INK);
  c.line(barX - 1, top + barH, barX + 14, top + barH, INK);
  c.line(barX - 1, top - 1, barX - 1, top + barH, INK);
  c.line(barX + 14, top - 1, barX + 14, top + barH, INK);
  c.text(barX + 18, top - 3, '1.0', INK);
  c.text(barX + 18, top + barH - 4, '0', INK);
  c.textVertical(barX + 18, top + barH / 2, 'of row', [90, 90, 90]);
  return c.toPng();
}
